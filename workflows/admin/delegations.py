"""Delegations: added through the service (`services.delegation_create`), revoked through the service
(`services.delegation_revoke`), never edited or deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.forms.models import construct_instance
from django.utils import timezone

from .. import services
from ..exceptions import InvalidInput, NotPermitted, WorkflowError
from ..models import Delegation


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
