"""What is published so that anyone can check the trail: the head of every chain (and one root hash over them all),
and for a record of decision, its decision's event with the hashes from it to its chain's head."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from .. import canonical
from ..models import AuditChain, AuditEvent, Decision, RecordOfDecision
from .hashing import CONTENT_COLUMNS, VERSION, content_of_row, link_hash, record_hash

RECORD_FIELDS = ("decision_text", "reasons", "alternatives_considered", "conflicts_of_interest", "dispensations")


def trail_root(heads: list[list]) -> str:
    """One hash over every chain's head ([key, length, head hash], sorted by key): record it elsewhere, and any later
    change to any chain's past shows."""
    return canonical.content_hash({"version": VERSION, "chains": heads})


def published_heads() -> dict:
    """The head of every chain now, read in one statement (one consistent moment), with their root."""
    heads = [list(row) for row in AuditChain.objects.order_by("key").values_list("key", "length", "head_hash")]
    return {
        "version": VERSION,
        "as_of": timezone.now().isoformat(timespec="seconds"),
        "chains_count": len(heads),
        "events_count": sum(length for _key, length, _hash in heads),
        "root": trail_root(heads),
        "chains": heads,
    }


@dataclass(frozen=True)
class Entry:
    """An event's place in the trail, as a record of decision's page shows it."""

    event_id: int
    chain: str
    position: int
    previous_hash: str
    content_hash: str
    record_hash: str | None = None  # the record of decision's, when the event carries it

    @property
    def event_hash(self) -> str:
        return link_hash(
            chain=self.chain, position=self.position, previous_hash=self.previous_hash, content_hash=self.content_hash
        )


def decision_entry(decision_id: int) -> Entry | None:
    """The audit event that recorded a decision, where it is in the trail (one query)."""
    row = (
        AuditEvent.objects.filter(
            object_type=ContentType.objects.get_for_model(Decision), object_id=decision_id, transition="decide"
        )
        .order_by("pk")
        .values_list("pk", "chain__key", "chain_position", "previous_hash", "content_hash", "data__record_hash")
        .first()
    )
    return None if row is None else Entry(*row)


def _labels() -> dict[int, str]:
    return {pk: f"{app}.{model}" for pk, app, model in ContentType.objects.values_list("pk", "app_label", "model")}


def record_proof(record: RecordOfDecision) -> dict:
    """Everything needed to check a published record of decision without trusting this service: the record's text
    and its hash, its decision's event (its content as hashed, the reason only as its hash), and the hashes from
    that event to its chain's head, with the service's own check of each step."""
    entry = decision_entry(record.decision_id)
    published = {name: getattr(record, name) for name in RECORD_FIELDS}
    proof = {
        "version": VERSION,
        "decision": record.decision_id,
        "record": published,
        "record_hash": record_hash(**published),
        "event": None,
        "path": [],
        "head": None,
        "checks": {},
    }
    if entry is None:
        return proof
    event = AuditEvent.objects.filter(pk=entry.event_id).values_list(*CONTENT_COLUMNS).get()
    content = content_of_row(event, _labels())
    proof["event"] = {
        "id": entry.event_id,
        "chain": entry.chain,
        "position": entry.position,
        "previous_hash": entry.previous_hash,
        "content_hash": entry.content_hash,
        "event_hash": entry.event_hash,
        "content": content,
    }
    later = (
        AuditEvent.objects.filter(chain__key=entry.chain, chain_position__gt=entry.position)
        .order_by("chain_position")
        .values_list("chain_position", "previous_hash", "content_hash")
    )
    steps_link, current = True, entry.event_hash
    for position, previous, own in later.iterator(chunk_size=2000):
        steps_link = steps_link and previous == current
        current = link_hash(chain=entry.chain, position=position, previous_hash=previous, content_hash=own)
        proof["path"].append(
            {"position": position, "previous_hash": previous, "content_hash": own, "event_hash": current}
        )
    last_position = proof["path"][-1]["position"] if proof["path"] else entry.position
    proof["head"] = {"chain": entry.chain, "length": last_position, "hash": current}
    stated = content["data"].get("record_hash") if isinstance(content["data"], dict) else None
    proof["checks"] = {
        "record_matches_its_event": None if stated is None else stated == proof["record_hash"],
        "event_content_matches_its_hash": canonical.content_hash(content) == entry.content_hash,
        "each_step_links_to_the_one_before": steps_link,
    }
    return proof
