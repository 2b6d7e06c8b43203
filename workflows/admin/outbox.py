"""Outbox messages and in-app notifications, read-only; unsent messages can be retried now."""

from __future__ import annotations

from django.contrib import admin, messages

from ..models import Notification, OutboxMessage, OutboxState
from ..outbox import retry_now
from .base import ReadOnlyAdmin


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "template",
        "channel",
        "recipient",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("state", "channel", "template")
    search_fields = ("dedup_key", "address")
    list_select_related = ("recipient",)
    ordering = ("-created_at", "-pk")
    show_full_result_count = False
    actions = ["retry_selected"]

    @admin.action(description="Retry the selected messages now")
    def retry_selected(self, request, queryset):
        count = retry_now(queryset.exclude(state=OutboxState.SENT).values_list("pk", flat=True))
        self.message_user(request, f"{count} message(s) will be sent by the next outbox run.", messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "title", "read_at")
    list_filter = ("read_at",)
    search_fields = ("title",)
    list_select_related = ("recipient",)
    ordering = ("-created_at", "-pk")
    show_full_result_count = False
