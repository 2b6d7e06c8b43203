"""Services of the generic engine. Each changes state through `apply_transition` and audits in one transaction.

The domain calls these with its own subject row already locked (lock order: subject, gate, seat), after its own
permission checks; these check what the engine itself knows (seats, panels, deputies, snapshots, call-in).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .calendar import WorkingCalendar
from .directory import get_directory
from .exceptions import AlreadyDecided, GateNotReady, InvalidInput, NotPermitted, NotYourSeat, TransitionNotAllowed
from .models import (
    Action,
    Decision,
    DecisionOutcome,
    Delegation,
    Gate,
    GateSnapshot,
    GateState,
    RecordOfDecision,
    Seat,
    SeatState,
)
from .transitions import apply_transition, audit, available_transitions, check_version, lock, require_atomic

# --------------------------------------------------------------------------------------------------------------
# Snapshots
# --------------------------------------------------------------------------------------------------------------


def canonical_json(content: dict) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, dates and decimals as strings."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------------------------
# Gates
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeatSpec:
    """A seat the domain asks for when a gate is submitted."""

    role: str
    organisation_id: int
    label: str
    due_on: dt.date
    required_approvals: int = 1
    person_id: int | None = None
    requires_record_of_decision: bool = False


def gate_create(*, subject: models.Model, stage: str, cycle: int, title: str, actor) -> Gate:
    """Create the open gate that will close `stage` of `cycle` for `subject`; audited."""
    require_atomic()
    gate = Gate.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        stage=stage,
        cycle=cycle,
        title=title,
    )
    audit(gate, transition="create", actor=actor, to_state=gate.state)
    return gate


def gate_submit(
    *,
    gate: Gate,
    actor,
    content: dict,
    seats: Sequence[SeatSpec],
    key_decision: bool = False,
    call_in_working_days: int = 5,
) -> GateSnapshot:
    """Freeze `content` as the gate's snapshot, create its seats and move it to submitted. `gate` is locked.

    A rejected or withdrawn gate is reopened first (both steps audited).
    """
    require_atomic()
    if not seats:
        raise GateNotReady(
            "This gate cannot be submitted", missing=["a sign-off seat: no gate policy rule applies to it"]
        )
    if gate.state in (GateState.REJECTED, GateState.WITHDRAWN):
        apply_transition(gate, "reopen", actor=actor, reason="Revised and resubmitted")
    digest = content_hash(content)
    now = timezone.now()
    gate.call_in_working_days = call_in_working_days
    apply_transition(
        gate,
        "submit",
        actor=actor,
        snapshot_hash=digest,
        params={"by": actor, "at": now, "snapshot_hash": digest, "key_decision": key_decision},
    )
    snapshot = GateSnapshot.objects.create(
        gate=gate, round=gate.round, content=content, content_hash=digest, created_by=actor, created_at=now
    )
    _create_seats(gate, seats)
    return snapshot


def _create_seats(gate: Gate, specs: Sequence[SeatSpec]) -> None:
    """Create pending seats on the gate's current round."""
    now = timezone.now()
    Seat.objects.bulk_create(
        Seat(
            gate=gate,
            round=gate.round,
            role=spec.role,
            organisation_id=spec.organisation_id,
            person_id=spec.person_id,
            label=spec.label,
            required_approvals=spec.required_approvals,
            requires_record_of_decision=spec.requires_record_of_decision,
            due_on=spec.due_on,
            created_at=now,
        )
        for spec in specs
    )


def gate_withdraw(*, gate: Gate, actor, reason: str) -> Gate:
    """Take a submitted gate back so its content can change; pending seats are cancelled. `gate` is locked."""
    require_atomic()
    if not reason.strip():
        raise InvalidInput({"reason": "Say why the gate is being withdrawn."})
    apply_transition(gate, "withdraw", actor=actor, reason=reason, snapshot_hash=gate.snapshot_hash)
    _cancel_pending_seats(gate, actor=actor, reason="Gate withdrawn")
    return gate


def _cancel_pending_seats(gate: Gate, *, actor, reason: str) -> None:
    for seat in gate.current_seats().filter(state=SeatState.PENDING).select_for_update().order_by("pk"):
        apply_transition(seat, "cancel", actor=actor, reason=reason)


def gate_call_in(*, gate: Gate, actor, reason: str) -> Gate:
    """Call in a key decision during its window (the domain has checked the actor may). `gate` is locked."""
    require_atomic()
    if not reason.strip():
        raise InvalidInput({"reason": "Give the reasons for calling the decision in."})
    apply_transition(
        gate,
        "call_in",
        actor=actor,
        reason=reason,
        snapshot_hash=gate.snapshot_hash,
        verb="call in",
        params={"by": actor, "at": timezone.now(), "reason": reason},
    )
    return gate


def gate_refer_back(*, gate: Gate, actor, reason: str, due_in_working_days: int = 10) -> Gate:
    """Send a called-in decision back to its decision-maker: their seats are superseded by new pending ones.

    The snapshot is unchanged (the content stayed frozen); a decision referred back is not called in twice.
    `gate` is locked.
    """
    require_atomic()
    if not reason.strip():
        raise InvalidInput({"reason": "Record what scrutiny recommended to the decision-maker."})
    apply_transition(
        gate, "refer_back", actor=actor, reason=reason, snapshot_hash=gate.snapshot_hash, verb="refer back"
    )
    due_on = WorkingCalendar().add_working_days(timezone.localdate(), due_in_working_days)
    to_redecide = list(gate.current_seats().filter(requires_record_of_decision=True).select_for_update().order_by("pk"))
    for seat in to_redecide:
        apply_transition(seat, "supersede", actor=actor, reason=reason)
    _create_seats(
        gate,
        [
            SeatSpec(
                role=seat.role,
                organisation_id=seat.organisation_id,
                label=seat.label,
                due_on=due_on,
                required_approvals=seat.required_approvals,
                person_id=seat.person_id,
                requires_record_of_decision=True,
            )
            for seat in to_redecide
        ],
    )
    return gate


def gate_close_call_in(*, gate: Gate) -> bool:
    """Pass a key decision whose call-in window has closed without a call-in. Idempotent: False if nothing to do.

    `gate` is locked; the actor is the system.
    """
    require_atomic()
    if gate.state != GateState.CALL_IN or gate.call_in_ends_at is None or timezone.now() < gate.call_in_ends_at:
        return False
    apply_transition(
        gate,
        "close_call_in",
        actor=None,
        reason="Call-in window closed without a call-in",
        snapshot_hash=gate.snapshot_hash,
        params={"at": timezone.now()},
    )
    return True


def call_in_window_end(start: dt.date, working_days: int) -> dt.datetime:
    """The window runs to the end of its last working day (midnight local time after it)."""
    last_day = WorkingCalendar().add_working_days(start, working_days)
    return timezone.make_aware(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min))


# --------------------------------------------------------------------------------------------------------------
# Seats and decisions
# --------------------------------------------------------------------------------------------------------------


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
    if gate.state != GateState.SUBMITTED:
        raise TransitionNotAllowed(
            f"This gate is not waiting for sign-off: it is '{gate.get_state_display()}'.",
            state=gate.state,
            allowed=available_transitions(gate),
        )
    if seat.round != gate.round or seat.state != SeatState.PENDING:
        raise AlreadyDecided(f"This seat has already been decided ({seat.get_state_display().lower()}).")
    principal = seat_principal_for(seat, actor, on=today)
    if principal is None:
        raise NotYourSeat(
            f"You cannot decide this seat: it needs {seat.label}. A holder of that role, or their deputy "
            "under an active delegation, can decide it."
        )
    if gate.submitted_by_id in (principal.pk, actor.pk):
        raise NotYourSeat(
            "You submitted this gate, so someone else must sign it off"
            + (" (deputising does not change that)." if principal.pk != actor.pk else ".")
            if gate.submitted_by_id == actor.pk
            else f"{principal} submitted this gate, so their deputy cannot sign it off for them."
        )
    if Decision.objects.filter(seat=seat, principal=principal).exists():
        raise AlreadyDecided("A decision on this seat has already been recorded with this person's authority.")
    if seat.requires_record_of_decision and gate.decision_not_before and today < gate.decision_not_before:
        raise TransitionNotAllowed(
            f"This key decision cannot be taken before {gate.decision_not_before:%-d %B %Y}: the forward plan "
            "requires its notice period to run first (or the scrutiny chair to agree an urgency exemption).",
            state=gate.state,
            allowed=[],
            missing=[f"the earliest decision date, {gate.decision_not_before:%-d %B %Y}"],
        )
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
    if record is not None and seat.requires_record_of_decision:
        RecordOfDecision.objects.create(
            decision=decision,
            decision_text=record.decision_text.strip(),
            reasons=record.reasons.strip(),
            alternatives_considered=record.alternatives_considered.strip(),
            conflicts_of_interest=record.conflicts_of_interest.strip(),
            dispensations=record.dispensations.strip(),
        )
    audit(
        decision,
        transition="decide",
        actor=actor,
        on_behalf_of=on_behalf_of,
        to_state=outcome,
        reason=reasons,
        snapshot_hash=gate.snapshot_hash,
        data={"seat": seat.pk, "seat_label": seat.label},
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
        _cancel_pending_seats(gate, actor=actor, reason="Another seat rejected the gate")
        apply_transition(gate, "reject", reason=reasons, params={"at": now}, **common)
        return decision
    if decision.seat.decisions.filter(outcome__in=Decision.APPROVING).count() >= seat.required_approvals:
        apply_transition(seat, "approve", params={"at": now}, **common)
    if not gate.current_seats().exclude(state=SeatState.APPROVED).exists():
        apply_transition(gate, "approve", params={"at": now}, **common)
        if gate.key_decision and gate.called_in_at is None:
            apply_transition(
                gate,
                "open_call_in",
                params={"ends_at": call_in_window_end(today, gate.call_in_working_days)},
                **common,
            )
        else:
            apply_transition(gate, "pass_gate", params={"at": now}, **common)
    else:
        gate.version += 1
        gate.updated_at = now
        gate.save(update_fields=["version", "updated_at"])
    return decision


# --------------------------------------------------------------------------------------------------------------
# Delegations and actions
# --------------------------------------------------------------------------------------------------------------


def delegation_create(
    *, actor, principal, deputy, starts_on: dt.date, ends_on: dt.date, reason: str = ""
) -> Delegation:
    """Let `deputy` decide `principal`'s seats from `starts_on` to `ends_on`; audited."""
    errors: dict[str, str] = {}
    if principal is None:
        errors["principal"] = "Choose whose seats are being delegated."
    if deputy is None:
        errors["deputy"] = "Choose a deputy."
    elif not deputy.is_active:
        errors["deputy"] = "The deputy's account is not active."
    elif principal is not None and deputy.pk == principal.pk:
        errors["deputy"] = "A person cannot be their own deputy."
    if starts_on is None:
        errors["starts_on"] = "Give the first day of the delegation."
    if ends_on is None:
        errors["ends_on"] = "Give the last day of the delegation."
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The last day must be on or after the first day."
    elif ends_on < timezone.localdate():
        errors["ends_on"] = "The last day must be today or later."
    if errors:
        raise InvalidInput(errors)
    if actor.pk != principal.pk and not actor.is_superuser:
        raise NotPermitted("Only the person delegating (or an administrator) can name their deputy.")
    with transaction.atomic():
        delegation = Delegation.objects.create(
            principal=principal,
            deputy=deputy,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason.strip(),
            created_by=actor,
        )
        audit(
            delegation,
            transition="delegate",
            actor=actor,
            on_behalf_of=principal if actor.pk != principal.pk else None,
            reason=reason,
            data={"deputy": deputy.pk, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
        )
    return delegation


def delegation_revoke(*, actor, delegation_id: int) -> Delegation:
    """End a delegation now; audited. Revoking one already revoked changes nothing."""
    with transaction.atomic():
        delegation = lock(Delegation, delegation_id)
        if actor.pk != delegation.principal_id and not actor.is_superuser:
            raise NotPermitted("Only the person who delegated (or an administrator) can revoke it.")
        if delegation.revoked_at is None:
            delegation.revoked_at = timezone.now()
            delegation.save(update_fields=["revoked_at"])
            audit(delegation, transition="revoke", actor=actor)
    return delegation


def action_complete(*, actor, action_id: int) -> Action:
    """Mark an agreed action done; only its owner may. Audited."""
    with transaction.atomic():
        action = lock(Action, action_id)
        if action.owner_id != actor.pk:
            raise NotPermitted("Only the action's owner can mark it done.")
        apply_transition(action, "complete", actor=actor, verb="complete", params={"at": timezone.now()})
    return action
