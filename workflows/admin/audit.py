"""The audit trail, read-only: it only grows."""

from __future__ import annotations

from django.contrib import admin

from ..models import AuditEvent
from .base import ReadOnlyAdmin, content_type_link, pretty_json


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "actor_or_system",
        "on_behalf_of",
        "transition",
        "object_name",
        "from_state",
        "to_state",
    )
    list_filter = ("transition",)
    search_fields = ("object_repr",)
    list_select_related = ("actor", "on_behalf_of")
    ordering = ("-occurred_at", "-pk")
    show_full_result_count = False  # the table only grows; skip the second COUNT(*)
    readonly_fields = ("object_link", "subject_link", "data_pretty")
    fields = (
        "occurred_at",
        "actor",
        "on_behalf_of",
        "transition",
        "object_link",
        "object_repr",
        "subject_link",
        "from_state",
        "to_state",
        "reason",
        "snapshot_hash",
        "data_pretty",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "on_behalf_of", "object_type", "subject_type")

    @admin.display(description="actor", ordering="actor")
    def actor_or_system(self, event: AuditEvent) -> str:
        return str(event.actor) if event.actor_id else "system"

    @admin.display(description="object", ordering="object_repr")
    def object_name(self, event: AuditEvent) -> str:
        return event.object_repr

    @admin.display(description="object")
    def object_link(self, event: AuditEvent) -> str:
        return content_type_link(event.object_type, event.object_id)

    @admin.display(description="subject")
    def subject_link(self, event: AuditEvent) -> str:
        return content_type_link(event.subject_type, event.subject_id)

    @admin.display(description="data")
    def data_pretty(self, event: AuditEvent) -> str:
        return pretty_json(event.data)
