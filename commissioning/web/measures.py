"""Adding an outcome measure to a strategy: its officers say what will be measured, how often and against what
target, so that partners have something to return figures for (through the API). And correcting a returned figure,
with the reason, by someone at the organisation that returned it (as the API's corrections do)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from commissioning.models import OutcomeMeasure
from commissioning.selectors.measures import correctable_figures
from commissioning.services import ensure_content_editable, measures
from workflows.exceptions import InvalidInput, WorkflowError

from .charts import number
from .errors import refusal_status
from .fields import MoneyField
from .forms import GovukFormMixin
from .strategy_forms import parse_version
from .strategy_page import visible_strategy

YES_NO = [("yes", "Higher is better"), ("no", "Lower is better")]


class MeasureForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=60,
        help_text="A short name partners' systems use in the address they send figures to, e.g. carers-supported.",
        error_messages={"required": "Enter a short code, for example carers-supported"},
    )
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the measure's name"})
    level = forms.ChoiceField(
        label="Level",
        choices=OutcomeMeasure.Level.choices,
        widget=forms.RadioSelect,
        initial=OutcomeMeasure.Level.SERVICE,
        error_messages={"required": "Choose population (system) level or service (service-user) level"},
    )
    unit = forms.CharField(
        label="Unit", max_length=40, help_text="For example people, %, days or £.",
        error_messages={"required": "Enter the unit, for example people, %, days or £"},
    )  # fmt: skip
    period = forms.ChoiceField(
        label="How often are figures returned?",
        choices=OutcomeMeasure.Period.choices,
        widget=forms.RadioSelect,
        initial=OutcomeMeasure.Period.QUARTER,
        help_text="Financial years run from April to March and are written as councils write them, e.g. 2026/27; "
        "their first quarter (Q1) is April to June.",
        error_messages={"required": "Choose monthly, quarterly or yearly, by calendar or financial year"},
    )
    target = MoneyField(
        label="Target (optional)",
        required=False,
        min_value=None,
        help_text="A number, in the unit above; leave it empty for no target.",
        error_messages={
            "invalid": "Enter the target as a number, for example 42 or 97.5",
            "max_digits": "The target is too large",
            "max_whole_digits": "The target is too large",
            "max_decimal_places": "Give the target to at most two decimal places",
        },
    )
    direction = forms.ChoiceField(label="Which way is better?", choices=YES_NO, widget=forms.RadioSelect, initial="yes")


@login_required
@require_http_methods(["GET", "POST"])
def measure_create(request, reference: str):
    strategy = visible_strategy(request.user, reference)
    refusal, status = "", 200
    if not measures.may_define_measures(strategy, request.user):
        refusal, status = (
            f"Only the lead officer, or a commissioning officer or manager at {strategy.lead_organisation}, can add "
            "outcome measures to this strategy.",
            403,
        )
    else:
        try:
            ensure_content_editable(strategy)
        except WorkflowError as error:
            refusal, status = error.message, refusal_status(error)
    form = MeasureForm(request.POST if request.method == "POST" and not refusal else None)
    if request.method == "POST" and not refusal and form.is_valid():
        data = form.cleaned_data
        measure, status = _through_service(
            form,
            lambda: measures.measure_create(
                actor=request.user,
                strategy_id=strategy.pk,
                code=data["code"],
                name=data["name"],
                level=data["level"],
                unit=data["unit"],
                period=data["period"],
                target=data["target"],
                higher_is_better=data["direction"] == "yes",
            ),
        )
        if measure is not None:
            messages.success(request, f"Outcome measure ‘{measure.name}’ ({measure.code}) added.")
            return redirect(f"/strategies/{strategy.reference}/#outcomes")
    return _form_page(request, "strategies/measure_create.html", strategy, form, refusal, status)


def _through_service(form, call):
    """(what `call()` returned, 200), or (None, the status) with the service's refusal shown on the form."""
    try:
        return call(), 200
    except InvalidInput as error:
        form.add_service_errors(error)
        return None, 200
    except WorkflowError as error:
        form.add_error(None, error.message)
        return None, refusal_status(error)


def _form_page(request, template: str, strategy, form, refusal: str, status: int):
    """The page again: with the form's errors, or the refusal that stops anyone using it (a POST refused is a 409
    unless the refusal says otherwise)."""
    if request.method == "POST" and refusal and status == 200:
        status = 409
    context = {
        "strategy": strategy,
        "form": form,
        "refusal": refusal,
        "errors": form.error_list if form.is_bound else [],
    }
    return render(request, template, context, status=status)


class FigureCorrectionForm(GovukFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    figure = forms.TypedChoiceField(
        label="Which figure?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the figure to correct", "invalid_choice": "Choose the figure to correct"},
    )
    value = MoneyField(
        label="Corrected figure",
        min_value=None,
        error_messages={
            "required": "Enter the corrected figure",
            "invalid": "Enter the corrected figure as a number, for example 42 or 97.5",
            "max_digits": "The figure is too large",
            "max_whole_digits": "The figure is too large",
            "max_decimal_places": "Give the figure to at most two decimal places",
        },
    )
    reason = forms.CharField(
        label="Why is it corrected?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the provider sent a revised return. The earlier figure is kept and shown with it.",
        error_messages={"required": "Say why the figure is corrected"},
    )

    def __init__(self, *args, figures, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["figure"].choices = [
            (f.pk, f"{f.measure.name}, {f.period}: {number(f.value)} {f.measure.unit}") for f in figures
        ]

    def service_field(self, key: str) -> str:
        return "figure" if key == "period" else key


@login_required
@require_http_methods(["GET", "POST"])
def figure_correct(request, reference: str):
    """Correct one of the strategy's figures that the person's organisation returned (`?measure=` narrows the list
    to one measure's figures, `?figure=` chooses one)."""
    strategy = visible_strategy(request.user, reference)
    figures = correctable_figures(request.user, strategy.pk)
    if request.GET.get("measure"):
        figures = figures.filter(measure__code=request.GET["measure"])
    figures = list(figures)
    refusal, status = "", 200
    if strategy.stage not in measures.FIGURE_STAGES:
        refusal, status = (
            f"Figures can be corrected only while a strategy is in Do or Review; {strategy.reference} is in "
            f"{strategy.get_stage_display()}.",
            409,
        )
    elif not figures:
        refusal, status = (
            "Only people at the organisation that returned a figure can correct it, and your organisation has "
            f"returned none for {strategy.reference}{' for this measure' if request.GET.get('measure') else ''}.",
            403,
        )
    posted = request.method == "POST" and not refusal
    initial = {"version": strategy.version, "figure": request.GET.get("figure")}
    form = FigureCorrectionForm(request.POST if posted else None, initial=initial, figures=figures)
    if posted and form.is_valid():
        data = form.cleaned_data
        figure = next(f for f in figures if f.pk == data["figure"])
        correction, status = _through_service(
            form,
            lambda: measures.figure_correct(
                actor=request.user,
                strategy_id=strategy.pk,
                measure_code=figure.measure.code,
                period=figure.period,
                value=data["value"],
                reason=data["reason"],
                expected_version=parse_version(request.POST.get("version")),
            ),
        )
        if correction is not None:
            messages.success(request, f"The figure for {figure.measure.name}, {figure.period}, was corrected.")
            return redirect(f"/strategies/{strategy.reference}/#outcomes")
    return _form_page(request, "strategies/figure_correct.html", strategy, form, refusal, status)
