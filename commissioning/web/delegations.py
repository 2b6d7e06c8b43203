"""Deputies: a person's delegations given and held, naming a deputy for a date range, and revoking one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from commissioning import selectors, services
from workflows import services as engine
from workflows.exceptions import InvalidInput, WorkflowError
from workflows.models import Delegation

from .errors import refusal_status
from .signoff_forms import DelegationForm


def _delegation_status(delegation: Delegation, today) -> tuple[str, str]:
    if delegation.revoked_at is not None:
        return "Revoked", "govuk-tag--red"
    if delegation.ends_on < today:
        return "Ended", "govuk-tag--grey"
    if delegation.starts_on > today:
        return "Starts later", "govuk-tag--blue"
    return "Active", "govuk-tag--green"


@login_required
@require_http_methods(["GET", "POST"])
def delegations(request):
    """The person's delegations given and held, and a form to name a deputy."""
    today = timezone.localdate()
    form = DelegationForm(
        request.POST if request.method == "POST" else None, deputies=selectors.possible_deputies(request.user)
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.delegation_create(
                actor=request.user,
                principal=request.user,
                deputy=data["deputy_person"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data.get("reason") or "",
            )
        except InvalidInput as error:
            form.add_service_errors(error)
        except WorkflowError as error:
            form.add_error(None, str(error))
            status = refusal_status(error)
        else:
            messages.success(
                request,
                f"{data['deputy_person']} can decide your seats from {data['starts_on']:%-d %B %Y} to "
                f"{data['ends_on']:%-d %B %Y}.",
            )
            return redirect("delegations")
    rows = (
        Delegation.objects.filter(Q(principal=request.user) | Q(deputy=request.user))
        .select_related("principal", "deputy")
        .order_by("-starts_on", "-pk")
    )
    given, held = [], []
    for delegation in rows:
        delegation.status, delegation.status_class = _delegation_status(delegation, today)
        delegation.revocable = delegation.revoked_at is None and delegation.ends_on >= today
        (given if delegation.principal_id == request.user.pk else held).append(delegation)
    context = {
        "form": form,
        "errors": form.error_list if form.is_bound else [],
        "given": given,
        "held": held,
    }
    return render(request, "signoff/delegations.html", context, status=status)


@login_required
@require_POST
def delegation_revoke(request, delegation_id: int):
    """End one of the person's delegations now."""
    get_object_or_404(Delegation, pk=delegation_id, principal=request.user)
    delegation = engine.delegation_revoke(actor=request.user, delegation_id=delegation_id)
    messages.success(request, f"{delegation.deputy} can no longer decide your seats.")
    return redirect("delegations")
