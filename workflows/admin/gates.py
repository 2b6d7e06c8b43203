"""Gates, seats, decisions, records of decision, snapshots and actions: records kept by the services, shown
read-only.
"""

from __future__ import annotations

from django.contrib import admin

from ..directory import get_directory
from ..models import Action, Decision, Gate, GateSnapshot, RecordOfDecision, Seat
from .base import ReadOnlyAdmin, ReadOnlyInline, content_type_link, pretty_json, short_hash


class SeatRoleFilter(admin.SimpleListFilter):
    """Roles by the names the domain gives them (the engine stores only codes)."""

    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        roles = Seat.objects.order_by("role").values_list("role", flat=True).distinct()
        directory = get_directory()
        return [(role, directory.role_label(role)) for role in roles]

    def queryset(self, request, queryset):
        return queryset.filter(role=self.value()) if self.value() else queryset


class SeatInline(ReadOnlyInline):
    model = Seat
    fields = (
        "round",
        "label",
        "organisation",
        "person",
        "required_approvals",
        "state",
        "due_on",
        "decided_at",
    )
    readonly_fields = ("state",)
    ordering = ("-round", "pk")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation", "person")


@admin.register(Gate)
class GateAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "title",
        "subject_link",
        "stage",
        "cycle",
        "state",
        "round",
        "key_decision",
        "submitted_at",
        "updated_at",
    )
    list_display_links = ("id", "title")
    list_filter = ("state", "key_decision", "stage")
    search_fields = ("title", "snapshot_hash")
    list_select_related = ("subject_type",)
    ordering = ("-updated_at", "-pk")
    readonly_fields = ("state", "subject_link")
    fieldsets = (
        (None, {"fields": ("title", "subject_link", "stage", "cycle")}),
        (
            "Sign-off",
            {
                "fields": (
                    "state",
                    "version",
                    "round",
                    "snapshot_hash",
                    "submitted_at",
                    "submitted_by",
                    "decided_at",
                    "passed_at",
                )
            },
        ),
        (
            "Key decision",
            {
                "fields": (
                    "key_decision",
                    "notice_published_on",
                    "intended_decision_date",
                    "decision_not_before",
                    "urgency_reason",
                    "urgency_agreed_by",
                    "urgency_agreed_at",
                    "call_in_working_days",
                    "call_in_ends_at",
                    "called_in_at",
                    "called_in_by",
                    "call_in_reason",
                )
            },
        ),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (SeatInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("subject_type", "submitted_by", "urgency_agreed_by", "called_in_by")
        )

    @admin.display(description="subject")
    def subject_link(self, gate: Gate) -> str:
        return content_type_link(gate.subject_type, gate.subject_id)


@admin.register(Seat)
class SeatAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "label",
        "gate",
        "role_label",
        "organisation",
        "person",
        "state",
        "round",
        "due_on",
        "decided_at",
    )
    list_display_links = ("id", "label")
    list_filter = ("state", SeatRoleFilter, "organisation")
    search_fields = ("label",)
    list_select_related = ("gate", "organisation", "person")
    ordering = ("due_on", "pk")
    readonly_fields = ("state", "role_label")
    fields = (
        "gate",
        "round",
        "label",
        "role",
        "role_label",
        "organisation",
        "person",
        "required_approvals",
        "requires_record_of_decision",
        "state",
        "due_on",
        "decided_at",
        "created_at",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("gate", "organisation", "person")

    @admin.display(description="role", ordering="role")
    def role_label(self, seat: Seat) -> str:
        return get_directory().role_label(seat.role)


class RecordOfDecisionInline(ReadOnlyInline):
    model = RecordOfDecision
    fields = ("decision_text", "reasons", "alternatives_considered", "conflicts_of_interest", "dispensations")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("id", "outcome", "seat", "actor", "on_behalf_of", "decided_at", "snapshot")
    list_display_links = ("id", "outcome")
    list_filter = ("outcome",)
    search_fields = ("seat__label", "reasons", "snapshot_hash")
    list_select_related = ("seat", "actor", "on_behalf_of")
    ordering = ("-decided_at", "-pk")
    fields = (
        "gate",
        "seat",
        "outcome",
        "reasons",
        "actor",
        "on_behalf_of",
        "principal",
        "snapshot_hash",
        "decided_at",
    )
    inlines = (RecordOfDecisionInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("gate", "seat", "actor", "on_behalf_of", "principal")

    @admin.display(description="snapshot", ordering="snapshot_hash")
    def snapshot(self, decision: Decision) -> str:
        return short_hash(decision.snapshot_hash)


@admin.register(RecordOfDecision)
class RecordOfDecisionAdmin(ReadOnlyAdmin):
    list_display = ("id", "decision", "decided_at", "decision_summary")
    list_select_related = ("decision",)
    search_fields = ("decision_text", "reasons")
    ordering = ("-decision__decided_at", "-pk")
    fields = (
        "decision",
        "decision_text",
        "reasons",
        "alternatives_considered",
        "conflicts_of_interest",
        "dispensations",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("decision")

    @admin.display(description="decided at", ordering="decision__decided_at")
    def decided_at(self, record: RecordOfDecision):
        return record.decision.decided_at

    @admin.display(description="decision")
    def decision_summary(self, record: RecordOfDecision) -> str:
        text = record.decision_text
        return text if len(text) <= 80 else f"{text[:79]}…"


@admin.register(GateSnapshot)
class GateSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("id", "gate", "round", "hash", "created_at", "created_by")
    list_display_links = ("id", "gate")
    search_fields = ("content_hash", "gate__title")
    list_select_related = ("gate", "created_by")
    ordering = ("-created_at", "-pk")
    readonly_fields = ("content_pretty",)
    fields = ("gate", "round", "content_hash", "created_at", "created_by", "content_pretty")

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("gate", "created_by")
        match = request.resolver_match
        if match is not None and (match.url_name or "").endswith("_changelist"):
            # The frozen content can be large; the list never shows it.
            qs = qs.defer("content")
        return qs

    @admin.display(description="hash", ordering="content_hash")
    def hash(self, snapshot: GateSnapshot) -> str:
        return short_hash(snapshot.content_hash)

    @admin.display(description="content")
    def content_pretty(self, snapshot: GateSnapshot) -> str:
        return pretty_json(snapshot.content)


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ("id", "summary", "gate", "owner", "due_on", "state", "completed_at")
    list_display_links = ("id", "summary")
    list_filter = ("state",)
    search_fields = ("description",)
    list_select_related = ("gate", "owner")
    ordering = ("due_on", "pk")
    readonly_fields = ("state",)
    fields = ("gate", "decision", "description", "owner", "due_on", "state", "completed_at", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("gate", "decision", "owner")

    @admin.display(description="action", ordering="description")
    def summary(self, action: Action) -> str:
        text = action.description
        return text if len(text) <= 80 else f"{text[:79]}…"
