"""Gates: creating one, submitting it (snapshot and seats), withdrawing it, and a key decision's call-in window.

The domain calls these with its own subject row already locked (lock order: subject, gate, seat), after its own
permission checks; these check what the engine itself knows. Each changes state through `apply_transition`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from ..calendar import WorkingCalendar
from ..exceptions import GateNotReady, InvalidInput
from ..models import Gate, GateSnapshot, GateState, Seat, SeatState
from ..transitions import apply_transition, audit, require_atomic
from .snapshots import content_hash


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
    note: str = "",
) -> GateSnapshot:
    """Freeze `content` as the gate's snapshot, create its seats and move it to submitted. `gate` is locked.

    A rejected or withdrawn gate is reopened first (both steps audited). `note` is the submitter's covering note
    (what changed since the last submission): kept with the snapshot, outside its hash, and as the audit's reason.
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
        reason=note.strip(),
        snapshot_hash=digest,
        params={"by": actor, "at": now, "snapshot_hash": digest, "key_decision": key_decision},
    )
    snapshot = GateSnapshot.objects.create(
        gate=gate,
        round=gate.round,
        content=content,
        content_hash=digest,
        note=note.strip(),
        created_by=actor,
        created_at=now,
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
    cancel_pending_seats(gate, actor=actor, reason="Gate withdrawn")
    return gate


def cancel_pending_seats(gate: Gate, *, actor, reason: str) -> None:
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


def call_in_window_end(start: dt.date, working_days: int, *, calendar: WorkingCalendar | None = None) -> dt.datetime:
    """The window runs to the end of its last working day (midnight local time after it)."""
    last_day = (calendar or WorkingCalendar()).add_working_days(start, working_days)
    return timezone.make_aware(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min))
