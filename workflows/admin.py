"""Admin for the engine: gates, seats, decisions, snapshots, actions and the audit trail are records kept by the
services, so the admin shows them and changes nothing. Administrators edit the closure-day calendar, and may
name a deputy (through `services.delegation_create`) or revoke a delegation (through `services.delegation_revoke`).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.forms.models import construct_instance
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html

from . import services
from .directory import get_directory
from .exceptions import InvalidInput, NotPermitted, WorkflowError
from .models import (
    Action,
    AuditEvent,
    Decision,
    Delegation,
    Gate,
    GateSnapshot,
    NonWorkingDay,
    Notification,
    OutboxMessage,
    OutboxState,
    RecordOfDecision,
    Seat,
)
from .outbox import retry_now

# --------------------------------------------------------------------------------------------------------------
# Read-only building blocks (the commissioning admin uses them too)
# --------------------------------------------------------------------------------------------------------------


def model_field_names(model) -> list[str]:
    """Every field a person would read on the change page, in declaration order (not the automatic id)."""
    opts = model._meta
    return [f.name for f in opts.concrete_fields if not f.auto_created] + [f.name for f in opts.many_to_many]


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record that only the services write: administrators can look, never add, change or delete.

    Without change permission Django renders every field read-only and refuses a POST to the change page (403).
    """

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        declared = list(self.readonly_fields)
        return declared + [name for name in model_field_names(self.model) if name not in declared]


class ReadOnlyInline(admin.TabularInline):
    """Rows shown beside their parent, never edited there."""

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        declared = list(self.readonly_fields)
        return declared + [name for name in model_field_names(self.model) if name not in declared]


def pretty_json(value) -> str:
    return format_html(
        '<pre style="white-space: pre-wrap">{}</pre>', json.dumps(value, indent=2, sort_keys=True, default=str)
    )


def content_type_link(content_type, object_id, text=None) -> str:
    """A link to the admin page of the row (content type, id) without loading the row."""
    if content_type is None or object_id is None:
        return "-"
    label = text or f"{content_type.name} #{object_id}"
    try:
        url = reverse(f"admin:{content_type.app_label}_{content_type.model}_change", args=[object_id])
    except NoReverseMatch:
        return label
    return format_html('<a href="{}">{}</a>', url, label)


def short_hash(value: str) -> str:
    return value[:12] if value else "-"


# --------------------------------------------------------------------------------------------------------------
# Gates, seats, decisions, snapshots, actions
# --------------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------------
# The audit trail
# --------------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------------
# The closure-day calendar
# --------------------------------------------------------------------------------------------------------------


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(admin.ModelAdmin):
    list_display = ("date", "name")
    search_fields = ("name",)
    ordering = ("date",)


# --------------------------------------------------------------------------------------------------------------
# Delegations: added through the service, revoked through the service, never edited or deleted
# --------------------------------------------------------------------------------------------------------------


class _ServiceRefused(Exception):
    """Raised from `save_model` when the service refuses the input; the add view shows the form again."""

    def __init__(self, errors: dict[str | None, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class DelegationAddForm(forms.ModelForm):
    """Parses the input; the service (called by `save_model`) validates it and creates the delegation.

    `refusal` holds the service's errors when the add view runs a second time to show them against their fields.
    """

    refusal: dict[str | None, str] = {}

    class Meta:
        model = Delegation
        fields = ("principal", "deputy", "starts_on", "ends_on", "reason")

    def _post_clean(self) -> None:
        # Build the instance but leave model validation (dates, self-delegation) to the service, so that the
        # person sees the service's words and nothing is checked in two places.
        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)

    def clean(self):
        cleaned = super().clean()
        for field, message in self.refusal.items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned


class DelegationStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("active", "Active"), ("upcoming", "Upcoming"), ("ended", "Ended"), ("revoked", "Revoked"))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        live = queryset.filter(revoked_at__isnull=True)
        match self.value():
            case "active":
                return live.filter(starts_on__lte=today, ends_on__gte=today)
            case "upcoming":
                return live.filter(starts_on__gt=today)
            case "ended":
                return live.filter(ends_on__lt=today)
            case "revoked":
                return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    form = DelegationAddForm
    list_display = ("id", "principal", "deputy", "starts_on", "ends_on", "status", "created_by", "revoked_at")
    list_display_links = ("id", "principal")
    list_filter = (DelegationStatusFilter, "starts_on")
    search_fields = (
        "principal__username",
        "principal__first_name",
        "principal__last_name",
        "deputy__username",
        "deputy__first_name",
        "deputy__last_name",
    )
    list_select_related = ("principal", "deputy", "created_by")
    ordering = ("-starts_on", "-pk")
    autocomplete_fields = ("principal", "deputy")
    actions = ("revoke",)
    add_fields = ("principal", "deputy", "starts_on", "ends_on", "reason")
    readonly_fields = ("status",)
    fields = (
        "principal",
        "deputy",
        "starts_on",
        "ends_on",
        "reason",
        "status",
        "created_by",
        "created_at",
        "revoked_at",
    )

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.fields

    def get_changeform_initial_data(self, request):
        return {
            "principal": request.user.pk,
            "starts_on": timezone.localdate(),
            **super().get_changeform_initial_data(request),
        }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("principal", "deputy", "created_by")

    def has_change_permission(self, request, obj=None) -> bool:
        # A delegation is changed only by revoking it (the action below); it is never edited.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the audit trail refers to it

    def has_revoke_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.display(description="status")
    def status(self, delegation: Delegation) -> str:
        today = timezone.localdate()
        if delegation.revoked_at is not None:
            return "Revoked"
        if delegation.ends_on < today:
            return "Ended"
        if delegation.starts_on > today:
            return "Upcoming"
        return "Active"

    # Adding: one call to the service; its refusals become form errors.

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_delegation_refusal", None)
        if refusal:
            form = type(form.__name__, (form,), {"refusal": refusal})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _ServiceRefused as refused:
            # The view's transaction has rolled back; run it again and let the form show what the service said.
            request._delegation_refusal = refused.errors
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        if change:  # unreachable without change permission; refuse rather than save around the service
            raise _ServiceRefused({None: "A delegation cannot be edited. Revoke it and add a new one."})
        data = form.cleaned_data
        try:
            delegation = services.delegation_create(
                actor=request.user,
                principal=data["principal"],
                deputy=data["deputy"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data.get("reason") or "",
            )
        except InvalidInput as exc:
            raise _ServiceRefused(dict(exc.errors)) from exc
        except NotPermitted as exc:
            raise _ServiceRefused({"principal": exc.message}) from exc
        except WorkflowError as exc:
            raise _ServiceRefused({None: exc.message}) from exc
        # The admin goes on to log the addition and redirect using `obj`: make it the row the service created.
        for field in Delegation._meta.concrete_fields:
            setattr(obj, field.attname, getattr(delegation, field.attname))
        obj._state.adding = False
        obj._state.db = delegation._state.db

    @admin.action(description="Revoke selected delegations", permissions=["revoke"])
    def revoke(self, request, queryset) -> None:
        revoked = 0
        for delegation_id in queryset.filter(revoked_at__isnull=True).order_by("pk").values_list("pk", flat=True):
            try:
                services.delegation_revoke(actor=request.user, delegation_id=delegation_id)
            except WorkflowError as exc:
                self.message_user(request, f"Delegation #{delegation_id}: {exc.message}", messages.ERROR)
            else:
                revoked += 1
        if revoked:
            self.message_user(request, f"Revoked {revoked} delegation{'s' if revoked != 1 else ''}.", messages.SUCCESS)
        else:
            self.message_user(request, "No delegations were revoked.", messages.WARNING)
