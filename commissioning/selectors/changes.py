"""Changes between rounds: which snapshot a person last decided on (or, if they never did, the round before), the one
they are asked about now, and what changed between them (`commissioning.changes.snapshot_changes`).

A gate resubmitted after a rejection, a withdrawal or a refer-back has a snapshot per submission round; each
decision records the hash of the one it was made on. These reads find the two snapshots to compare for the
sign-off page (per seat and person), the strategy page (the last round against the one before, or against the
content as it is now while it is being revised) and the API (since any hash the caller names).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from workflows.models import GATE_FROZEN_STATES, Decision, DecisionOutcome, Gate, GateSnapshot, Seat
from workflows.services import content_hash

from ..changes import snapshot_changes


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a submitted snapshot, or (`snapshot` None) the content as it is now."""

    content_hash: str
    round: int | None
    snapshot: GateSnapshot | None = None

    @property
    def submitted(self) -> bool:
        return self.snapshot is not None


@dataclass(frozen=True)
class Comparison:
    """What changed from `before` to `after` on `gate`, why it was sent back (`rejections`: the decisions that
    rejected the earlier round, `yours` among them the person's own), the person's own decision on `before`
    (`decided`: what they last saw) and what the submitter said they changed."""

    gate: Gate
    before: Side
    after: Side
    changes: dict
    rejections: list[Decision] = field(default_factory=list)
    yours: Decision | None = None
    decided: Decision | None = None
    note: str = ""

    @property
    def changed(self) -> bool:
        return self.changes["count"] > 0


def _side(snapshot: GateSnapshot) -> Side:
    return Side(content_hash=snapshot.content_hash, round=snapshot.round, snapshot=snapshot)


def _rejections(gate_id: int, round_no: int) -> list[Decision]:
    return list(
        Decision.objects.filter(gate_id=gate_id, seat__round=round_no, outcome=DecisionOutcome.REJECT)
        .select_related("seat", "actor", "on_behalf_of")
        .order_by("decided_at", "pk")
    )


def _compare(
    gate: Gate, before: GateSnapshot, after: Side, after_content: dict, *, person=None, decided=None
) -> Comparison:
    rejections = _rejections(before.gate_id, before.round)
    yours = None
    if person is not None:
        yours = next((d for d in rejections if person.pk in (d.actor_id, d.principal_id)), None)
    return Comparison(
        decided=decided,
        gate=gate,
        before=_side(before),
        after=after,
        changes=snapshot_changes(before.content, after_content),
        rejections=rejections,
        yours=yours,
        note=after.snapshot.note if after.snapshot is not None else "",
    )


def last_decided_on(gate: Gate, people, *, before_round: int) -> Decision | None:
    """The latest decision on `gate` before round `before_round` made by, or with the authority of, any of
    `people`: the snapshot they last saw."""
    ids = [person.pk for person in people if person is not None]
    return (
        Decision.objects.filter(gate=gate, seat__round__lt=before_round)
        .filter(Q(actor_id__in=ids) | Q(principal_id__in=ids))
        .select_related("seat")
        .order_by("-decided_at", "-pk")
        .first()
    )


def changes_for_seat(seat: Seat, person, *, principal=None) -> Comparison | None:
    """What changed on the seat's gate since the snapshot `person` (or `principal`, whose seat they hold as
    deputy) last decided on; when they never decided on an earlier round, since the round before the seat's.
    None for a first submission, or when nothing earlier can be found."""
    gate = seat.gate
    current = GateSnapshot.objects.filter(gate=gate, round=seat.round).first()
    if current is None or seat.round < 2:
        return None
    decision = last_decided_on(gate, [person, principal], before_round=seat.round)
    before = None
    if decision is not None:
        before = GateSnapshot.objects.filter(
            gate=gate, round=decision.seat.round, content_hash=decision.snapshot_hash
        ).first()
    if before is None:
        decision = None
        before = GateSnapshot.objects.filter(gate=gate, round=seat.round - 1).first()
    if before is None:
        return None
    return _compare(gate, before, _side(current), current.content, person=person, decided=decision)


def changes_on_gate(gate: Gate, *, live_content: dict | None = None) -> Comparison | None:
    """The strategy page's comparison: while the gate is under sign-off (or past it), its last submission against
    the one before; while it is being revised after a rejection or withdrawal, its last submission against
    `live_content` (the snapshot a submission now would freeze). None for a gate never resubmitted."""
    snapshots = list(GateSnapshot.objects.filter(gate=gate).order_by("-round")[:2])
    if not snapshots:
        return None
    if gate.state in GATE_FROZEN_STATES:
        if len(snapshots) < 2:
            return None
        return _compare(gate, snapshots[1], _side(snapshots[0]), snapshots[0].content)
    if live_content is None:
        return None
    after = Side(content_hash=content_hash(live_content), round=None)
    return _compare(gate, snapshots[0], after, live_content)


def snapshot_of_strategy(gate_ids, digest: str) -> GateSnapshot | None:
    """The latest snapshot with hash `digest` among the gates `gate_ids` (a strategy's), or None."""
    return GateSnapshot.objects.filter(gate_id__in=gate_ids, content_hash=digest).order_by("-created_at", "-pk").first()


def changes_since(gate: Gate, before: GateSnapshot | None) -> Comparison | None:
    """The API's comparison: the gate's latest submission against `before` (any snapshot of the strategy), or
    against the submission before it when `before` is None. None when the gate has never been submitted; for a
    first submission, a comparison whose `before` has no hash and no changes."""
    latest = GateSnapshot.objects.filter(gate=gate).order_by("-round").first()
    if latest is None:
        return None
    if before is None:
        before = GateSnapshot.objects.filter(gate=gate, round__lt=latest.round).order_by("-round").first()
        if before is None:
            return Comparison(
                gate=gate,
                before=Side(content_hash="", round=None),
                after=_side(latest),
                changes=snapshot_changes(latest.content, latest.content),
                note=latest.note,
            )
    return _compare(gate, before, _side(latest), latest.content)
