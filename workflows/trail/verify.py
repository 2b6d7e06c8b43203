"""Walking the whole trail in id order and checking every chain (`manage.py verify_audit`).

Events are read 5,000 at a time along the primary key (keyset, never OFFSET), as tuples, never model instances; what
is kept between batches is one (position, hash, event id) per chain, so memory grows with the number of subjects,
never with the number of events. Each event's content is hashed again and compared with its `content_hash`; its
place is compared with the event before it on its chain (`previous_hash`, `chain_position`); at the end each chain's
last event is compared with the chain's head row. The stored hashes carry the chain on after a break, so one edit is
one break, however long the chain after it.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType

from ..canonical import content_hash
from ..models import AuditChain, AuditEvent
from .hashing import CONTENT_COLUMNS, GENESIS, chain_key, content_of_row, link_hash

BATCH_SIZE = 5000
COLUMNS = ("pk", "chain_id", "chain_position", "previous_hash", "content_hash", *CONTENT_COLUMNS)

CONTENT_CHANGED = "content changed"
LINK_BROKEN = "link broken"
MISSING = "missing event"
OUT_OF_ORDER = "out of order"
WRONG_CHAIN = "on the wrong chain"
HEAD_MISMATCH = "head does not match"


@dataclass(frozen=True)
class Break:
    """Where the trail stops being what was written, and what is wrong there."""

    kind: str
    chain: str
    position: int | None
    event_id: int | None
    detail: str

    def __str__(self) -> str:
        where = f"event #{self.event_id}" if self.event_id is not None else "the chain's end"
        at = f", position {self.position}" if self.position is not None else ""
        return f"{self.kind}: {where} (chain {self.chain}{at}): {self.detail}"


@dataclass
class Report:
    events: int = 0
    chains: int = 0
    batches: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    rss_before_mb: float = 0.0
    breaks: list[Break] = field(default_factory=list)
    more_breaks: int = 0  # found beyond the ones kept

    @property
    def ok(self) -> bool:
        return not self.breaks


def _rss_mb() -> float:
    """This process's resident memory now (Linux), or its peak where /proc is not there."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _peak_rss_mb()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def verify_trail(
    *, batch_size: int = BATCH_SIZE, keep: int = 20, progress: Callable[[Report], None] | None = None
) -> Report:
    """Check every chain of the trail; the report lists the first `keep` breaks in id order (and counts the rest)."""
    started = time.perf_counter()
    report = Report(rss_before_mb=_rss_mb())
    labels = {pk: f"{app}.{model}" for pk, app, model in ContentType.objects.values_list("pk", "app_label", "model")}
    chains = AuditChain.objects.values_list("pk", "key", "length", "head_hash").iterator(chunk_size=batch_size)
    heads = {pk: (key, length, head) for pk, key, length, head in chains}
    report.chains = len(heads)
    seen: dict[int, tuple[int, str, int]] = {}  # chain id -> (position, event hash, event id) of its latest event

    def found(kind: str, chain: str, position: int | None, event_id: int | None, detail: str) -> None:
        if len(report.breaks) < keep:
            report.breaks.append(Break(kind, chain, position, event_id, detail))
        else:
            report.more_breaks += 1

    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(pk__gt=last).order_by("pk").values_list(*COLUMNS)[:batch_size])
        if not rows:
            break
        for row in rows:
            event_id, chain_id, position, previous, stored = row[:5]
            content = row[5:]
            head = heads.get(chain_id)
            if head is None:
                found(WRONG_CHAIN, f"#{chain_id}", position, event_id, "its chain has no head row")
                continue
            key = head[0]
            subject_type, subject_id = content[6], content[7]
            belongs = chain_key(
                None if subject_type is None else labels.get(subject_type, str(subject_type)), subject_id
            )
            if belongs != key:
                found(WRONG_CHAIN, key, position, event_id, f"its subject's chain is {belongs}")
            recomputed = _content_hash(content, labels)
            if recomputed != stored:
                found(
                    CONTENT_CHANGED,
                    key,
                    position,
                    event_id,
                    f"its content no longer gives its content_hash (stored {stored}, now {recomputed})",
                )
            before_position, before_hash, before_id = seen.get(chain_id, (0, GENESIS, None))
            if position <= before_position:
                found(
                    OUT_OF_ORDER,
                    key,
                    position,
                    event_id,
                    f"position {position} comes after position {before_position} (event #{before_id}) in id order",
                )
            elif position > before_position + 1:
                gap = (
                    f"position {before_position + 1}"
                    if position == before_position + 2
                    else f"positions {before_position + 1} to {position - 1}"
                )
                after = f"after event #{before_id}" if before_id else "at the start of the chain"
                verb = "is" if position == before_position + 2 else "are"
                found(MISSING, key, position, event_id, f"{gap} {after} {verb} not in the trail (deleted?)")
            elif previous != before_hash:
                was = f"event #{before_id} hashes to" if before_id else "the first event's previous hash is"
                found(LINK_BROKEN, key, position, event_id, f"previous_hash is {previous} but {was} {before_hash}")
            own = link_hash(chain=key, position=position, previous_hash=previous, content_hash=stored)
            seen[chain_id] = (position, own, event_id)
        report.events += len(rows)
        report.batches += 1
        last = rows[-1][0]
        if progress is not None:
            progress(report)
    for chain_id, (key, length, head_hash) in heads.items():
        position, own, event_id = seen.get(chain_id, (0, GENESIS, None))
        if position < length:
            found(
                MISSING,
                key,
                None,
                None,
                f"the chain's head says {length} events, the trail ends at position {position}"
                + (f" (event #{event_id})" if event_id else "")
                + ": its last events are not in the trail (deleted?)",
            )
        elif position > length or own != head_hash:
            found(
                HEAD_MISMATCH,
                key,
                position,
                event_id,
                f"the head row says {length} events ending {head_hash}; the trail has {position} ending {own}",
            )
    report.seconds = round(time.perf_counter() - started, 2)
    report.peak_rss_mb = round(_peak_rss_mb(), 1)
    report.rss_before_mb = round(report.rss_before_mb, 1)
    return report


def _content_hash(content: tuple, labels: dict[int, str]) -> str:
    return content_hash(content_of_row(content, labels))
