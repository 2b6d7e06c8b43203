"""Scrutiny's pages: a scrutiny member calls in a key decision during its call-in window; the scrutiny chair refers
a called-in decision back to its decision-maker."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from commissioning import selectors, services
from commissioning.models import SCRUTINY_ROLES, Role, Strategy
from workflows.exceptions import InvalidInput, WorkflowError
from workflows.models import Decision, Gate, GateState

from .errors import refusal_status
from .signoff_forms import ReasonForm


def _visible_strategy(user, reference: str) -> Strategy:
    return get_object_or_404(
        selectors.strategies_visible_to(user).select_related("current_gate", "lead_organisation"),
        reference=reference,
    )


def _key_decisions(gate: Gate | None) -> list[Decision]:
    if gate is None:
        return []
    return list(
        Decision.objects.filter(gate=gate, seat__round=gate.round)
        .select_related("seat", "actor", "on_behalf_of", "record")
        .order_by("decided_at", "pk")
    )


def _scrutiny_page(request, reference: str, *, kind: str):
    strategy = _visible_strategy(request.user, reference)
    gate = strategy.current_gate
    now = timezone.now()
    if kind == "call_in":
        roles, state = SCRUTINY_ROLES, GateState.CALL_IN
        who = f"Only scrutiny members at {strategy.lead_organisation} can call in its decisions."
        form_args = {
            "label": "Why are you calling this decision in?",
            "hint": "The decision will not take effect until scrutiny has considered it.",
            "required_message": "Give the reasons for calling the decision in",
        }
    else:
        roles, state = [Role.SCRUTINY_CHAIR], GateState.CALLED_IN
        who = f"Only the scrutiny chair at {strategy.lead_organisation} can refer a decision back."
        form_args = {
            "label": "What does scrutiny recommend to the decision-maker?",
            "hint": "The decision-maker's seat opens again for them to reconsider.",
            "required_message": "Record what scrutiny recommended to the decision-maker",
        }
    why_not = ""
    if not selectors.holds_any_role(request.user, strategy.lead_organisation_id, roles):
        why_not = who
    elif gate is None or gate.state != state:
        current = gate.get_state_display().lower() if gate else "none"
        why_not = (
            "This decision is not in its call-in window"
            if kind == "call_in"
            else "This decision has not been called in"
        ) + f" (the gate is '{current}')."
    elif kind == "call_in" and (gate.call_in_ends_at is None or gate.call_in_ends_at <= now):
        why_not = "The call-in window has closed."
    form = ReasonForm(request.POST if request.method == "POST" else None, **form_args) if not why_not else None
    status = 200
    errors: list = []
    if request.method == "POST":
        if why_not:
            errors, status = [("", why_not)], 403
        elif form.is_valid():
            service = services.decision_call_in if kind == "call_in" else services.decision_refer_back
            try:
                service(actor=request.user, strategy_id=strategy.pk, reason=form.cleaned_data["reason"])
            except InvalidInput as error:
                form.add_service_errors(error)
            except WorkflowError as error:
                form.add_error(None, str(error))
                status = refusal_status(error)
            else:
                done = "called in" if kind == "call_in" else "referred back to the decision-maker"
                messages.success(request, f"The decision on {strategy.reference} has been {done}.")
                return redirect("home")
        if form is not None:
            errors = form.error_list
    context = {
        "strategy": strategy,
        "gate": gate,
        "decisions": _key_decisions(gate),
        "form": form,
        "why_not": why_not,
        "errors": errors,
        "kind": kind,
        "now": now,
    }
    return render(request, "signoff/scrutiny.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def decision_call_in(request, reference: str):
    """A scrutiny member calls in a key decision during its call-in window."""
    return _scrutiny_page(request, reference, kind="call_in")


@login_required
@require_http_methods(["GET", "POST"])
def decision_refer_back(request, reference: str):
    """The scrutiny chair refers a called-in decision back to the decision-maker."""
    return _scrutiny_page(request, reference, kind="refer_back")
