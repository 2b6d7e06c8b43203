"""What the hash chain hashes, as plain functions of plain values: the live trail (`append`), the migration that
chained the rows written before it, the benchmark data generator and `verify_audit` all call these, so that there is
one definition.

- An event's **content** (`event_content`) is every column a person reads (time, actor, on behalf of, object, subject,
  transition, states, reason, snapshot hash, data), with object and subject types as `app_label.model`, the time in
  UTC to the microsecond, and the reason as its SHA-256 (so that a public proof can show an event without its
  internal text). `content_hash` is the SHA-256 of its canonical JSON (`workflows.canonical`).
- Its **event hash** (`link_hash`) hashes the chain's key, its position on the chain, the previous event's hash
  (`GENESIS` for the first) and its content hash. The chain's head is the hash of its last event.
- There is one chain per **subject** (`chain_key`: "commissioning.strategy:17"), plus "general" for events without
  one (delegations).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .. import canonical

GENESIS = "0" * 64
GENERAL_CHAIN = "general"
VERSION = 1  # of these definitions; part of every event hash

# The audit event's columns that make its content, in the order `content_of_row` takes them.
CONTENT_COLUMNS = (
    "occurred_at",
    "actor_id",
    "on_behalf_of_id",
    "object_type_id",
    "object_id",
    "object_repr",
    "subject_type_id",
    "subject_id",
    "transition",
    "from_state",
    "to_state",
    "reason",
    "snapshot_hash",
    "data",
)


def chain_key(subject_type: str | None, subject_id: int | None) -> str:
    """The chain of a subject ("app_label.model:id"), or the general chain for events without one."""
    if subject_type is None or subject_id is None:
        return GENERAL_CHAIN
    return f"{subject_type}:{subject_id}"


def moment(value: dt.datetime) -> str:
    """A time as the trail hashes it: UTC, ISO 8601, to the microsecond (what every database here keeps)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def stored_json(value: Any) -> Any:
    """`value` as the database gives it back: JSON's types only (tuples become lists, keys strings)."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def _numbers_as_read(value: Any) -> Any:
    """Whole floats as integers: PostgreSQL's jsonb writes 1e16 back as 10000000000000000, which Python reads as an
    int; the content must hash the same either way."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _numbers_as_read(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers_as_read(item) for item in value]
    return value


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_content(
    *,
    occurred_at: dt.datetime,
    actor_id: int | None,
    on_behalf_of_id: int | None,
    object_type: str,
    object_id: int,
    object_repr: str,
    subject_type: str | None,
    subject_id: int | None,
    transition: str,
    from_state: str,
    to_state: str,
    reason: str,
    snapshot_hash: str,
    data: Any,
) -> dict:
    """The content of one event, as hashed (types as "app_label.model")."""
    return {
        "occurred_at": moment(occurred_at),
        "actor": actor_id,
        "on_behalf_of": on_behalf_of_id,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "transition": transition,
        "from_state": from_state,
        "to_state": to_state,
        "reason_sha256": sha256_text(reason),
        "snapshot_hash": snapshot_hash,
        "data": _numbers_as_read(data),
    }


def content_of_row(row: tuple, labels: dict[int, str]) -> dict:
    """The content of an event read as `CONTENT_COLUMNS` (content type ids named through `labels`)."""
    (at, actor, behalf, object_type, object_id, text, subject_type, subject_id, name, src, dst, reason, snap, data) = (
        row
    )
    return event_content(
        occurred_at=at,
        actor_id=actor,
        on_behalf_of_id=behalf,
        object_type=labels.get(object_type, str(object_type)),
        object_id=object_id,
        object_repr=text,
        subject_type=None if subject_type is None else labels.get(subject_type, str(subject_type)),
        subject_id=subject_id,
        transition=name,
        from_state=src,
        to_state=dst,
        reason=reason,
        snapshot_hash=snap,
        data=data,
    )


def link_hash(*, chain: str, position: int, previous_hash: str, content_hash: str) -> str:
    """The event's own hash: its place on its chain, the hash before it, and its content's hash."""
    return canonical.content_hash(
        {
            "version": VERSION,
            "chain": chain,
            "position": position,
            "previous_hash": previous_hash,
            "content_hash": content_hash,
        }
    )


def record_hash(
    *, decision_text: str, reasons: str, alternatives_considered: str, conflicts_of_interest: str, dispensations: str
) -> str:
    """The SHA-256 of a record of decision's published text; its decision's audit event carries it."""
    return canonical.content_hash(
        {
            "decision_text": decision_text,
            "reasons": reasons,
            "alternatives_considered": alternatives_considered,
            "conflicts_of_interest": conflicts_of_interest,
            "dispensations": dispensations,
        }
    )


class Seal(NamedTuple):
    """An event's place on its chain and its hashes."""

    position: int
    previous_hash: str
    content_hash: str
    event_hash: str


def seal(content: dict, *, chain: str, after_position: int, after_hash: str) -> Seal:
    """Seal `content` as the event after (`after_position`, `after_hash`) on `chain`."""
    position = after_position + 1
    own = canonical.content_hash(content)
    return Seal(
        position, after_hash, own, link_hash(chain=chain, position=position, previous_hash=after_hash, content_hash=own)
    )


@dataclass
class Head:
    position: int = 0
    hash: str = GENESIS


@dataclass
class Sealer:
    """Chains events in memory in the order given, for writers that number the events themselves (the migration that
    chained the rows written before the trail was chained, the benchmark data generator). Holds one head per chain,
    never the events."""

    heads: dict[str, Head] = field(default_factory=dict)

    def seal(self, content: dict, chain: str) -> Seal:
        head = self.heads.setdefault(chain, Head())
        sealed = seal(content, chain=chain, after_position=head.position, after_hash=head.hash)
        head.position, head.hash = sealed.position, sealed.event_hash
        return sealed
