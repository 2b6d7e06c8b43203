"""The buttons of the strategy page: submit the gate, withdraw it, move the strategy on, publish the forward-plan
notice. Each is one POST that calls one service and redirects; when the service refuses, the strategy page is shown
again with the GOV.UK error summary saying why, at the status the refusal carries (see `errors`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from commissioning import services
from commissioning.models import Stage
from workflows.exceptions import InvalidInput, WorkflowError

from .errors import refusal_lines, refusal_status
from .strategy_forms import ForwardPlanForm, WithdrawForm, parse_version
from .strategy_page import render_detail, visible_strategy


def _refused(request, reference: str, error: WorkflowError):
    """The strategy page again, as it is now, with the refusal in the error summary."""
    strategy = visible_strategy(request.user, reference)
    return render_detail(request, strategy, errors=refusal_lines(error), status=refusal_status(error))


@login_required
@require_POST
def strategy_submit(request, reference: str):
    strategy = visible_strategy(request.user, reference)
    try:
        gate = services.gate_submit(
            actor=request.user,
            strategy_id=strategy.pk,
            expected_version=parse_version(request.POST.get("version")),
            note=request.POST.get("note", "")[:5000],
        )
    except WorkflowError as error:
        return _refused(request, reference, error)
    messages.success(
        request, f"The {strategy.get_stage_display()} gate was submitted for sign-off ({gate.seats.count()} seats)."
    )
    return redirect("strategy-detail", reference=reference)


@login_required
@require_POST
def strategy_withdraw(request, reference: str):
    strategy = visible_strategy(request.user, reference)
    form = WithdrawForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            services.gate_withdraw(
                actor=request.user,
                strategy_id=strategy.pk,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except InvalidInput as error:
            form.add_service_errors(error)
        except WorkflowError as error:
            form.add_error(None, error.message)
            status = refusal_status(error)
        else:
            messages.success(request, f"The {strategy.get_stage_display()} gate was withdrawn. You can change it now.")
            return redirect("strategy-detail", reference=reference)
    return render_detail(
        request, visible_strategy(request.user, reference), errors=form.error_list, withdraw_form=form, status=status
    )


@login_required
@require_POST
def strategy_advance(request, reference: str):
    strategy = visible_strategy(request.user, reference)
    try:
        moved = services.strategy_advance(
            actor=request.user, strategy_id=strategy.pk, expected_version=parse_version(request.POST.get("version"))
        )
    except WorkflowError as error:
        return _refused(request, reference, error)
    if moved.stage == Stage.CLOSED:
        messages.success(request, f"Strategy {moved.reference} was decommissioned and is now closed.")
    else:
        messages.success(
            request, f"Strategy {moved.reference} moved to {moved.get_stage_display()} (cycle {moved.cycle})."
        )
    return redirect("strategy-detail", reference=reference)


@login_required
@require_POST
def strategy_forward_plan(request, reference: str):
    strategy = visible_strategy(request.user, reference)
    form = ForwardPlanForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            gate = services.forward_plan_publish(
                actor=request.user,
                strategy_id=strategy.pk,
                decision_date=form.cleaned_data["decision_date"],
                matter=form.cleaned_data["matter"],
                decision_maker=form.cleaned_data["decision_maker"],
                documents=form.cleaned_data["documents"],
            )
        except InvalidInput as error:
            form.add_service_errors(error)
        except WorkflowError as error:
            form.add_error(None, error.message)
            status = refusal_status(error)
        else:
            messages.success(
                request,
                f"The forward-plan notice was published: decision intended on {gate.intended_decision_date:%-d %B %Y}.",
            )
            return redirect("strategy-detail", reference=reference)
    return render_detail(
        request,
        visible_strategy(request.user, reference),
        errors=form.error_list,
        forward_plan_form=form,
        status=status,
    )
