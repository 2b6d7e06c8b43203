"""Partners' webhook subscriptions and people's calendar feeds, for administrators to look after without ever seeing
a secret.

A webhook's signing secret is stored encrypted and shown to nobody after the answer that created it; here an
administrator sees where it sends, what, and how its deliveries went, and may pause it (or make it active again:
it then carries on from that moment, as the API's PATCH does). Partners add, change and delete their webhooks
through the API. A calendar feed's address is a secret too: it is never shown here; deleting a feed stops its
address at once (the person makes a new one on their calendar page). Both are audited (`AuditedAdminMixin`), the
secrets only as "changed".
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Max

from workflows.admin.audited import AuditedAdminMixin
from workflows.models import AuditEvent, DeliveryAttempt

from ..models import CalendarFeed, WebhookSubscription
from ..selectors.webhooks import message_prefix


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "organisation", "active", "events", "last_delivery", "created_at")
    list_filter = ("active", "organisation")
    search_fields = ("url", "organisation__name", "organisation__code")
    list_select_related = ("organisation",)
    ordering = ("organisation__name", "pk")
    fields = ("organisation", "url", "event_types", "active", "secret", "last_event_id", "created_by", "created_at")
    readonly_fields = ("organisation", "url", "event_types", "secret", "last_event_id", "created_by", "created_at")

    def has_add_permission(self, request) -> bool:
        return False  # a partner adds a webhook through the API, the only place its secret is ever shown

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # pause it instead: the partner deletes it (and its unsent messages) through the API

    @admin.display(description="signing secret")
    def secret(self, obj: WebhookSubscription) -> str:
        return "Set, encrypted at rest; never shown after the webhook was created" if obj.secret_encrypted else "—"

    @admin.display(description="events")
    def events(self, obj: WebhookSubscription) -> str:
        return ", ".join(obj.event_types) or "all"

    @admin.display(description="last delivery")
    def last_delivery(self, obj: WebhookSubscription) -> str:
        last = (
            DeliveryAttempt.objects.filter(message__dedup_key__startswith=message_prefix(obj.pk))
            .order_by("-attempted_at", "-pk")
            .first()
        )
        if last is None:
            return "none yet"
        outcome = f"answered {last.status_code}" if last.status_code else last.error
        return f"{last.attempted_at:%-d %b %Y %H:%M}: {outcome}"

    def save_model(self, request, obj, form, change) -> None:
        if change and "active" in form.changed_data and obj.active:
            # Active again: carry on from now, as the API's PATCH does (the events feed has what came meanwhile).
            latest = AuditEvent.objects.aggregate(latest=Max("id"))["latest"] or 0
            obj.last_event_id = max(obj.last_event_id, latest)
        super().save_model(request, obj, form, change)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("person", "created_at")
    search_fields = ("person__username", "person__first_name", "person__last_name", "person__email")
    list_select_related = ("person",)
    ordering = ("person__username",)
    fields = ("person", "address", "created_at")
    readonly_fields = ("person", "address", "created_at")

    def has_add_permission(self, request) -> bool:
        return False  # a person makes their own feed on their calendar page

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="feed address")
    def address(self, obj: CalendarFeed) -> str:
        return "Secret: only its owner sees it. Delete the feed to stop the address at once."
