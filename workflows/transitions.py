"""The one path by which state changes: lock the row, check the machine's guards, change, save, audit.

Every service that changes a state calls `apply_transition` inside `transaction.atomic()` with the row locked by
`lock`. A change that does not move a state column (the second of three seats) is still serialised by the lock.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, FSMFieldMixin, can_proceed, has_transition_perm

from .exceptions import Conflict, NotPermitted, StaleVersion, TransitionNotAllowed
from .models import AuditEvent
from .trail.append import append_event

M = TypeVar("M", bound=models.Model)


def require_atomic() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("State changes must run inside transaction.atomic() with the row locked.")


def lock(model: type[M], pk: Any) -> M:
    """Fetch a row for update: concurrent changes to it wait for this transaction to end."""
    require_atomic()
    return model._default_manager.select_for_update().get(pk=pk)


def check_version(obj: models.Model, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleVersion(
            f"{obj} has changed since you loaded it (you had version {expected_version}, it is now "
            f"version {obj.version}). Reload it and try again.",
            current_version=obj.version,
        )


def _state_field(obj: models.Model):
    return next(f for f in obj._meta.concrete_fields if isinstance(f, FSMFieldMixin))


def available_transitions(obj: models.Model, user=None) -> list[str]:
    """Names of the transitions the object's state and guards allow now (and the user, when given)."""
    field = _state_field(obj)
    names = []
    for transition_obj in field.get_all_transitions(type(obj)):
        method = getattr(obj, transition_obj.name)
        if transition_obj.name in names:
            continue
        if can_proceed(method) and (user is None or has_transition_perm(method, user)):
            names.append(transition_obj.name)
    return sorted(names)


def unmet_conditions(obj: models.Model, name: str) -> list[str]:
    method = getattr(obj, name)
    meta = method._django_fsm
    current = meta.field.get_state(obj)
    found = meta.get_transition(current)
    if found is None:
        return []
    return [getattr(cond, "message", cond.__name__) for cond in found.conditions if not cond(obj)]


def ensure_can(obj: models.Model, name: str, *, user=None, verb: str | None = None) -> None:
    """Raise TransitionNotAllowed (with what is allowed now and what is missing) unless `name` may run."""
    method = getattr(obj, name)
    field = _state_field(obj)
    state = getattr(obj, field.attname)
    label = getattr(obj, f"get_{field.name}_display", lambda: state)()
    doing = verb or name.replace("_", " ")
    found = method._django_fsm.get_transition(state)
    if found is None:
        allowed = available_transitions(obj)
        raise TransitionNotAllowed(
            f"Cannot {doing} {obj._meta.verbose_name} while it is '{label}'. "
            + (f"Allowed now: {', '.join(allowed)}." if allowed else "Nothing can be done to it in this state."),
            state=state,
            allowed=allowed,
        )
    if user is not None and not found.has_perm(obj, user):
        raise NotPermitted(f"You do not have permission to {doing} this {obj._meta.verbose_name}.")
    missing = unmet_conditions(obj, name)
    if missing:
        raise TransitionNotAllowed(
            f"Cannot {doing} {obj._meta.verbose_name} yet: {'; '.join(missing)}.",
            state=state,
            allowed=available_transitions(obj),
            missing=missing,
        )


def apply_transition(
    obj: models.Model,
    name: str,
    *,
    actor,
    on_behalf_of=None,
    reason: str = "",
    snapshot_hash: str = "",
    data: dict | None = None,
    verb: str | None = None,
    check_permission: bool = False,
    params: dict[str, Any] | None = None,
) -> AuditEvent:
    """Run transition `name` (with `params`) on a locked `obj`, save it, and write its audit row."""
    require_atomic()
    ensure_can(obj, name, user=actor if check_permission else None, verb=verb)
    field = _state_field(obj)
    from_state = getattr(obj, field.attname)
    getattr(obj, name)(**(params or {}))
    _mark_changed(obj)
    try:
        obj.save()
    except ConcurrentTransition as exc:  # only without a lock; kept as a clear error, not a 500
        raise Conflict(f"{obj} was changed by someone else at the same moment. Reload it and try again.") from exc
    return audit(
        obj,
        transition=name,
        actor=actor,
        on_behalf_of=on_behalf_of,
        from_state=from_state,
        to_state=getattr(obj, field.attname),
        reason=reason,
        snapshot_hash=snapshot_hash,
        data=data,
    )


def _mark_changed(obj: models.Model) -> list[str]:
    changed = []
    if hasattr(obj, "version"):
        obj.version += 1
        changed.append("version")
    if hasattr(obj, "updated_at"):
        obj.updated_at = timezone.now()
        changed.append("updated_at")
    return changed


def record_change(obj: models.Model, *fields: str) -> None:
    """A change to a locked `obj` that moves no state of its own (the second of three seats decided on its gate, an
    edit of a strategy or its evidence), saving `fields` with it: its version goes up, so that whoever holds the old
    one is refused, and pollers see that something changed."""
    require_atomic()
    obj.save(update_fields=[*fields, *_mark_changed(obj)])


def audit(
    obj: models.Model,
    *,
    transition: str,
    actor,
    on_behalf_of=None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    snapshot_hash: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one row to the audit trail, in the caller's transaction, at the end of its subject's hash chain
    (`workflows.trail`: a concurrent change with the same subject waits for this transaction to end)."""
    require_atomic()
    subject = getattr(obj, "audit_subject", obj)
    if isinstance(subject, models.Model):
        subject_type_id, subject_id = ContentType.objects.get_for_model(subject).pk, subject.pk
    elif subject is None:
        subject_type_id, subject_id = None, None
    else:
        subject_type_id, subject_id = subject
    return append_event(
        actor=actor,
        on_behalf_of=on_behalf_of,
        object_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        subject_type_id=subject_type_id,
        subject_id=subject_id,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        snapshot_hash=snapshot_hash,
        data=data or {},
    )
