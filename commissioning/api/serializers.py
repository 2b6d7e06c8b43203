"""What the API says about strategies, gates, seats, decisions and history. Field names are the pages' words."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workflows.models import AuditEvent, Decision, DecisionOutcome, GateState, Seat, SeatState

from ..models import PartnerKind, Stage

MAX_ID = 2**63 - 1  # the largest id the database holds


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()


class PartnerSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer()
    kind = serializers.ChoiceField(choices=PartnerKind.choices)


class SeatSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    label = serializers.CharField()
    organisation = OrganisationRefSerializer()
    state = serializers.ChoiceField(choices=SeatState.choices)
    required_approvals = serializers.IntegerField()
    requires_record_of_decision = serializers.BooleanField()
    due_on = serializers.DateField()
    decided_at = serializers.DateTimeField(allow_null=True)


class GateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    cycle = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=GateState.choices)
    version = serializers.IntegerField(help_text="Send it back as If-Match when deciding a seat of this gate.")
    round = serializers.IntegerField(help_text="How many times the gate has been submitted.")
    snapshot_hash = serializers.CharField(help_text="SHA-256 of what was submitted; empty before submission.")
    submitted_at = serializers.DateTimeField(allow_null=True)
    key_decision = serializers.BooleanField()
    decision_not_before = serializers.DateField(allow_null=True)
    call_in_ends_at = serializers.DateTimeField(allow_null=True)
    seats = serializers.SerializerMethodField()

    @extend_schema_field(SeatSerializer(many=True))
    def get_seats(self, gate) -> list[dict]:
        seats = getattr(gate, "all_seats", None)
        if seats is None:
            seats = list(gate.seats.exclude(state=SeatState.SUPERSEDED).select_related("organisation").order_by("pk"))
        current = [s for s in seats if s.round == gate.round and s.state != SeatState.SUPERSEDED]
        return SeatSerializer(current, many=True).data


class EvidenceProgressSerializer(serializers.Serializer):
    required = serializers.IntegerField()
    complete = serializers.IntegerField()


class DeadlineSerializer(serializers.Serializer):
    date = serializers.DateField()
    what = serializers.CharField()


class LinksSerializer(serializers.Serializer):
    self = serializers.CharField()
    history = serializers.CharField()
    decisions = serializers.CharField()


class StrategySerializer(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    service_area = serializers.CharField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    cycle = serializers.IntegerField()
    stage_entered_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text="Increases with every change to the strategy, its gate or evidence.")
    updated_at = serializers.DateTimeField()
    lead_organisation = OrganisationRefSerializer()
    partners = serializers.SerializerMethodField()
    annual_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    total_contract_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    pooled_budget = serializers.BooleanField()
    delivery_channel = serializers.CharField()
    next_review_date = serializers.DateField(allow_null=True)
    current_gate = GateSerializer(allow_null=True)
    evidence_progress = serializers.SerializerMethodField()
    next_deadline = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    @extend_schema_field(PartnerSerializer(many=True))
    def get_partners(self, strategy) -> list[dict]:
        return PartnerSerializer(_partner_links(strategy), many=True).data

    @extend_schema_field(EvidenceProgressSerializer)
    def get_evidence_progress(self, strategy) -> dict:
        return {"required": strategy.evidence_required or 0, "complete": strategy.evidence_complete or 0}

    @extend_schema_field(DeadlineSerializer(allow_null=True))
    def get_next_deadline(self, strategy) -> dict | None:
        gate = strategy.current_gate
        if gate is None:
            return None
        found = []
        for seat in getattr(gate, "all_seats", []):
            if seat.round == gate.round and seat.state == SeatState.PENDING and gate.state == GateState.SUBMITTED:
                found.append((seat.due_on, f"sign-off due: {seat.label}"))
        if gate.state == GateState.CALL_IN and gate.call_in_ends_at:
            found.append((gate.call_in_ends_at.date(), "call-in window closes"))
        if not found:
            return None
        date, what = min(found, key=lambda item: item[0])
        return {"date": date, "what": what}

    @extend_schema_field(LinksSerializer)
    def get_links(self, strategy) -> dict:
        return _links(strategy.reference, reverse("api:strategy-list"))


def _partner_links(strategy):
    """The prefetched list (`strategies_for_api` fetches it as `partner_list`), else a query."""
    links = getattr(strategy, "partner_list", None)
    return links if links is not None else strategy.partner_links.select_related("organisation")


def _links(reference: str, base: str) -> dict:
    """The strategy's addresses under `base`, the list's address (references need no escaping: see api/urls.py)."""
    own = f"{base}{reference}/"
    return {"self": own, "history": f"{own}history/", "decisions": f"{own}decisions/"}


# --------------------------------------------------------------------------------------------------------------
# The same representation, built directly: a partner's page of 100 strategies has some 1,000 seats, and DRF's
# nested serializers copy their fields for every one of them (most of the page's time). The serializers above stay
# the contract (the schema is generated from them); tests check that these functions give exactly what they give.
# --------------------------------------------------------------------------------------------------------------

_DATETIME = serializers.DateTimeField()
_MONEY = serializers.DecimalField(max_digits=14, decimal_places=2)


def _datetime(value):
    return None if value is None else _DATETIME.to_representation(value)


def _date(value):
    return None if value is None else value.isoformat()


def _organisation(organisation) -> dict:
    return {"id": organisation.id, "name": organisation.name, "code": organisation.code}


def seat_data(seat) -> dict:
    return {
        "id": seat.id,
        "role": seat.role,
        "label": seat.label,
        "organisation": _organisation(seat.organisation),
        "state": seat.state,
        "required_approvals": seat.required_approvals,
        "requires_record_of_decision": seat.requires_record_of_decision,
        "due_on": _date(seat.due_on),
        "decided_at": _datetime(seat.decided_at),
    }


def gate_data(gate) -> dict:
    seats = getattr(gate, "all_seats", None)
    if seats is None:
        seats = list(gate.seats.exclude(state=SeatState.SUPERSEDED).select_related("organisation").order_by("pk"))
    return {
        "id": gate.id,
        "stage": gate.stage,
        "cycle": gate.cycle,
        "title": gate.title,
        "state": gate.state,
        "version": gate.version,
        "round": gate.round,
        "snapshot_hash": gate.snapshot_hash,
        "submitted_at": _datetime(gate.submitted_at),
        "key_decision": gate.key_decision,
        "decision_not_before": _date(gate.decision_not_before),
        "call_in_ends_at": _datetime(gate.call_in_ends_at),
        "seats": [seat_data(s) for s in seats if s.round == gate.round and s.state != SeatState.SUPERSEDED],
    }


def strategy_data(strategy, base: str) -> dict:
    """What StrategySerializer(strategy).data is, without its per-item cost; `base` is the strategy list's address."""
    representation = StrategySerializer()
    return {
        "reference": strategy.reference,
        "title": strategy.title,
        "summary": strategy.summary,
        "service_area": strategy.service_area,
        "stage": strategy.stage,
        "cycle": strategy.cycle,
        "stage_entered_at": _datetime(strategy.stage_entered_at),
        "version": strategy.version,
        "updated_at": _datetime(strategy.updated_at),
        "lead_organisation": _organisation(strategy.lead_organisation),
        "partners": [
            {"organisation": _organisation(link.organisation), "kind": link.kind} for link in _partner_links(strategy)
        ],
        "annual_value": _MONEY.to_representation(strategy.annual_value),
        "total_contract_value": _MONEY.to_representation(strategy.total_contract_value),
        "pooled_budget": strategy.pooled_budget,
        "delivery_channel": strategy.delivery_channel,
        "next_review_date": _date(strategy.next_review_date),
        "current_gate": None if strategy.current_gate is None else gate_data(strategy.current_gate),
        "evidence_progress": representation.get_evidence_progress(strategy),
        "next_deadline": representation.get_next_deadline(strategy),
        "links": _links(strategy.reference, base),
    }


class RecordOfDecisionSerializer(serializers.Serializer):
    decision_text = serializers.CharField()
    reasons = serializers.CharField()
    alternatives_considered = serializers.CharField()
    conflicts_of_interest = serializers.CharField()
    dispensations = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    gate = serializers.IntegerField(source="gate_id")
    stage = serializers.CharField(source="gate.stage")
    cycle = serializers.IntegerField(source="gate.cycle")
    seat = serializers.IntegerField(source="seat_id")
    seat_label = serializers.CharField(source="seat.label")
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices)
    reasons = serializers.CharField()
    decided_by = serializers.CharField(source="actor")
    on_behalf_of = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField()
    snapshot_hash = serializers.CharField(help_text="SHA-256 of the snapshot this decision approved or rejected.")
    record = serializers.SerializerMethodField()

    @extend_schema_field(RecordOfDecisionSerializer(allow_null=True))
    def get_record(self, decision: Decision) -> dict | None:
        record = getattr(decision, "record", None)
        return RecordOfDecisionSerializer(record).data if record else None


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Pass the last one you have as ?after= to get what came since.")
    occurred_at = serializers.DateTimeField()
    strategy = serializers.CharField(allow_null=True, help_text="The strategy's reference.")
    object_type = serializers.CharField()
    object_id = serializers.IntegerField()
    object = serializers.CharField(source="object_repr")
    transition = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor = serializers.CharField(allow_null=True, help_text="Empty when the system acted.")
    on_behalf_of = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    snapshot_hash = serializers.CharField()

    def to_representation(self, event: AuditEvent) -> dict:
        return event_data(
            event.pk,
            event.occurred_at,
            self.context.get("references", {}).get(event.subject_id),
            event.object_type.model,
            event.object_id,
            event.object_repr,
            event.transition,
            event.from_state,
            event.to_state,
            *_name_parts(event.actor),
            *_name_parts(event.on_behalf_of),
            event.reason,
            event.snapshot_hash,
        )


def _name_parts(person) -> tuple[str | None, str | None, str | None]:
    return (person.first_name, person.last_name, person.username) if person is not None else (None, None, None)


def _person(first_name: str | None, last_name: str | None, username: str | None) -> str | None:
    """How a person reads (`str(user)`: their full name, else their username); None for nobody."""
    if username is None:
        return None
    return f"{first_name} {last_name}".strip() or username


def event_data(
    pk, occurred_at, reference, object_type, object_id, object_repr, transition, from_state, to_state,
    actor_first, actor_last, actor_username, behalf_first, behalf_last, behalf_username, reason, snapshot_hash,
) -> dict:  # fmt: skip
    """What EventSerializer says of an event, from its fields (a row of `selectors.events_after`, or a model's)."""
    return {
        "id": pk,
        "occurred_at": _datetime(occurred_at),
        "strategy": reference,
        "object_type": object_type,
        "object_id": object_id,
        "object": object_repr,
        "transition": transition,
        "from_state": from_state,
        "to_state": to_state,
        "actor": _person(actor_first, actor_last, actor_username),
        "on_behalf_of": _person(behalf_first, behalf_last, behalf_username),
        "reason": reason,
        "snapshot_hash": snapshot_hash,
    }


class EventPageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next_after = serializers.IntegerField(help_text="Pass this as ?after= next time.")
    more = serializers.BooleanField(help_text="True when there may be more events right now.")


class QueryParameters(serializers.Serializer):
    """Query parameters: one given empty (`?updated_since=`) is a 400 naming it, not silently ignored."""

    def validate(self, attrs):
        blank = {name: "This parameter is empty: give a value or leave it out." for name in self.fields}
        blank = {name: message for name, message in blank.items() if self.initial_data.get(name, None) == ""}
        if blank:
            raise serializers.ValidationError(blank)
        return attrs


class StrategyFilterSerializer(QueryParameters):
    """The list's query parameters, validated: a bad one is a 400 naming it."""

    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    organisation = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Strategies this organisation leads or is party to."
    )
    key_decision = serializers.BooleanField(required=False, allow_null=True, default=None)
    updated_since = serializers.DateTimeField(required=False)
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)


class AfterSerializer(QueryParameters):
    after = serializers.IntegerField(required=False, min_value=0, max_value=MAX_ID, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)


def seat_for(seat: Seat) -> dict:
    return SeatSerializer(seat).data
