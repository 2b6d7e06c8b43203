"""The test subject's writes, done as a domain does them around the engine: lock the subject, then its gate; call
the engine's service; record the change on the subject; tell people through the outbox, in the same transaction.

Kept as small as the engine's tests need: what they test is the engine underneath.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from workflows import services as engine
from workflows.models import Decision, Gate, GateState, SeatState
from workflows.outbox import notify
from workflows.services import ConditionSpec, RecordSpec, SeatSpec
from workflows.sweeps import people_by_id, seat_recipient_ids
from workflows.transitions import audit, lock, record_change

from .models import Proposal


def proposal_create(*, actor, title: str, stage: str = "analyse", cycle: int = 1) -> Proposal:
    """A proposal and its open gate; both audited."""
    with transaction.atomic():
        proposal = Proposal.objects.create(title=title)
        audit(proposal, transition="create", actor=actor)
        engine.gate_create(
            subject=proposal,
            stage=stage,
            cycle=cycle,
            title=f"{stage.capitalize()} gate, cycle {cycle}: {title}",
            actor=actor,
        )
    return proposal


def _locked(proposal_id: int) -> tuple[Proposal, Gate]:
    proposal = lock(Proposal, proposal_id)
    return proposal, lock(Gate, proposal.gate.pk)


def _context(proposal: Proposal, gate: Gate) -> dict:
    return {"strategy": str(proposal), "gate": gate.title, "stage": gate.stage.capitalize(), "link": "/"}


def proposal_submit(
    *, actor, proposal_id: int, seats: Sequence[SeatSpec], key_decision: bool = False, call_in_working_days: int = 5
) -> Gate:
    """Submit the proposal's gate with these seats; everyone who may decide a seat is asked to (`signoff_needed`)."""
    with transaction.atomic():
        proposal, gate = _locked(proposal_id)
        engine.gate_submit(
            gate=gate,
            actor=actor,
            content={"title": proposal.title, "version": proposal.version},
            seats=seats,
            key_decision=key_decision,
            call_in_working_days=call_in_working_days,
        )
        record_change(proposal)
        pending = list(gate.current_seats().filter(state=SeatState.PENDING).order_by("pk"))
        for seat in pending:
            seat.gate = gate
        recipients_of = seat_recipient_ids(pending, timezone.localdate())
        people = people_by_id(set().union(*recipients_of.values(), set()))
        for seat in pending:
            notify(
                recipients=[people[pk] for pk in sorted(recipients_of[seat.pk]) if pk in people],
                key=f"seat:{seat.pk}:signoff_needed",
                template="signoff_needed",
                context=_context(proposal, gate) | {"seat": seat.label, "due_on_text": f"{seat.due_on:%A %-d %B %Y}"},
                subject=proposal,
            )
    return gate


def proposal_decide(
    *,
    actor,
    seat_id: int,
    outcome: str,
    reasons: str = "",
    conditions: Sequence[ConditionSpec] = (),
    record: RecordSpec | None = None,
) -> Decision:
    """Decide a seat; when that rejects or passes the gate, its submitter is told (`gate_rejected`, `gate_passed`)."""
    proposal_type = ContentType.objects.get_for_model(Proposal)
    gate = Gate.objects.get(seats__pk=seat_id, subject_type=proposal_type)
    with transaction.atomic():
        proposal = lock(Proposal, gate.subject_id)
        decision = engine.seat_decide(
            seat_id=seat_id, actor=actor, outcome=outcome, reasons=reasons, conditions=conditions, record=record
        )
        record_change(proposal)
        gate.refresh_from_db()
        if gate.state in (GateState.REJECTED, GateState.PASSED):
            reasons_given = list(
                gate.decisions.filter(seat__round=gate.round, outcome="reject").values_list("reasons", flat=True)
            )
            notify(
                recipients=[gate.submitted_by],
                key=f"gate:{gate.pk}:r{gate.round}:{gate.state}",
                template=f"gate_{gate.state}",
                context=_context(proposal, gate) | {"reasons": reasons_given},
                subject=proposal,
            )
    return decision


def proposal_withdraw(*, actor, proposal_id: int, reason: str) -> Gate:
    with transaction.atomic():
        proposal, gate = _locked(proposal_id)
        engine.gate_withdraw(gate=gate, actor=actor, reason=reason)
        record_change(proposal)
    return gate


def proposal_call_in(*, actor, proposal_id: int, reason: str) -> Gate:
    with transaction.atomic():
        proposal, gate = _locked(proposal_id)
        engine.gate_call_in(gate=gate, actor=actor, reason=reason)
        record_change(proposal)
    return gate


def proposal_refer_back(*, actor, proposal_id: int, reason: str) -> Gate:
    with transaction.atomic():
        proposal, gate = _locked(proposal_id)
        engine.gate_refer_back(gate=gate, actor=actor, reason=reason)
        record_change(proposal)
    return gate


def proposal_close_call_in(*, proposal_id: int) -> bool:
    """The system passes the gate once its call-in window has closed; False when there is nothing to do."""
    with transaction.atomic():
        proposal, gate = _locked(proposal_id)
        closed = engine.gate_close_call_in(gate=gate)
        if closed:
            record_change(proposal)
    return closed
