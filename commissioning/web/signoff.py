"""The sign-off pages: a seat's frozen snapshot and the decision form, call-in and refer-back, delegations and
notifications. Views are thin: they check who may see what, parse the form, call one service and redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from commissioning import selectors, services
from commissioning.models import (
    SCRUTINY_ROLES,
    DeliveryChannel,
    EvidenceStatus,
    PartnerKind,
    Recommendation,
    Role,
    RoleAssignment,
    ServiceArea,
    Strategy,
    User,
    active_on,
)
from workflows import services as engine
from workflows.exceptions import InvalidInput, WorkflowError
from workflows.models import Decision, Delegation, Gate, GateSnapshot, GateState, Notification, Seat, SeatState

from .signoff_forms import DecisionForm, DelegationForm, ReasonForm

# A refused action: why, and the status the page is answered with.
REFUSAL_STATUS = {
    "not_permitted": 403,
    "not_your_seat": 403,
    "already_decided": 409,
    "transition_not_allowed": 409,
    "stale_version": 409,
    "conflict": 409,
}


def _refusal_status(error: WorkflowError) -> int:
    return REFUSAL_STATUS.get(error.code, 400)


def _label(choices, value) -> str:
    """A stored code as people read it (the code itself if it is no longer a choice)."""
    if value in (None, ""):
        return ""
    try:
        return choices(value).label
    except ValueError:
        return str(value)


# --------------------------------------------------------------------------------------------------------------
# The sign-off page
# --------------------------------------------------------------------------------------------------------------


def _strategy_of(gate: Gate) -> Strategy:
    if gate.subject_type.app_label != "commissioning" or gate.subject_type.model != "strategy":
        raise Http404("No such seat.")
    strategy = Strategy.objects.select_related("lead_organisation", "current_gate").filter(pk=gate.subject_id).first()
    if strategy is None:
        raise Http404("No such seat.")
    return strategy


def _snapshot_view(content: dict) -> dict:
    """The frozen snapshot's facts and evidence, with stored codes turned into words (the values are unchanged)."""
    facts = content.get("strategy", {})
    money = ("annual_value", "total_contract_value", "capital_value")
    rows = [
        ("Reference", facts.get("reference")),
        ("Title", facts.get("title")),
        ("Summary", facts.get("summary")),
        ("Service area", _label(ServiceArea, facts.get("service_area"))),
        ("Lead organisation", facts.get("lead_organisation")),
        ("Lead officer", facts.get("lead_officer")),
        *[(name.replace("_", " ").capitalize(), f"£{facts.get(name)}") for name in money if name in facts],
        ("Pooled budget", "Yes" if facts.get("pooled_budget") else "No"),
        ("Delivery channel (right source)", _label(DeliveryChannel, facts.get("delivery_channel")) or "Not decided"),
        ("Recommendation", _label(Recommendation, facts.get("recommendation")) or "None"),
        ("Next review date", facts.get("next_review_date") or "Not set"),
        (
            "Partners",
            "; ".join(f"{p['organisation']} ({_label(PartnerKind, p['kind'])})" for p in facts.get("partners", []))
            or "None",
        ),
    ]
    evidence = [
        {**item, "status_label": _label(EvidenceStatus, item.get("status"))} for item in content.get("evidence", [])
    ]
    return {"facts": rows, "evidence": evidence, "stage": content.get("stage"), "cycle": content.get("cycle")}


def _why_not(seat: Seat, gate: Gate, user, principal, today) -> str:
    """Why this person cannot decide this seat now, or '' when they can."""
    if seat.state != SeatState.PENDING:
        return f"This seat has already been decided: {seat.get_state_display().lower()}."
    if seat.round != gate.round or gate.state != GateState.SUBMITTED:
        return f"This gate is not waiting for sign-off: it is '{gate.get_state_display().lower()}'."
    if principal is None:
        return (
            f"You cannot decide this seat: it needs {seat.label}. A holder of that role, or their deputy under an "
            "active delegation, can decide it."
        )
    if gate.submitted_by_id == user.pk:
        return "You submitted this gate, so someone else must sign it off."
    if gate.submitted_by_id == principal.pk:
        return f"{principal} submitted this gate, so their deputy cannot sign it off for them."
    if Decision.objects.filter(seat=seat, principal=principal).exists():
        return "A decision on this seat has already been recorded with this authority."
    if seat.requires_record_of_decision and gate.decision_not_before and today < gate.decision_not_before:
        return (
            f"This key decision cannot be taken before {gate.decision_not_before:%-d %B %Y}: the forward-plan notice "
            "period must run first, unless the scrutiny chair agrees an urgency exemption."
        )
    return ""


def decision_owners(strategy: Strategy):
    """Who may own a condition: active people holding a role today at the lead organisation or a partner."""
    organisations = [strategy.lead_organisation_id, *strategy.partner_links.values_list("organisation_id", flat=True)]
    holders = RoleAssignment.objects.filter(organisation_id__in=organisations).filter(active_on(timezone.localdate()))
    return User.objects.filter(is_active=True, pk__in=holders.values("person_id")).order_by(
        "first_name", "last_name", "username"
    )


@login_required
@require_http_methods(["GET", "POST"])
def seat_signoff(request, seat_id: int):
    """The frozen snapshot a seat signs off, and the decision form for a person who may decide it."""
    seat = get_object_or_404(
        Seat.objects.select_related("gate", "gate__subject_type", "gate__submitted_by", "organisation", "person"),
        pk=seat_id,
    )
    gate = seat.gate
    strategy = _strategy_of(gate)
    today = timezone.localdate()
    principal = engine.seat_principal_for(seat, request.user, on=today)
    visible = selectors.strategies_visible_to(request.user).filter(pk=strategy.pk).exists()
    if not visible and principal is None:
        raise Http404("No such seat.")
    snapshot = GateSnapshot.objects.filter(gate=gate, round=seat.round).select_related("created_by").first()
    why_not = _why_not(seat, gate, request.user, principal, today)
    can_decide = not why_not
    form = None
    refusal = ""
    status = 200
    if can_decide:
        form = DecisionForm(
            request.POST if request.method == "POST" else None,
            owners=decision_owners(strategy),
            record_required=seat.requires_record_of_decision,
            initial={"gate_version": gate.version},
        )
    if request.method == "POST":
        if not can_decide:
            refusal, status = why_not, 403
        elif form.is_valid():
            try:
                services.seat_decide(
                    actor=request.user,
                    seat_id=seat.pk,
                    outcome=form.cleaned_data["outcome"],
                    reasons=form.cleaned_data["reasons"] or "",
                    conditions=form.conditions,
                    record=form.record,
                    expected_gate_version=form.cleaned_data["gate_version"],
                )
            except InvalidInput as error:
                form.add_service_errors(error)
            except WorkflowError as error:
                form.add_error(None, str(error))
                status = _refusal_status(error)
            else:
                outcome = dict(form.fields["outcome"].choices)[form.cleaned_data["outcome"]]
                on_behalf = f" on behalf of {principal}" if principal.pk != request.user.pk else ""
                messages.success(
                    request, f"Your decision on {strategy.reference} ({seat.label}) is recorded{on_behalf}: {outcome}."
                )
                return redirect("home")
    seats = list(
        gate.seats.filter(round=seat.round)
        .exclude(state=SeatState.SUPERSEDED)
        .select_related("organisation", "person")
        .order_by("due_on", "pk")
    )
    decisions = list(
        Decision.objects.filter(seat__in=seats)
        .select_related("actor", "on_behalf_of", "record")
        .order_by("decided_at", "pk")
    )
    for each in seats:
        each.recorded = [d for d in decisions if d.seat_id == each.pk]
    context = {
        "seat": seat,
        "gate": gate,
        "strategy": strategy,
        "snapshot": snapshot,
        "snapshot_view": _snapshot_view(snapshot.content) if snapshot else None,
        "snapshot_verified": snapshot is not None and engine.content_hash(snapshot.content) == snapshot.content_hash,
        "seats": seats,
        "principal": principal,
        "deputising": principal is not None and principal.pk != request.user.pk,
        "form": form,
        "why_not": why_not,
        "refusal": refusal,
        "errors": form.error_list if form is not None and form.is_bound else ([("", refusal)] if refusal else []),
        "today": today,
        "overdue": seat.state == SeatState.PENDING and seat.due_on < today,
    }
    return render(request, "signoff/seat.html", context, status=status)


# --------------------------------------------------------------------------------------------------------------
# Call-in and refer-back
# --------------------------------------------------------------------------------------------------------------


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
                status = _refusal_status(error)
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


# --------------------------------------------------------------------------------------------------------------
# Delegations
# --------------------------------------------------------------------------------------------------------------


def possible_deputies(user):
    """Active people, other than the person, holding a role today at one of the person's organisations."""
    organisations = selectors.organisations_of(user)
    holders = RoleAssignment.objects.filter(organisation_id__in=organisations).filter(active_on(timezone.localdate()))
    return (
        User.objects.filter(is_active=True, pk__in=holders.values("person_id"))
        .exclude(pk=user.pk)
        .order_by("first_name", "last_name", "username")
    )


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
    form = DelegationForm(request.POST if request.method == "POST" else None, deputies=possible_deputies(request.user))
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
    return render(request, "signoff/delegations.html", context, status=200)


@login_required
@require_POST
def delegation_revoke(request, delegation_id: int):
    """End one of the person's delegations now."""
    get_object_or_404(Delegation, pk=delegation_id, principal=request.user)
    delegation = engine.delegation_revoke(actor=request.user, delegation_id=delegation_id)
    messages.success(request, f"{delegation.deputy} can no longer decide your seats.")
    return redirect("delegations")


# --------------------------------------------------------------------------------------------------------------
# Notifications
# --------------------------------------------------------------------------------------------------------------

NOTIFICATIONS_PER_PAGE = 50


@login_required
def notifications(request):
    """The person's in-app notifications, newest first, 50 a page."""
    queryset = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
    page = Paginator(queryset, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "unread": selectors.unread_notification_count(request.user)}
    return render(request, "signoff/notifications.html", context)


def notifications_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark the person's unread notifications (or just one of them) read; how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


@login_required
@require_POST
def notifications_read(request):
    """Mark all the person's notifications read, or the one named by `notification`."""
    raw = request.POST.get("notification", "").strip()
    notification_id = None
    if raw:
        if not raw.isdigit() or not Notification.objects.filter(pk=int(raw), recipient=request.user).exists():
            raise Http404("No such notification.")
        notification_id = int(raw)
    changed = notifications_mark_read(user=request.user, notification_id=notification_id)
    if notification_id is not None:
        messages.success(request, "Notification marked as read.")
    else:
        messages.success(request, f"{changed} notification{'' if changed == 1 else 's'} marked as read.")
    return redirect("notifications")
