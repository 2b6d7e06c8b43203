"""The sign-off page: a seat's frozen snapshot exactly as submitted, with its hash, and the decision form for a
person who may decide it (the engine's `seat_decision_refusal` says why anyone else may not). A resubmitted gate
shows first what changed since the snapshot the person last decided on: for someone who rejected it, their reasons,
what the submitter says was done about them, and the difference, with both hashes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from commissioning import rules, selectors, services
from commissioning.models import DeliveryChannel, EvidenceStatus, PartnerKind, Recommendation, ServiceArea, Strategy
from commissioning.selectors.changes import changes_for_seat
from workflows import services as engine
from workflows.exceptions import InvalidInput, WorkflowError
from workflows.models import Decision, Gate, GateSnapshot, Seat, SeatState

from .errors import refusal_status
from .signoff_forms import DecisionForm


def _label(choices, value) -> str:
    """A stored code as people read it (the code itself if it is no longer a choice)."""
    if value in (None, ""):
        return ""
    try:
        return choices(value).label
    except ValueError:
        return str(value)


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
    refusal_error = engine.seat_decision_refusal(seat, gate, request.user, principal=principal, today=today)
    why_not = refusal_error.message if refusal_error is not None else ""
    can_decide = refusal_error is None
    form = None
    refusal = ""
    status = 200
    if can_decide:
        form = DecisionForm(
            request.POST if request.method == "POST" else None,
            owners=selectors.condition_owners(strategy),
            record_required=seat.requires_record_of_decision,
            initial={"gate_version": gate.version},
        )
    if request.method == "POST":
        if not can_decide:
            refusal, status = why_not, refusal_status(refusal_error)
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
                status = refusal_status(error)
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
    comparison = changes_for_seat(seat, request.user, principal=principal) if snapshot else None
    context = {
        "comparison": comparison,
        "changes_heading": (
            "What changed since you last decided"
            if comparison is not None and comparison.decided is not None
            else f"What changed since submission {comparison.before.round}"
            if comparison is not None
            else ""
        ),
        "record_kind": rules.decision_record_kind(seat.role),
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
