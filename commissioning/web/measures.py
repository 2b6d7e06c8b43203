"""Adding an outcome measure to a strategy: its officers say what will be measured, how often and against what
target, so that partners have something to return figures for (through the API)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from commissioning.models import OutcomeMeasure, can_manage_strategy
from commissioning.services import ensure_content_editable, measures
from workflows.exceptions import InvalidInput, WorkflowError

from .errors import refusal_status
from .fields import MoneyField
from .forms import GovukFormMixin
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
        error_messages={"required": "Choose monthly, quarterly or yearly"},
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
    if not can_manage_strategy(strategy, request.user):
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
        try:
            measure = measures.measure_create(
                actor=request.user,
                strategy_id=strategy.pk,
                code=data["code"],
                name=data["name"],
                level=data["level"],
                unit=data["unit"],
                period=data["period"],
                target=data["target"],
                higher_is_better=data["direction"] == "yes",
            )
        except InvalidInput as error:
            form.add_service_errors(error)
        except WorkflowError as error:
            form.add_error(None, error.message)
            status = refusal_status(error)
        else:
            messages.success(request, f"Outcome measure ‘{measure.name}’ ({measure.code}) added.")
            return redirect(f"/strategies/{strategy.reference}/#outcomes")
    elif request.method == "POST" and refusal:
        status = status if status != 200 else 409
    context = {
        "strategy": strategy,
        "form": form,
        "refusal": refusal,
        "errors": form.error_list if form.is_bound else [],
    }
    return render(request, "strategies/measure_create.html", context, status=status)
