"""The strategy pages: the list, creating and editing a strategy, its page (cycle, evidence, gate, seats, decisions,
actions, outcomes and history), its evidence and the buttons that move it on.

Views are thin: every change is a POST that calls one service and redirects; when the service refuses, the page is
shown again with the GOV.UK error summary saying why. A strategy the person may not see is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from commissioning import selectors, services
from commissioning.measures import measures_with_figures
from commissioning.models import (
    ADVANCE_FROM,
    CYCLE_STAGES,
    OFFICER_ROLES,
    Evidence,
    EvidenceStatus,
    GatePolicy,
    Recommendation,
    RoleAssignment,
    Stage,
    Strategy,
    active_on,
    can_manage_strategy,
)
from workflows.exceptions import GateNotReady, InvalidInput, NotPermitted, TransitionNotAllowed, WorkflowError
from workflows.models import ActionState, AuditEvent, Decision, GateState, SeatState
from workflows.transitions import available_transitions

from . import charts
from .strategy_forms import (
    EvidenceForm,
    ForwardPlanForm,
    StrategyCreateForm,
    StrategyEditForm,
    WithdrawForm,
    officer_organisations,
    parse_version,
)

HISTORY_ON_PAGE = 50
HISTORY_PER_PAGE = 100

GATE_TAGS = {
    GateState.OPEN: "govuk-tag--grey",
    GateState.SUBMITTED: "govuk-tag--blue",
    GateState.APPROVED: "govuk-tag--turquoise",
    GateState.CALL_IN: "govuk-tag--yellow",
    GateState.CALLED_IN: "govuk-tag--orange",
    GateState.PASSED: "govuk-tag--green",
    GateState.REJECTED: "govuk-tag--red",
    GateState.WITHDRAWN: "govuk-tag--grey",
}
SEAT_TAGS = {
    SeatState.PENDING: "govuk-tag--yellow",
    SeatState.APPROVED: "govuk-tag--green",
    SeatState.REJECTED: "govuk-tag--red",
    SeatState.CANCELLED: "govuk-tag--grey",
    SeatState.SUPERSEDED: "govuk-tag--grey",
}
EVIDENCE_TAGS = {
    EvidenceStatus.NOT_STARTED: "govuk-tag--blue",
    EvidenceStatus.IN_PROGRESS: "govuk-tag--light-blue",
    EvidenceStatus.COMPLETE: "",
}
ACTION_TAGS = {
    ActionState.OPEN: "govuk-tag--blue",
    ActionState.DONE: "govuk-tag--green",
    ActionState.CANCELLED: "govuk-tag--grey",
}
PERIOD_WORDS = {"month": "month", "quarter": "quarter", "year": "year"}
SUBMITTABLE = (GateState.OPEN, GateState.REJECTED, GateState.WITHDRAWN)
NOTICE_CHANGEABLE = (*SUBMITTABLE, GateState.SUBMITTED)


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------


def _visible_strategy(user, reference: str) -> Strategy:
    """The strategy if the person may see it; otherwise a 404 that does not say whether it exists."""
    return get_object_or_404(
        selectors.strategies_visible_to(user).select_related("lead_organisation", "lead_officer", "current_gate"),
        reference=reference,
    )


def _holds_officer_role(user) -> bool:
    return (
        RoleAssignment.objects.filter(person=user, role__in=OFFICER_ROLES)
        .filter(active_on(timezone.localdate()))
        .exists()
    )


def _refusal(error: WorkflowError) -> list[tuple[str, str]]:
    """The error summary's lines for a service's refusal: its message, and each thing still missing."""
    if isinstance(error, InvalidInput):
        return [("", message) for message in error.errors.values()]
    if isinstance(error, GateNotReady):
        return [("", f"{error.message.split(':')[0]}:"), *(("", item) for item in error.missing)]
    lines = [("", error.message)]
    if isinstance(error, TransitionNotAllowed):
        lines += [("", f"Still needed: {item}") for item in error.missing]
    return lines


def _refusal_status(error: WorkflowError) -> int:
    """The status of a page that shows a refused state change: 403 when the person may not make it, 400 for bad
    input, and otherwise 409, a conflict with the strategy's state as it is now (its gate has not passed, or someone
    else moved it first)."""
    if isinstance(error, NotPermitted):
        return 403
    if isinstance(error, InvalidInput):
        return 400
    return 409


def _advance_label(strategy: Strategy, allowed: list[str]) -> str | None:
    if strategy.stage in ADVANCE_FROM and ADVANCE_FROM[strategy.stage] in allowed:
        following = CYCLE_STAGES[CYCLE_STAGES.index(strategy.stage) + 1]
        return f"Move to {following.label}"
    if strategy.stage == Stage.REVIEW:
        if strategy.recommendation == Recommendation.DECOMMISSION and "decommission" in allowed:
            return "Decommission"
        if "recommission" in allowed:
            return f"Recommission (start cycle {strategy.cycle + 1})"
    return None


def _strategy_history(strategy: Strategy):
    strategy_type = ContentType.objects.get_for_model(Strategy)
    return (
        AuditEvent.objects.filter(subject_type=strategy_type, subject_id=strategy.pk)
        .select_related("actor", "on_behalf_of")
        .order_by("-occurred_at", "-pk")
    )


def _chart(measure) -> dict:
    points = [charts.Point(label=figure.period, value=figure.value) for figure in measure.figures.all()]
    return {
        "measure": measure,
        "svg": charts.bar_chart(
            chart_id=f"measure-{measure.pk}",
            title=f"{measure.name} ({measure.unit}) by {PERIOD_WORDS.get(measure.period, 'period')}",
            points=points,
            unit=measure.unit,
            target=measure.target,
            higher_is_better=measure.higher_is_better,
        ),
        "rows": charts.rows(points, target=measure.target, higher_is_better=measure.higher_is_better),
        "figures": list(measure.figures.all()),
    }


def _render_detail(
    request,
    strategy: Strategy,
    *,
    errors: list[tuple[str, str]] | None = None,
    withdraw_form: WithdrawForm | None = None,
    forward_plan_form: ForwardPlanForm | None = None,
    status: int = 200,
):
    """The strategy page, in a bounded number of queries whatever the length of its history."""
    user = request.user
    gate = strategy.current_gate
    can_manage = can_manage_strategy(strategy, user)
    periods = list(strategy.stage_periods.order_by("cycle", "entered_at", "pk"))
    partners = list(strategy.partner_links.select_related("organisation").order_by("organisation__name"))
    evidence = list(
        Evidence.objects.filter(strategy=strategy, cycle=strategy.cycle, stage=strategy.stage).order_by(
            "position", "pk"
        )
    )
    for item in evidence:
        item.tag_class = EVIDENCE_TAGS.get(item.status, "")
    seats, decisions, actions = [], [], []
    key_decision = False
    if gate is not None:
        gate.tag_class = GATE_TAGS.get(gate.state, "")
        decisions = list(
            Decision.objects.filter(gate=gate)
            .select_related("actor", "on_behalf_of", "seat")
            .order_by("decided_at", "pk")
        )
        by_seat: dict[int, list[Decision]] = {}
        for decision in decisions:
            by_seat.setdefault(decision.seat_id, []).append(decision)
        seats = list(gate.current_seats().select_related("organisation", "person").order_by("due_on", "pk"))
        for seat in seats:
            seat.tag_class = SEAT_TAGS.get(seat.state, "")
            seat.decided_by = by_seat.get(seat.pk, [])
        actions = list(gate.actions.select_related("owner").order_by("due_on", "pk"))
        for action in actions:
            action.tag_class = ACTION_TAGS.get(action.state, "")
        if strategy.stage != Stage.CLOSED:
            key_decision = gate.key_decision or services.is_key_decision(
                strategy, GatePolicy.objects.filter(stage=strategy.stage).first()
            )
    allowed = available_transitions(strategy) if can_manage else []
    history = list(_strategy_history(strategy)[: HISTORY_ON_PAGE + 1])
    open_stage = strategy.stage != Stage.CLOSED and gate is not None
    context = {
        "strategy": strategy,
        "gate": gate,
        "can_manage": can_manage,
        "can_edit": can_manage and open_stage and not strategy.content_frozen,
        "can_submit": can_manage and open_stage and gate.state in SUBMITTABLE,
        "can_withdraw": can_manage and open_stage and gate.state == GateState.SUBMITTED,
        "can_publish_notice": can_manage and open_stage and key_decision and gate.state in NOTICE_CHANGEABLE,
        "advance_label": _advance_label(strategy, allowed) if can_manage else None,
        "key_decision": key_decision,
        "timeline": [
            {"stage": stage, "current": stage == strategy.stage, "done": _stage_done(strategy, stage)}
            for stage in CYCLE_STAGES
        ],
        "periods": periods,
        "partners": partners,
        "evidence": evidence,
        "seats": seats,
        "decisions": decisions,
        "actions": actions,
        "measures": [_chart(measure) for measure in measures_with_figures(strategy.pk)],
        "history": history[:HISTORY_ON_PAGE],
        "more_history": len(history) > HISTORY_ON_PAGE,
        "errors": errors or [],
        "withdraw_form": withdraw_form or WithdrawForm(initial={"version": strategy.version}),
        "forward_plan_form": forward_plan_form or ForwardPlanForm(),
        "today": timezone.localdate(),
    }
    return render(request, "strategies/detail.html", context, status=status)


def _stage_done(strategy: Strategy, stage: str) -> bool:
    if strategy.stage == Stage.CLOSED:
        return True
    return CYCLE_STAGES.index(stage) < CYCLE_STAGES.index(strategy.stage)


# --------------------------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------------------------


@login_required
def strategy_list(request):
    strategies = list(
        selectors.strategies_visible_to(request.user)
        .select_related("lead_organisation", "current_gate")
        .order_by("reference")
    )
    groups = []
    for value, label in Stage.choices:
        in_stage = [s for s in strategies if s.stage == value]
        for strategy in in_stage:
            strategy.gate_tag_class = GATE_TAGS.get(strategy.current_gate.state, "") if strategy.current_gate else ""
        if in_stage:
            groups.append({"stage": value, "label": label, "strategies": in_stage})
    return render(
        request,
        "strategies/list.html",
        {"groups": groups, "can_create": _holds_officer_role(request.user)},
    )


@login_required
def strategy_create(request):
    if not officer_organisations(request.user).exists():
        return render(request, "strategies/cannot_create.html", status=403)
    form = StrategyCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        partners, rows = form.partner_specs()
        data = form.cleaned_data
        try:
            strategy = services.strategy_create(
                actor=request.user,
                reference=data["reference"],
                title=data["title"],
                summary=data["summary"],
                service_area=data["service_area"],
                lead_organisation=data["lead_organisation"],
                lead_officer=data["lead_officer"],
                annual_value=data["annual_value"],
                total_contract_value=data["total_contract_value"],
                capital_value=data["capital_value"],
                pooled_budget=data["pooled_budget"],
                next_review_date=data["next_review_date"],
                partners=partners,
            )
        except InvalidInput as error:
            form.add_create_errors(error, rows)
        except WorkflowError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Strategy {strategy.reference} created. Its Analyse gate is open.")
            return redirect("strategy-detail", reference=strategy.reference)
    return render(request, "strategies/create.html", {"form": form})


@login_required
def strategy_detail(request, reference: str):
    return _render_detail(request, _visible_strategy(request.user, reference))


@login_required
def strategy_history(request, reference: str):
    strategy = _visible_strategy(request.user, reference)
    page = Paginator(_strategy_history(strategy), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "strategies/history.html", {"strategy": strategy, "page": page})


@login_required
def strategy_edit(request, reference: str):
    strategy = _visible_strategy(request.user, reference)
    if not can_manage_strategy(strategy, request.user):
        refusal = (
            f"Only the lead officer, or a commissioning officer or manager at {strategy.lead_organisation}, can "
            "change this strategy."
        )
        return render(request, "strategies/edit.html", {"strategy": strategy, "refusal": refusal}, status=403)
    form = StrategyEditForm(request.POST or None, strategy=strategy)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            services.strategy_update(
                actor=request.user,
                strategy_id=strategy.pk,
                expected_version=form.cleaned_data["version"],
                **form.changes(),
            )
        except InvalidInput as error:
            form.add_service_errors(error)
        except WorkflowError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Strategy {strategy.reference} saved.")
            return redirect("strategy-detail", reference=strategy.reference)
    elif request.method == "GET":
        try:
            services._require_content_editable(strategy)
        except WorkflowError as error:
            refusal = error.message
    return render(request, "strategies/edit.html", {"strategy": strategy, "form": form, "refusal": refusal})


@login_required
def evidence_edit(request, reference: str, evidence_id: int):
    strategy = _visible_strategy(request.user, reference)
    evidence = get_object_or_404(Evidence.objects.select_related("template"), pk=evidence_id, strategy=strategy)
    can_manage = can_manage_strategy(strategy, request.user)
    if request.method == "POST":
        form = EvidenceForm(request.POST)
        if form.is_valid():
            try:
                services.evidence_update(
                    actor=request.user,
                    evidence_id=evidence.pk,
                    status=form.cleaned_data["status"],
                    content=form.cleaned_data["content"],
                    link=form.cleaned_data["link"],
                    expected_version=form.cleaned_data["version"],
                )
            except InvalidInput as error:
                form.add_service_errors(error)
            except WorkflowError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"‘{evidence.title}’ saved.")
                return redirect("strategy-detail", reference=strategy.reference)
    else:
        form = EvidenceForm(
            initial={
                "version": strategy.version,
                "status": evidence.status,
                "content": evidence.content,
                "link": evidence.link,
            }
        )
    current = (evidence.cycle, evidence.stage) == (strategy.cycle, strategy.stage)
    editable = can_manage and current and strategy.stage != Stage.CLOSED and not strategy.content_frozen
    return render(
        request,
        "strategies/evidence.html",
        {"strategy": strategy, "evidence": evidence, "form": form, "editable": editable, "current": current},
    )


# --------------------------------------------------------------------------------------------------------------
# Buttons: one POST, one service, then back to the strategy page
# --------------------------------------------------------------------------------------------------------------


@login_required
@require_POST
def strategy_submit(request, reference: str):
    strategy = _visible_strategy(request.user, reference)
    try:
        gate = services.gate_submit(
            actor=request.user, strategy_id=strategy.pk, expected_version=parse_version(request.POST.get("version"))
        )
    except WorkflowError as error:
        return _render_detail(request, _visible_strategy(request.user, reference), errors=_refusal(error))
    messages.success(
        request, f"The {strategy.get_stage_display()} gate was submitted for sign-off ({gate.seats.count()} seats)."
    )
    return redirect("strategy-detail", reference=reference)


@login_required
@require_POST
def strategy_withdraw(request, reference: str):
    strategy = _visible_strategy(request.user, reference)
    form = WithdrawForm(request.POST)
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
        else:
            messages.success(request, f"The {strategy.get_stage_display()} gate was withdrawn. You can change it now.")
            return redirect("strategy-detail", reference=reference)
    return _render_detail(
        request, _visible_strategy(request.user, reference), errors=form.error_list, withdraw_form=form
    )


@login_required
@require_POST
def strategy_advance(request, reference: str):
    strategy = _visible_strategy(request.user, reference)
    try:
        moved = services.strategy_advance(
            actor=request.user, strategy_id=strategy.pk, expected_version=parse_version(request.POST.get("version"))
        )
    except WorkflowError as error:
        return _render_detail(
            request, _visible_strategy(request.user, reference), errors=_refusal(error), status=_refusal_status(error)
        )
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
    strategy = _visible_strategy(request.user, reference)
    form = ForwardPlanForm(request.POST)
    if form.is_valid():
        try:
            gate = services.forward_plan_publish(
                actor=request.user, strategy_id=strategy.pk, decision_date=form.cleaned_data["decision_date"]
            )
        except InvalidInput as error:
            form.add_service_errors(error)
        except WorkflowError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"The forward-plan notice was published: decision intended on {gate.intended_decision_date:%-d %B %Y}.",
            )
            return redirect("strategy-detail", reference=reference)
    return _render_detail(
        request, _visible_strategy(request.user, reference), errors=form.error_list, forward_plan_form=form
    )
