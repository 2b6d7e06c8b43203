"""The public pages, open to anyone without signing in: the forward plan of upcoming key decisions (with the notice's
words the 2012 Regulations ask for) and the published records of decision, executive and officer decisions side by
side. They show only what a council publishes: never evidence, snapshots' content or internal notes. The open data
downloads (`open_data`) read the same rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from commissioning import rules
from commissioning.models import Role, Strategy
from workflows.models import GateState, RecordOfDecision, Seat, SeatState
from workflows.trail import decision_entry

# Key decisions not yet taken: on the forward plan until approved (then they are in their call-in window).
NOT_YET_TAKEN = (
    GateState.OPEN,
    GateState.SUBMITTED,
    GateState.WITHDRAWN,
    GateState.REJECTED,
    GateState.CALLED_IN,
)
# A record of decision is published once the decision is taken: in its call-in window, called in, or passed.
PUBLISHED = (GateState.CALL_IN, GateState.CALLED_IN, GateState.PASSED)

FORWARD_PLAN_STATUS = {
    GateState.OPEN: "Being prepared",
    GateState.SUBMITTED: "With the decision-maker",
    GateState.WITHDRAWN: "Withdrawn for revision",
    GateState.REJECTED: "Not agreed; being revised",
    GateState.CALLED_IN: "Called in by scrutiny",
}


@dataclass(frozen=True)
class PlannedDecision:
    strategy: Strategy
    decision_maker: str
    status: str

    @property
    def gate(self):
        return self.strategy.current_gate

    @property
    def matter(self) -> str:
        strategy = self.strategy
        default = f"{strategy.get_stage_display()} gate of {strategy.title} ({strategy.reference})"
        return self.gate.notice_matter or default

    @property
    def documents(self) -> list[str]:
        return [line.strip() for line in self.gate.notice_documents.splitlines() if line.strip()]

    @property
    def representations(self) -> str:
        return self.strategy.lead_organisation.representations_text


def forward_plan() -> list[PlannedDecision]:
    """Strategies whose current gate is a key decision with a forward-plan notice or an urgency exemption, not yet
    taken; soonest intended decision first. Two queries however many rows.

    A notice can only be published for a key decision; a gate that was then submitted as not key (its value fell
    below the threshold) has left the forward plan."""
    decision_seats = Prefetch(
        "current_gate__seats",
        queryset=Seat.objects.filter(requires_record_of_decision=True)
        .exclude(state=SeatState.SUPERSEDED)
        .select_related("organisation")
        .order_by("pk"),
        to_attr="decision_seats",
    )
    strategies = (
        Strategy.objects.filter(current_gate__state__in=NOT_YET_TAKEN)
        .filter(Q(current_gate__notice_published_on__isnull=False) | Q(current_gate__urgency_agreed_at__isnull=False))
        .exclude(current_gate__state__in=(GateState.SUBMITTED, GateState.CALLED_IN), current_gate__key_decision=False)
        .select_related("current_gate__call_in_exemption_agreed_by", "lead_organisation")
        .prefetch_related(decision_seats)
        .annotate(decision_on=Coalesce("current_gate__intended_decision_date", "current_gate__decision_not_before"))
        .order_by(F("decision_on").asc(nulls_last=True), "reference")
    )
    planned = []
    for strategy in strategies:
        gate = strategy.current_gate
        seats = [seat for seat in gate.decision_seats if seat.round == gate.round]
        if gate.notice_decision_maker:  # as the notice names them
            decision_maker = gate.notice_decision_maker
        elif seats:
            decision_maker = "; ".join(seat.label for seat in seats)
        else:  # not submitted yet: the policy gives key decisions to the lead organisation's executive member
            decision_maker = f"{Role.EXECUTIVE_MEMBER.label}, {strategy.lead_organisation}"
        planned.append(PlannedDecision(strategy, decision_maker, FORWARD_PLAN_STATUS[gate.state]))
    return planned


def published_records():
    """Records of decision on gates whose decision has been taken (executive and officer decisions: see
    `rules.decision_record_kind`); the decision, its gate and who decided. A record of an earlier round (approved,
    then the gate rejected by another seat and resubmitted) was never a decision taken, and is left out."""
    return (
        RecordOfDecision.objects.filter(
            decision__gate__state__in=PUBLISHED,
            decision__gate__subject_type__model="strategy",
            decision__seat__round=F("decision__gate__round"),
        )
        .select_related(
            "decision__gate__call_in_exemption_agreed_by", "decision__seat", "decision__principal", "decision__actor"
        )
        .order_by("-decision__decided_at", "-pk")
    )


def record_status(record: RecordOfDecision) -> str:
    gate = record.decision.gate
    if record.decision.seat.state == SeatState.SUPERSEDED:
        return "Called in and referred back to the decision-maker"
    if gate.state == GateState.CALL_IN:
        return "Open for call-in"
    if gate.state == GateState.CALLED_IN:
        return "Called in by scrutiny"
    if gate.exempt_from_call_in:
        return "In effect (urgent: exempt from call-in)"
    return "In effect"


def _with_strategies(records: list[RecordOfDecision]) -> list[RecordOfDecision]:
    """Attach each record's strategy and status (one query for all the strategies)."""
    ids = {record.decision.gate.subject_id for record in records}
    strategies = Strategy.objects.filter(pk__in=ids).select_related("lead_organisation").in_bulk()
    for record in records:
        record.strategy = strategies.get(record.decision.gate.subject_id)
        record.status = record_status(record)
        record.kind = rules.decision_record_kind(record.decision.seat.role)
    return records


@require_GET
def forward_plan_page(request):
    return render(request, "public/forward_plan.html", {"planned": forward_plan()})


@require_GET
def records_of_decision(request):
    records = _with_strategies(list(published_records()[:500]))
    executive = [record for record in records if record.kind == "executive"]
    officer = [record for record in records if record.kind == "officer"]
    context = {"records": executive, "officer_records": officer}
    return render(request, "public/records_of_decision.html", context)


@require_GET
def record_of_decision(request, decision_id: int):
    records = _with_strategies(list(published_records().filter(decision_id=decision_id)))
    if not records:
        raise Http404("No published record of decision")
    trail = decision_entry(decision_id)  # its place on the tamper-evident audit trail
    return render(request, "public/record_of_decision.html", {"record": records[0], "trail": trail})
