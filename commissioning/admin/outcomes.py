"""Outcome measures in the admin: an administrator adds one to a strategy through the same service as the strategy's
officers (`measures.measure_create`: the same checks, the `add_measure` audit event and the version bump), and may
change its name, level, unit, target and direction afterwards (audited with the values before and after, in the
strategy's history, and the strategy's version bumped so partners' polls see it). Its figures, and their
corrections with the earlier values, are shown read-only: partners return and correct them through the API.

This admin replaces the read-only one that `strategies` registers for outcome measures.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Prefetch
from django.forms.models import construct_instance
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html_join

from workflows.admin import AuditedAdminMixin, ReadOnlyInline
from workflows.exceptions import ContentFrozen, InvalidInput, NotPermitted, WorkflowError

from ..models import OutcomeMeasure, PerformanceFigure
from ..selectors.measures import FIGURE_ORDER, figure_corrections
from ..services import measures
from ..services.common import ensure_content_editable, locked_strategy, record_strategy_change

ADD_FIELDS = ("strategy", "code", "name", "level", "unit", "period", "target", "higher_is_better")
ALWAYS_READ_ONLY_ON_CHANGE = ("strategy", "code")  # partners' systems use the code in the figures' address


class _ServiceRefused(Exception):
    """Raised from `save_model` when the service refuses; the view runs again and shows the errors on the form."""

    def __init__(self, errors: dict[str | None, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class MeasureForm(forms.ModelForm):
    """Adding: parses the input and leaves checking it to the service (called by `save_model`), so that nothing is
    checked in two places; `refusal` holds the service's errors when the view runs again to show them. Changing:
    Django's own checks."""

    refusal: dict[str | None, str] = {}

    class Meta:
        model = OutcomeMeasure
        fields = ADD_FIELDS

    def _post_clean(self) -> None:
        if self.instance.pk is None:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        else:
            super()._post_clean()

    def clean(self):
        cleaned = super().clean()
        for field, message in self.refusal.items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned


class MeasureFigureInline(ReadOnlyInline):
    """A measure's figures, in the order of their periods, each with its corrections (the earlier values)."""

    model = PerformanceFigure
    fields = (
        "period",
        "starts_on",
        "value",
        "note",
        "organisation",
        "submitted_by",
        "submitted_at",
        "corrections_shown",
    )
    readonly_fields = ("corrections_shown",)
    ordering = FIGURE_ORDER
    show_change_link = False  # figures have no admin page of their own

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("measure", "organisation", "submitted_by")
            .prefetch_related(Prefetch("corrections", queryset=figure_corrections()))
        )

    @admin.display(description="corrections")
    def corrections_shown(self, figure: PerformanceFigure) -> str:
        corrections = list(figure.corrections.all())
        if not corrections:
            return "-"
        return format_html_join(
            "",
            "<p>Corrected from {} to {} on {} by {} ({}): {}</p>",
            (
                (
                    c.previous_value,
                    c.value,
                    f"{timezone.localtime(c.corrected_at):%-d %B %Y %H:%M}",
                    c.corrected_by,
                    c.organisation,
                    c.reason,
                )
                for c in corrections
            ),
        )


@admin.register(OutcomeMeasure)
class MeasureAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = MeasureForm
    list_display = ("code", "name", "strategy", "level", "unit", "period", "target", "higher_is_better", "figure_count")
    list_display_links = ("code", "name")
    list_filter = ("level", "period", "strategy__stage")
    search_fields = ("code", "name", "strategy__reference", "strategy__title")
    list_select_related = ("strategy",)
    ordering = ("strategy__reference", "level", "code", "pk")
    autocomplete_fields = ("strategy",)
    fields = ADD_FIELDS
    inlines = (MeasureFigureInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("strategy").annotate(figure_count=Count("figures"))

    @admin.display(description="figures", ordering="figure_count")
    def figure_count(self, measure: OutcomeMeasure) -> int:
        return measure.figure_count

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.figures.exists():  # the figures' periods are in the measure's kind of period
            return (*ALWAYS_READ_ONLY_ON_CHANGE, "period")
        return ALWAYS_READ_ONLY_ON_CHANGE

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, so that each goes through the checks below
        return actions

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.figures.exists():
            return False  # figures partners returned are kept
        return super().has_delete_permission(request, obj)

    # The service's refusals become form errors: the view's transaction has rolled back; it runs again.

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_measure_refusal", None)
        if refusal:
            form = type(form.__name__, (form,), {"refusal": refusal})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _ServiceRefused as refused:
            request._measure_refusal = refused.errors
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            strategy = self._locked_editable_strategy(obj)
            obj.audit_subject = strategy  # the change lives in the strategy's history, like adding the measure
            super().save_model(request, obj, form, change)
            record_strategy_change(strategy)
            return
        data = form.cleaned_data
        try:
            measure = measures.measure_create(
                actor=request.user,
                strategy_id=data["strategy"].pk,
                code=data["code"],
                name=data["name"],
                level=data["level"],
                unit=data["unit"],
                period=data["period"],
                target=data.get("target"),
                higher_is_better=bool(data.get("higher_is_better")),
            )
        except InvalidInput as exc:
            raise _ServiceRefused(dict(exc.errors)) from exc
        except (ContentFrozen, NotPermitted) as exc:
            raise _ServiceRefused({"strategy": exc.message}) from exc
        except WorkflowError as exc:
            raise _ServiceRefused({None: exc.message}) from exc
        # The admin goes on to log the addition and redirect using `obj`: make it the row the service created.
        for field in OutcomeMeasure._meta.concrete_fields:
            setattr(obj, field.attname, getattr(measure, field.attname))
        obj._state.adding = False
        obj._state.db = measure._state.db

    def save_related(self, request, form, formsets, change) -> None:
        if change:
            super().save_related(request, form, formsets, change)
        # Added: the service has written everything, and audited it as `add_measure`.

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except _ServiceRefused as refused:
            self.message_user(request, " ".join(refused.errors.values()), messages.ERROR)
            return HttpResponseRedirect(request.path.removesuffix("delete/") + "change/")

    def delete_model(self, request, obj) -> None:
        strategy = self._locked_editable_strategy(obj)
        obj.audit_subject = strategy
        super().delete_model(request, obj)
        record_strategy_change(strategy)

    def _locked_editable_strategy(self, obj: OutcomeMeasure):
        strategy = locked_strategy(obj.strategy_id)
        try:
            ensure_content_editable(strategy)
        except WorkflowError as exc:
            raise _ServiceRefused({None: exc.message}) from exc
        return strategy
