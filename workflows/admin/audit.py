"""The audit trail and the heads of its hash chains, read-only: the trail only grows."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType

from ..models import AuditChain, AuditEvent
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
    readonly_fields = ("object_link", "subject_link", "data_pretty", "chain_link")
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
        "chain_link",
        "chain_position",
        "previous_hash",
        "content_hash",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("actor", "on_behalf_of", "object_type", "subject_type", "chain")
        )

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

    @admin.display(description="chain")
    def chain_link(self, event: AuditEvent) -> str:
        return content_type_link(ContentType.objects.get_for_model(AuditChain), event.chain_id, event.chain.key)


@admin.register(AuditChain)
class AuditChainAdmin(ReadOnlyAdmin):
    """One row per chain: its length and the hash of its last event (what `/decisions/chain/` publishes)."""

    list_display = ("key", "length", "head_hash", "updated_at")
    search_fields = ("key",)
    ordering = ("key",)
    show_full_result_count = False
    fields = ("key", "subject_type", "subject_id", "length", "head_hash", "updated_at")
