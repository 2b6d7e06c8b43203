"""A strategy's procurement, as the gates and the Do stage's evidence record it, for its OCDS release package
(`commissioning.ocds`). Public data under the Local Government Transparency Code: read without signing in.

A cycle is a contracting process when its Plan gate passed having agreed the "right source" decision outsourcing /
procurement (read from the Plan gate's snapshot: what was agreed, not what the strategy says now) and the strategy
went on into Do (its Do gate exists). Everything else stays unpublished.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from workflows.models import Gate, GateSnapshot, GateState

from ..models import DeliveryChannel, EvidenceStatus, PartnerKind, Stage, StagePeriod, Strategy
from ..ocds import Document, Party, Procurement, ProcurementCycle

# The Do stage's evidence (template codes of the defaults) and where each shows in OCDS: (release, document type).
PROCUREMENT_EVIDENCE = {
    "procurement-route": ("tender", "procurementPlan"),
    "award-record": ("award", "awardNotice"),
    "mobilisation-plan": ("contract", "projectPlan"),
    "contract-management-plan": ("contract", "contractAnnexe"),
}
PARTNER_ROLES = {
    PartnerKind.POOLED_BUDGET_CONTRIBUTOR: ("funder",),
    PartnerKind.CO_COMMISSIONER: ("interestedParty",),
}


def _money(content: dict | None) -> Decimal | None:
    try:
        return Decimal(str(((content or {}).get("strategy") or {}).get("total_contract_value")))
    except (InvalidOperation, ValueError):
        return None


def _parties(strategy: Strategy) -> tuple[Party, tuple[Party, ...]]:
    lead = strategy.lead_organisation
    buyer = Party(id=lead.code, name=lead.name, roles=("buyer", "procuringEntity"))
    others = [
        Party(id=link.organisation.code, name=link.organisation.name, roles=PARTNER_ROLES[link.kind])
        for link in strategy.partner_links.select_related("organisation").order_by("organisation__name")
        if link.kind in PARTNER_ROLES
    ]
    return buyer, (buyer, *others)


def procurement_of(strategy: Strategy) -> Procurement:
    """The strategy's contracting processes, one per cycle that procured its service (none: nothing to publish).
    A fixed number of queries however many cycles."""
    gates = list(
        Gate.objects.filter(
            subject_type=ContentType.objects.get_for_model(Strategy),
            subject_id=strategy.pk,
            stage__in=[Stage.PLAN, Stage.DO],
        ).order_by("cycle", "pk")
    )
    latest: dict[int, GateSnapshot] = {}
    for snapshot in GateSnapshot.objects.filter(gate__in=gates).order_by("gate_id", "-round"):
        latest.setdefault(snapshot.gate_id, snapshot)
    plan = {gate.cycle: gate for gate in gates if gate.stage == Stage.PLAN}
    do = {gate.cycle: gate for gate in gates if gate.stage == Stage.DO}
    evidence = {
        (item.cycle, item.template.code): item
        for item in strategy.evidence.filter(stage=Stage.DO, template__code__in=PROCUREMENT_EVIDENCE).select_related(
            "template"
        )
    }
    ended = dict(
        StagePeriod.objects.filter(strategy=strategy, stage=Stage.REVIEW, left_at__isnull=False).values_list(
            "cycle", "left_at"
        )
    )
    cycles = []
    for cycle, plan_gate in sorted(plan.items()):
        agreed = latest.get(plan_gate.pk)
        if plan_gate.state != GateState.PASSED or cycle not in do or agreed is None:
            continue
        if (agreed.content.get("strategy") or {}).get("delivery_channel") != DeliveryChannel.OUTSOURCING:
            continue
        documents: dict[str, list[Document]] = {"tender": [], "award": [], "contract": []}
        for code, (release, document_type) in PROCUREMENT_EVIDENCE.items():
            item = evidence.get((cycle, code))
            if item is not None and item.status == EvidenceStatus.COMPLETE and item.link:
                documents[release].append(
                    Document(f"{code}-{cycle}", item.title, item.link, document_type, item.completed_at)
                )
        route = evidence.get((cycle, "procurement-route"))
        do_gate = do[cycle]
        awarded = do_gate.state == GateState.PASSED and do_gate.passed_at is not None
        cycles.append(
            ProcurementCycle(
                cycle=cycle,
                planned_at=plan_gate.passed_at or agreed.created_at,
                planned_value=_money(agreed.content) or strategy.total_contract_value,
                tender_at=route.completed_at if route and route.status == EvidenceStatus.COMPLETE else None,
                tender_documents=tuple(documents["tender"]),
                awarded_at=do_gate.passed_at if awarded else None,
                awarded_value=_money(latest[do_gate.pk].content) if awarded and do_gate.pk in latest else None,
                award_documents=tuple(documents["award"]),
                contract_documents=tuple(documents["contract"]),
                ended_at=ended.get(cycle) if awarded else None,
            )
        )
    buyer, parties = _parties(strategy)
    return Procurement(
        reference=strategy.reference,
        title=strategy.title,
        description=strategy.summary,
        buyer=buyer,
        parties=parties,
        updated_at=strategy.updated_at,
        cycles=tuple(cycles),
    )


def publishes_ocds(strategy: Strategy) -> bool:
    """Whether the strategy has any contracting process to publish (see the module's docstring)."""
    if strategy.stage in (Stage.ANALYSE, Stage.PLAN) and strategy.cycle == 1:
        return False  # not yet in Do in its first cycle: cheap to say, and the common case
    return bool(procurement_of(strategy).cycles)


def strategies_with_procurement() -> QuerySet[Strategy]:
    """Strategies that may have an OCDS package: a Do gate exists and the delivery channel is outsourcing (the
    package itself checks each cycle's Plan gate, so a strategy whose agreed channel differs shows none)."""
    do_gates = Gate.objects.filter(subject_type=ContentType.objects.get_for_model(Strategy), stage=Stage.DO)
    return (
        Strategy.objects.filter(pk__in=do_gates.values("subject_id"), delivery_channel=DeliveryChannel.OUTSOURCING)
        .select_related("lead_organisation")
        .order_by("reference")
    )
