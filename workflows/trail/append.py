"""Appending one event to its chain, in the caller's transaction (`workflows.transitions.audit` is the one caller).

Three statements: an upsert on the chain's head row that creates it or adds one to its length (and so locks it until
the transaction ends: a concurrent append to the same chain waits there, then reads the head this one leaves), the
event's INSERT (its id from the database), and the head's new hash. Appends to different chains never wait for each
other. The unique (chain, position) constraint would refuse a fork even if the lock were bypassed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from ..models import AuditChain, AuditEvent
from .hashing import GENERAL_CHAIN, GENESIS, chain_key, event_content, seal, stored_json


def type_label(content_type: ContentType) -> str:
    return f"{content_type.app_label}.{content_type.model}"


def _claim_next_position(key: str, subject_type_id: int | None, subject_id: int | None) -> tuple[int, int, str]:
    """Create the chain or add one to its length, holding its row; (chain id, the new event's position, the hash of
    the event before it)."""
    quote = connection.ops.quote_name
    table = quote(AuditChain._meta.db_table)
    length = quote("length")
    sql = (
        f"INSERT INTO {table} ({quote('key')}, {quote('subject_type_id')}, {quote('subject_id')}, {length}, "  # noqa: S608
        f"{quote('head_hash')}, {quote('updated_at')}) VALUES (%s, %s, %s, 1, %s, %s) "
        f"ON CONFLICT ({quote('key')}) DO UPDATE SET {length} = {table}.{length} + 1, "
        f"{quote('updated_at')} = EXCLUDED.{quote('updated_at')} "
        f"RETURNING {quote('id')}, {length}, {quote('head_hash')}"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, subject_type_id, subject_id, GENESIS, now])
        chain_id, position, previous_hash = cursor.fetchone()
    return chain_id, position, previous_hash


def append_event(
    *,
    actor,
    on_behalf_of,
    object_type: ContentType,
    object_id: int,
    object_repr: str,
    subject_type_id: int | None,
    subject_id: int | None,
    transition: str,
    from_state: str,
    to_state: str,
    reason: str,
    snapshot_hash: str,
    data: dict[str, Any] | None,
) -> AuditEvent:
    """Write one audit event at the end of its subject's chain (the caller is inside `transaction.atomic()`)."""
    subject_label = None if subject_type_id is None else type_label(ContentType.objects.get_for_id(subject_type_id))
    key = chain_key(subject_label, subject_id)
    occurred_at = timezone.now()
    data = stored_json(data or {})
    content = event_content(
        occurred_at=occurred_at,
        actor_id=None if actor is None else actor.pk,
        on_behalf_of_id=None if on_behalf_of is None else on_behalf_of.pk,
        object_type=type_label(object_type),
        object_id=object_id,
        object_repr=object_repr,
        subject_type=subject_label,
        subject_id=subject_id,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        snapshot_hash=snapshot_hash,
        data=data,
    )
    general = key == GENERAL_CHAIN
    chain_id, position, previous_hash = _claim_next_position(
        key, None if general else subject_type_id, None if general else subject_id
    )
    sealed = seal(content, chain=key, after_position=position - 1, after_hash=previous_hash)
    event = AuditEvent.objects.create(
        occurred_at=occurred_at,
        actor=actor,
        on_behalf_of=on_behalf_of,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        subject_type_id=subject_type_id,
        subject_id=subject_id,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        snapshot_hash=snapshot_hash,
        data=data,
        chain_id=chain_id,
        chain_position=sealed.position,
        previous_hash=sealed.previous_hash,
        content_hash=sealed.content_hash,
    )
    AuditChain.objects.filter(pk=chain_id).update(head_hash=sealed.event_hash)
    return event
