"""Deciding a seat: whose authority a person would decide it with, why they may not, and the decision itself
(approve, approve with conditions, reject), which may approve or reject the gate.

The rules for who may decide live here once: `seat_decision_refusal` says why a person cannot decide a seat now,
and both `seat_decide` and the sign-off page ask it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from ..directory import get_directory
from ..exceptions import AlreadyDecided, InvalidInput, NotYourSeat, TransitionNotAllowed, WorkflowError
from ..models import Action, Decision, DecisionOutcome, Delegation, Gate, GateState, RecordOfDecision, Seat, SeatState
from ..trail.hashing import record_hash
from ..transitions import (
    apply_transition,
    audit,
    available_transitions,
    check_version,
    lock,
    record_change,
    require_atomic,
)
from .gates import call_in_window_end, cancel_pending_seats


def active_delegations(*, deputy=None, principal=None, on: dt.date):
    qs = Delegation.objects.filter(revoked_at__isnull=True, starts_on__lte=on, ends_on__gte=on)
    if deputy is not None:
        qs = qs.filter(deputy=deputy)
    if principal is not None:
        qs = qs.filter(principal=principal)
    return qs


def _holds_seat(seat: Seat, person, on: dt.date) -> bool:
    if seat.person_id is not None:
        return seat.person_id == person.pk
    return get_directory().holds_role(person, role=seat.role, organisation_id=seat.organisation_id, on=on)


def seat_principal_for(seat: Seat, user, *, on: dt.date):
    """Whose authority `user` would decide `seat` with: their own, an active principal's as deputy, or None."""
    if _holds_seat(seat, user, on):
        return user
    for delegation in active_delegations(deputy=user, on=on).select_related("principal").order_by("pk"):
        if _holds_seat(seat, delegation.principal, on):
            return delegation.principal
    return None


@dataclass(frozen=True)
class ConditionSpec:
    """A condition of approval: it becomes an action with an owner and a due date."""

    description: str
    owner_id: int | None
    due_on: dt.date | None


@dataclass(frozen=True)
class RecordSpec:
    decision_text: str = ""
    reasons: str = ""
    alternatives_considered: str = ""
    conflicts_of_interest: str = ""
    dispensations: str = ""


def _record_hash(published: dict[str, str]) -> dict[str, str]:
    """The record of decision's hash for its decision's audit event: its published text is then on the trail."""
    return {"record_hash": record_hash(**published)} if published else {}


def _validate_decision(
    seat: Seat, *, outcome: str, reasons: str, conditions: Sequence[ConditionSpec], record: RecordSpec | None, today
) -> None:
    errors: dict[str, str] = {}
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = "Choose approve, approve with conditions, or reject."
    if outcome == DecisionOutcome.REJECT and not reasons.strip():
        errors["reasons"] = "Give the reasons for rejecting, so the officer knows what to change."
    if outcome == DecisionOutcome.APPROVE_WITH_CONDITIONS:
        if not conditions:
            errors["conditions"] = "Add at least one condition, or choose approve."
        for index, condition in enumerate(conditions, start=1):
            if not condition.description.strip():
                errors[f"conditions[{index}].description"] = "Say what must be done."
            if condition.owner_id is None:
                errors[f"conditions[{index}].owner"] = "Name who owns this condition."
            elif not get_user_model().objects.filter(pk=condition.owner_id, is_active=True).exists():
                errors[f"conditions[{index}].owner"] = "The owner must be a person with an active account."
            if condition.due_on is None:
                errors[f"conditions[{index}].due_on"] = "Give a due date."
            elif condition.due_on < today:
                errors[f"conditions[{index}].due_on"] = "The due date must be today or later."
    elif conditions and outcome in DecisionOutcome.values:
        errors["conditions"] = "Conditions go only with 'approve with conditions'."
    if seat.requires_record_of_decision and outcome in Decision.APPROVING:
        record = record or RecordSpec()
        for field, message in (
            ("decision_text", "Record the decision."),
            ("reasons", "Record the reasons for the decision."),
            ("alternatives_considered", "Record the alternatives considered and rejected."),
            ("conflicts_of_interest", "Record any conflicts of interest declared (or 'None')."),
        ):
            if not getattr(record, field).strip():
                errors[f"record.{field}"] = message
    if errors:
        raise InvalidInput(errors)


def seat_decision_refusal(seat: Seat, gate: Gate, actor, *, principal, today: dt.date) -> WorkflowError | None:
    """Why `actor` cannot decide `seat` of `gate` now (with `principal`'s authority, from `seat_principal_for`), as
    the exception `seat_decide` raises; None when they can. The sign-off page asks this to explain itself."""
    if seat.state in (SeatState.APPROVED, SeatState.REJECTED):
        return AlreadyDecided(f"This seat has already been decided: {seat.get_state_display().lower()}.")
    if gate.state != GateState.SUBMITTED:
        return TransitionNotAllowed(
            f"This gate is not waiting for sign-off: it is '{gate.get_state_display().lower()}'.",
            state=gate.state,
            allowed=available_transitions(gate),
        )
    if seat.round != gate.round or seat.state != SeatState.PENDING:
        return AlreadyDecided(f"This seat is no longer waiting for a decision: {seat.get_state_display().lower()}.")
    if principal is None:
        return NotYourSeat(
            f"You cannot decide this seat: it needs {seat.label}. A holder of that role, or their deputy "
            "under an active delegation, can decide it."
        )
    if gate.submitted_by_id == actor.pk:
        deputising = " (deputising does not change that)" if principal.pk != actor.pk else ""
        return NotYourSeat(f"You submitted this gate, so someone else must sign it off{deputising}.")
    if gate.submitted_by_id == principal.pk:
        return NotYourSeat(f"{principal} submitted this gate, so their deputy cannot sign it off for them.")
    if Decision.objects.filter(seat=seat, principal=principal).exists():
        return AlreadyDecided("A decision on this seat has already been recorded with this person's authority.")
    if seat.requires_record_of_decision and gate.decision_not_before and today < gate.decision_not_before:
        return TransitionNotAllowed(
            f"This key decision cannot be taken before {gate.decision_not_before:%-d %B %Y}: the forward plan "
            "requires its notice period to run first (or the scrutiny chair to agree an urgency exemption).",
            state=gate.state,
            allowed=[],
            missing=[f"the earliest decision date, {gate.decision_not_before:%-d %B %Y}"],
        )
    return None


def seat_decide(
    *,
    seat_id: int,
    actor,
    outcome: str,
    reasons: str = "",
    conditions: Sequence[ConditionSpec] = (),
    record: RecordSpec | None = None,
    expected_gate_version: int | None = None,
) -> Decision:
    """Record `actor`'s final decision on a seat, bound to the gate's snapshot hash.

    Approvals complete the seat (a panel needs n of them); one rejection rejects the gate; when every seat is
    approved the gate is approved and then passes, or opens its call-in window for a key decision. Conditions
    become actions. The gate row is locked, so concurrent decisions approve a gate exactly once.
    """
    require_atomic()
    gate_id = Seat.objects.filter(pk=seat_id).values_list("gate_id", flat=True).first()
    if gate_id is None:
        raise InvalidInput({"seat": "No such seat."})
    gate = lock(Gate, gate_id)
    seat = lock(Seat, seat_id)
    check_version(gate, expected_gate_version)
    today = timezone.localdate()
    now = timezone.now()
    principal = seat_principal_for(seat, actor, on=today)
    refusal = seat_decision_refusal(seat, gate, actor, principal=principal, today=today)
    if refusal is not None:
        raise refusal
    _validate_decision(seat, outcome=outcome, reasons=reasons, conditions=conditions, record=record, today=today)

    on_behalf_of = principal if principal.pk != actor.pk else None
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                seat=seat,
                gate=gate,
                actor=actor,
                on_behalf_of=on_behalf_of,
                principal=principal,
                outcome=outcome,
                reasons=reasons.strip(),
                snapshot_hash=gate.snapshot_hash,
                decided_at=now,
            )
    except IntegrityError as exc:
        raise AlreadyDecided("A decision on this seat has already been recorded with this person's authority.") from exc
    published = {}
    if record is not None and seat.requires_record_of_decision:
        published = {
            "decision_text": record.decision_text.strip(),
            "reasons": record.reasons.strip(),
            "alternatives_considered": record.alternatives_considered.strip(),
            "conflicts_of_interest": record.conflicts_of_interest.strip(),
            "dispensations": record.dispensations.strip(),
        }
        RecordOfDecision.objects.create(decision=decision, **published)
    audit(
        decision,
        transition="decide",
        actor=actor,
        on_behalf_of=on_behalf_of,
        to_state=outcome,
        reason=reasons,
        snapshot_hash=gate.snapshot_hash,
        data={"seat": seat.pk, "seat_label": seat.label, **_record_hash(published)},
    )
    for condition in conditions:
        action = Action.objects.create(
            gate=gate,
            decision=decision,
            description=condition.description.strip(),
            owner_id=condition.owner_id,
            due_on=condition.due_on,
        )
        audit(action, transition="create", actor=actor, on_behalf_of=on_behalf_of, to_state=action.state)

    common = {"actor": actor, "on_behalf_of": on_behalf_of, "snapshot_hash": gate.snapshot_hash}
    if outcome == DecisionOutcome.REJECT:
        apply_transition(seat, "reject", reason=reasons, params={"at": now}, **common)
        cancel_pending_seats(gate, actor=actor, reason="Another seat rejected the gate")
        apply_transition(gate, "reject", reason=reasons, params={"at": now}, **common)
        return decision
    if can_proceed(seat.approve):  # a panel's last approval
        apply_transition(seat, "approve", params={"at": now}, **common)
    if can_proceed(gate.approve):  # every seat approved
        apply_transition(gate, "approve", params={"at": now}, **common)
        if can_proceed(gate.open_call_in):
            ends_at = call_in_window_end(today, gate.call_in_working_days)
            apply_transition(gate, "open_call_in", params={"ends_at": ends_at}, **common)
        else:
            apply_transition(gate, "pass_gate", params={"at": now}, **common)
    else:
        record_change(gate)
    return decision
