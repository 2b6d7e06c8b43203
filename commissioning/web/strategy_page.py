"""The strategy page: the cycle and stage timeline, evidence as a task list, the gate and every seat's state,
decisions, actions, what changed between submissions, outcome measures with their charts, and the history; with the
buttons the person may press. The page costs a bounded number of queries whatever the length of its history."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from commissioning import selectors, services
from commissioning.models import (
    ADVANCE_FROM,
    CYCLE_STAGES,
    Evidence,
    EvidenceStatus,
    GatePolicy,
    Recommendation,
    Role,
    Stage,
    Strategy,
    can_manage_strategy,
)
from commissioning.selectors.changes import changes_on_gate
from commissioning.selectors.measures import correctable_figures
from commissioning.selectors.notices import notice_defaults
from commissioning.selectors.procurement import publishes_ocds
from workflows.models import ActionState, AuditEvent, Decision, GateState, SeatState
from workflows.transitions import available_transitions

from . import charts
from .strategy_forms import ForwardPlanForm, WithdrawForm

HISTORY_ON_PAGE = 50

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
PERIOD_WORDS = {kind: spec.each for kind, spec in services.measures.PERIOD_FORMATS.items()}
SUBMITTABLE = (GateState.OPEN, GateState.REJECTED, GateState.WITHDRAWN)
NOTICE_CHANGEABLE = (*SUBMITTABLE, GateState.SUBMITTED)


def visible_strategy(user, reference: str) -> Strategy:
    """The strategy if the person may see it; otherwise a 404 that does not say whether it exists."""
    return get_object_or_404(
        selectors.strategies_visible_to(user).select_related("lead_organisation", "lead_officer", "current_gate"),
        reference=reference,
    )


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


def history_of(strategy: Strategy):
    strategy_type = ContentType.objects.get_for_model(Strategy)
    return (
        AuditEvent.objects.filter(subject_type=strategy_type, subject_id=strategy.pk)
        .select_related("actor", "on_behalf_of")
        .order_by("-occurred_at", "-pk")
    )


def _corrections(figure) -> list[dict]:
    """A corrected figure's earlier values, oldest first, as the figures table says them."""
    return [
        {
            "previous": charts.number(correction.previous_value),
            "on": timezone.localtime(correction.corrected_at),
            "by": correction.organisation,
            "reason": correction.reason,
        }
        for correction in figure.corrections.all()
    ]


def _correctable(user, strategy: Strategy) -> set[int]:
    """Ids of the strategy's figures the person may correct now (returned by their organisation, in Do or Review)."""
    if strategy.stage not in services.measures.FIGURE_STAGES:
        return set()
    return set(correctable_figures(user, strategy.pk).values_list("pk", flat=True))


def _chart(measure, correctable: set[int] = frozenset()) -> dict:
    figures = list(measure.figures.all())
    points = [charts.Point(label=figure.period, value=figure.value) for figure in figures]
    rows = charts.rows(points, target=measure.target, higher_is_better=measure.higher_is_better)
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
        "rows": rows,
        "figures": figures,
        "table": [{"row": row, "corrections": _corrections(figure)} for row, figure in zip(rows, figures, strict=True)],
        "how_often": services.measures.PERIOD_FORMATS[measure.period].how_often,
        "can_correct": any(figure.pk in correctable for figure in figures),
    }


def render_detail(
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
    comparison = None
    if gate is not None and gate.round and not (gate.is_frozen and gate.round < 2):
        live = None if gate.is_frozen or strategy.stage == Stage.CLOSED else services.strategy_snapshot(strategy)
        comparison = changes_on_gate(gate, live_content=live)
    exemption_allowed = key_decision and strategy.lead_organisation.urgent_decisions_may_skip_call_in
    chair = exemption_allowed and selectors.holds_any_role(user, strategy.lead_organisation_id, [Role.SCRUTINY_CHAIR])
    allowed = available_transitions(strategy) if can_manage else []
    history = list(history_of(strategy)[: HISTORY_ON_PAGE + 1])
    correctable = _correctable(user, strategy)
    open_stage = strategy.stage != Stage.CLOSED and gate is not None
    context = {
        "strategy": strategy,
        "gate": gate,
        "can_manage": can_manage,
        "can_edit": can_manage and open_stage and not strategy.content_frozen,
        "can_submit": can_manage and open_stage and gate.state in SUBMITTABLE,
        "comparison": comparison,
        "can_exempt_from_call_in": chair and open_stage and gate.state in NOTICE_CHANGEABLE,
        "ocds": publishes_ocds(strategy),
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
        "measures": [_chart(m, correctable) for m in selectors.measures_with_figures(strategy.pk)],
        "history": history[:HISTORY_ON_PAGE],
        "more_history": len(history) > HISTORY_ON_PAGE,
        "errors": errors or [],
        "withdraw_form": withdraw_form or WithdrawForm(initial={"version": strategy.version}),
        "forward_plan_form": forward_plan_form or ForwardPlanForm(initial=_notice_words(strategy, gate)),
        "today": timezone.localdate(),
    }
    return render(request, "strategies/detail.html", context, status=status)


def _notice_words(strategy: Strategy, gate) -> dict[str, str]:
    """The notice form starts from the published notice's words, or what the service would publish."""
    if gate is None or strategy.stage == Stage.CLOSED:
        return {}
    if gate.notice_published_on:
        return {
            "matter": gate.notice_matter,
            "decision_maker": gate.notice_decision_maker,
            "documents": gate.notice_documents,
        }
    return notice_defaults(strategy)


def _stage_done(strategy: Strategy, stage: str) -> bool:
    if strategy.stage == Stage.CLOSED:
        return True
    return CYCLE_STAGES.index(stage) < CYCLE_STAGES.index(strategy.stage)
