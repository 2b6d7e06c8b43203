"""The scrutiny chair's page for an urgent key decision: agreeing, with reasons, that it takes effect as soon as it
is taken, with no call-in window, where the lead organisation's constitution allows it
(`services.call_in_exemption_agree`, which checks everything again)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from commissioning import selectors, services
from commissioning.models import Role, Strategy
from workflows.exceptions import InvalidInput, WorkflowError
from workflows.models import GateState
from workflows.models.gates import NOTICE_CHANGEABLE_STATES

from .errors import refusal_status
from .signoff_forms import ReasonForm


def _why_not(user, strategy: Strategy) -> str:
    """Why this person cannot agree an exemption from call-in for the strategy's current gate now ('' if they can)."""
    organisation = strategy.lead_organisation
    gate = strategy.current_gate
    if not selectors.holds_any_role(user, organisation.pk, [Role.SCRUTINY_CHAIR]):
        return f"Only the scrutiny chair at {organisation} can agree that a decision is exempt from call-in."
    if not organisation.urgent_decisions_may_skip_call_in:
        return f"The constitution of {organisation} does not allow urgent decisions to be exempt from call-in."
    if gate is None or not (gate.key_decision or services.is_key_decision(strategy)):
        return "This gate is not a key decision, so it has no call-in window."
    if gate.state not in NOTICE_CHANGEABLE_STATES:
        state = GateState(gate.state).label.lower()
        return f"The decision has already been taken (the gate is '{state}'), so it can no longer be exempted."
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def call_in_exemption(request, reference: str):
    """The scrutiny chair records their agreement that an urgent key decision is exempt from call-in, and why."""
    strategy = get_object_or_404(
        selectors.strategies_visible_to(request.user).select_related("current_gate", "lead_organisation"),
        reference=reference,
    )
    why_not = _why_not(request.user, strategy)
    form = None
    if not why_not:
        gate = strategy.current_gate
        form = ReasonForm(
            request.POST if request.method == "POST" else None,
            initial={"reason": gate.call_in_exemption_reason},
            label="Why must this decision take effect without a call-in window?",
            hint="Say why the delay of a call-in would seriously harm the council's or the public's interests. "
            "Your name, the date and these reasons are published with the record of decision.",
            required_message="Record why the decision is urgent",
        )
    status, errors = 200, []
    if request.method == "POST":
        if why_not:
            errors, status = [("", why_not)], 403
        elif form.is_valid():
            try:
                services.call_in_exemption_agree(
                    actor=request.user, strategy_id=strategy.pk, reason=form.cleaned_data["reason"]
                )
            except InvalidInput as error:
                form.add_service_errors(error)
            except WorkflowError as error:
                form.add_error(None, str(error))
                status = refusal_status(error)
            else:
                messages.success(
                    request, f"The decision on {strategy.reference} is exempt from call-in, with your agreement."
                )
                return redirect("strategy-detail", reference=strategy.reference)
        if form is not None:
            errors = form.error_list
    context = {"strategy": strategy, "gate": strategy.current_gate, "form": form, "why_not": why_not, "errors": errors}
    return render(request, "signoff/call_in_exemption.html", context, status=status)
