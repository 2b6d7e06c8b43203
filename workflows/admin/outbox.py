"""Outbox messages and in-app notifications, read-only; unsent messages can be retried now."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.utils.html import format_html

from ..models import Notification, OutboxMessage, OutboxState
from ..outbox import retry_now
from .base import ReadOnlyAdmin


class ProblemFilter(admin.SimpleListFilter):
    """Messages that need an administrator: refused for good (GOV.UK Notify: an invalid address), given up after
    every retry, or still being retried after failing."""

    title = "problem"
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return [
            ("refused", "Refused for good (not retried)"),
            ("gave_up", "Gave up after every retry"),
            ("retrying", "Failed, being retried"),
        ]

    def queryset(self, request, queryset):
        failed = queryset.filter(state=OutboxState.FAILED)
        if self.value() == "refused":
            return failed.filter(attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
        if self.value() == "gave_up":
            return failed.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS)
        if self.value() == "retrying":
            return queryset.filter(state=OutboxState.PENDING, attempts__gt=0)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "template",
        "channel",
        "recipient",
        "state_badge",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("state", ProblemFilter, "channel", "template")
    search_fields = ("dedup_key", "address")
    list_select_related = ("recipient",)
    ordering = ("-created_at", "-pk")
    show_full_result_count = False
    actions = ["retry_selected"]

    @admin.display(description="state", ordering="state")
    def state_badge(self, obj: OutboxMessage):
        label = obj.get_state_display()
        if obj.state == OutboxState.FAILED and obj.attempts < settings.OUTBOX_MAX_ATTEMPTS:
            label = "Failed: refused for good, not retried"
        elif obj.state == OutboxState.PENDING and obj.attempts:
            label = f"Waiting to be retried (failed {obj.attempts} times)"
        if obj.state == OutboxState.FAILED:
            return format_html("<strong>{}</strong>", label)
        return label

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
