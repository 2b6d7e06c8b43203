"""Administrators' changes, audited: every add, change and delete made through an admin page that uses
`AuditedAdminMixin` (and through its inlines) is written to the audit trail by `workflows.transitions.audit`, in the
admin's own transaction, with the changed fields' values before and after.

An event per row: `admin_add`, `admin_change` or `admin_delete`, on the row itself (so each row's changes are one
chain of the trail), with `data["changes"]` = {field: {"from": before, "to": after}}; a related row is shown as
"name (#id)", many-to-many fields as sorted lists of those. A password or other secret is never recorded, only that
it changed: {"changed": true}. A row edited inline names the row it was edited on (`data["parent"]`). Rows deleted
with another (a cascade) get their own event when the admin audits their model too; the others are counted by model
(`data["also_deleted"]`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

from django.contrib.admin.utils import unquote
from django.db import models, router, transaction
from django.db.models.deletion import Collector

from ..transitions import audit

ADDED, CHANGED, DELETED = "admin_add", "admin_change", "admin_delete"
SECRET_FIELDS = frozenset({"password", "token", "secret_encrypted"})  # recorded only as changed
SECRET_CHANGED = {"changed": True}
VERBS = {ADDED: "Added", CHANGED: "Changed", DELETED: "Deleted"}


def row_label(obj: models.Model) -> str:
    return f"{obj} (#{obj.pk})"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.time):  # datetimes too
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, bytes | memoryview):
        return f"({len(value)} bytes)"
    return str(value)


def recorded_values(obj: models.Model) -> dict[str, Any]:
    """Every field a person edits, as the trail records it (secrets as they are: `changes` hides them)."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.auto_created or field.primary_key:
            continue
        if field.is_relation:
            values[field.name] = None if getattr(obj, field.attname) is None else row_label(getattr(obj, field.name))
        else:
            values[field.name] = _plain(field.value_from_object(obj))
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            values[field.name] = sorted(row_label(item) for item in getattr(obj, field.name).all())
    return values


def changes(before: dict[str, Any], after: dict[str, Any], secret=SECRET_FIELDS) -> dict[str, dict]:
    """{field: {"from": ..., "to": ...}} for every field that differs (empty values left out of an addition or a
    deletion); a secret field only as {"changed": true}."""
    found = {}
    for name in [*before, *(name for name in after if name not in before)]:
        old, new = before.get(name), after.get(name)
        if old == new or (old in (None, "", []) and new in (None, "", [])):
            continue
        if name in secret:
            if new not in (None, ""):  # set or changed; a deleted row's secret is not mentioned
                found[name] = dict(SECRET_CHANGED)
            continue
        found[name] = {"from": old, "to": new}
    return found


def audit_admin(obj, action: str, *, actor, before: dict, after: dict, parent=None, reason: str = "", **data):
    """One admin event for `obj` (nothing for a change that changed nothing)."""
    changed = changes(before, after)
    if action == CHANGED and not changed:
        return None
    if parent is not None:
        data["parent"] = {"model": parent._meta.label_lower, "id": parent.pk, "name": str(parent)}
    fields = ", ".join(changed) or "no fields"
    reason = reason or f"{VERBS[action]} in the admin: {fields}."
    return audit(obj, transition=action, actor=actor, reason=reason, data={"changes": changed, **data})


class AuditedAdminMixin:
    """Put before `admin.ModelAdmin` (or `UserAdmin`): adds, changes and deletes here and in this admin's inlines
    are audited, in the admin's transaction."""

    def _audited_models(self) -> set[type[models.Model]]:
        found = set()
        for model, model_admin in self.admin_site._registry.items():
            if isinstance(model_admin, AuditedAdminMixin):
                found.add(model)
                found.update(inline.model for inline in model_admin.inlines)
        return found

    def _stored_values(self, obj) -> dict[str, Any]:
        stored = type(obj)._default_manager.filter(pk=obj.pk).first()
        return {} if stored is None else recorded_values(stored)

    def save_model(self, request, obj, form, change) -> None:
        obj._admin_audit_before = self._stored_values(obj) if change and obj.pk is not None else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        # ModelAdmin.save_related's own steps, with the row's event written once its many-to-many values are saved
        # and before its inlines' events.
        form.save_m2m()
        obj = form.instance
        before = getattr(obj, "_admin_audit_before", {})
        after = self._stored_values(obj)  # as stored (a decimal as its column keeps it), not as typed
        audit_admin(obj, CHANGED if change else ADDED, actor=request.user, before=before, after=after)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change) -> None:
        deleted = {id(f) for f in getattr(formset, "deleted_forms", [])}
        existing = [f for f in formset.initial_forms if f.instance.pk is not None]
        touched = [f.instance.pk for f in existing if id(f) not in deleted and f.has_changed()]
        stored = formset.model._default_manager.in_bulk(touched) if touched else {}
        before = {pk: recorded_values(row) for pk, row in stored.items()}
        parent = form.instance
        for inline_form in existing:
            if id(inline_form) in deleted:
                self._audit_deletion(request, formset.model._default_manager.get(pk=inline_form.instance.pk), parent)
        super().save_formset(request, form, formset, change)
        saved = [row.pk for row in formset.new_objects] + [row.pk for row, _fields in formset.changed_objects]
        stored = formset.model._default_manager.in_bulk(saved) if saved else {}
        for row in formset.new_objects:
            after = recorded_values(stored.get(row.pk, row))
            audit_admin(row, ADDED, actor=request.user, before={}, after=after, parent=parent)
        for row, _fields in formset.changed_objects:
            after = recorded_values(stored.get(row.pk, row))
            audit_admin(row, CHANGED, actor=request.user, before=before.get(row.pk, {}), after=after, parent=parent)

    def _audit_deletion(self, request, obj, parent=None) -> None:
        """The row's deletion, and each row deleted with it (before anything is deleted)."""
        collector = Collector(using=router.db_for_write(type(obj)), origin=obj)
        collector.collect([obj])
        audited = self._audited_models()
        cascaded, others = [], Counter()
        for model, rows in collector.data.items():
            for row in rows:
                if model is type(obj) and row.pk == obj.pk:
                    continue
                if model in audited:
                    cascaded.append(row)
                else:
                    others[model._meta.label_lower] += 1
        for queryset in collector.fast_deletes:
            if queryset.model in audited:
                cascaded.extend(queryset)
            else:
                others[queryset.model._meta.label_lower] += queryset.count()
        extra = {"also_deleted": dict(sorted(others.items()))} if others else {}
        audit_admin(obj, DELETED, actor=request.user, before=recorded_values(obj), after={}, parent=parent, **extra)
        for row in cascaded:
            reason = f"Deleted in the admin with {row_label(obj)}."
            audit_admin(row, DELETED, actor=request.user, before=recorded_values(row), after={}, reason=reason)

    def delete_model(self, request, obj) -> None:
        self._audit_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic(using=router.db_for_write(queryset.model)):  # the action runs outside the admin's
            for obj in queryset.order_by("pk"):
                self._audit_deletion(request, obj)
            super().delete_queryset(request, queryset)


class AuditedUserAdminMixin(AuditedAdminMixin):
    """For `UserAdmin`: its change-password page saves outside `save_model`; that is audited too (never the hash)."""

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic(using=router.db_for_write(self.model)):
            user = self.get_object(request, unquote(id))
            before = None if user is None else user.password
            response = super().user_change_password(request, id, form_url)
            if user is not None and request.method == "POST":
                user.refresh_from_db(fields=["password"])
                if user.password != before:
                    usable = "a usable password" if user.has_usable_password() else "no usable password (sign-in off)"
                    audit(
                        user,
                        transition=CHANGED,
                        actor=request.user,
                        reason=f"Password changed in the admin: the account now has {usable}.",
                        data={"changes": {"password": dict(SECRET_CHANGED)}},
                    )
        return response
