"""Decisions: deciding a seat, a key decision's forward-plan notice, urgency exemption and exemption from call-in,
calling a decision in, referring it back, and its call-in window closing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from workflows import services as engine
from workflows.calendar import earliest_date_after_clear_days
from workflows.exceptions import InvalidInput, NotPermitted, TransitionNotAllowed
from workflows.models import Decision, Gate, Seat
from workflows.services import ConditionSpec, RecordSpec
from workflows.transitions import apply_transition, ensure_can, lock

from .. import notifications
from ..models import SCRUTINY_ROLES, Role, Strategy
from ..selectors import holds_any_role
from ..selectors.notices import notice_defaults
from .common import locked_strategy, record_strategy_change, require_manager_of
from .gates import is_key_decision


def _refuse_once_decided(gate: Gate, transition: str, consequence: str) -> None:
    """The gate's machine allows notices and exemptions only until the decision is taken: say so in those words."""
    try:
        ensure_can(gate, transition)
    except TransitionNotAllowed as exc:
        raise TransitionNotAllowed(
            f"The decision has already been taken, so {consequence}.", state=exc.state, allowed=exc.allowed
        ) from exc


def forward_plan_publish(
    *,
    actor,
    strategy_id: int,
    decision_date: dt.date,
    matter: str = "",
    decision_maker: str = "",
    documents: str = "",
) -> Gate:
    """Publish the current gate's key decision on the forward plan: the matter, the decision-maker, the intended
    decision date and the documents submitted (the 2012 Regulations' notice; each left empty takes
    `notice_defaults`). Publishing again replaces the notice. Audited."""
    with transaction.atomic():
        strategy = locked_strategy(strategy_id)
        require_manager_of(strategy, actor, "publish this strategy's forward-plan notice")
        gate = lock(Gate, strategy.current_gate_id)
        if not is_key_decision(strategy):
            raise InvalidInput(
                {"decision_date": "This gate is not a key decision, so it needs no forward-plan notice."}
            )
        _refuse_once_decided(gate, "publish_forward_plan_notice", "its forward-plan notice cannot change")
        today = timezone.localdate()
        earliest = earliest_date_after_clear_days(today, settings.FORWARD_PLAN_CLEAR_DAYS)
        if not isinstance(decision_date, dt.date):
            raise InvalidInput({"decision_date": "Enter the intended decision date."})
        if decision_date < earliest:
            raise InvalidInput(
                {
                    "decision_date": f"A notice published today allows a decision on {earliest:%-d %B %Y} at the "
                    f"earliest ({settings.FORWARD_PLAN_CLEAR_DAYS} clear days)."
                }
            )
        if len(decision_maker.strip()) > 300:
            raise InvalidInput({"decision_maker": "Name the decision-maker in 300 characters or fewer."})
        defaults = notice_defaults(strategy)
        words = {
            "matter": matter.strip() or defaults["matter"],
            "decision_maker": decision_maker.strip() or defaults["decision_maker"],
            "documents": "\n".join(line.strip() for line in documents.splitlines() if line.strip())
            or defaults["documents"],
        }
        apply_transition(
            gate,
            "publish_forward_plan_notice",
            actor=actor,
            data={
                "notice_published_on": today.isoformat(),
                "intended_decision_date": decision_date.isoformat(),
                "decision_maker": words["decision_maker"],
            },
            params={"published_on": today, "decision_date": decision_date, "not_before": earliest, **words},
        )
        record_strategy_change(strategy)
    return gate


def urgency_exemption_agree(*, actor, strategy_id: int, reason: str) -> Gate:
    """The scrutiny chair lets a key decision be taken without the full forward-plan notice. Audited."""
    with transaction.atomic():
        strategy = locked_strategy(strategy_id)
        if not holds_any_role(actor, strategy.lead_organisation_id, [Role.SCRUTINY_CHAIR]):
            raise NotPermitted(
                f"Only the scrutiny chair at {strategy.lead_organisation} can agree an urgency exemption."
            )
        if not (reason or "").strip():
            raise InvalidInput({"reason": "Record why the decision is urgent."})
        gate = lock(Gate, strategy.current_gate_id)
        if not is_key_decision(strategy):
            raise InvalidInput({"reason": "This gate is not a key decision, so it needs no exemption."})
        _refuse_once_decided(gate, "agree_urgency_exemption", "no urgency exemption can be agreed now")
        apply_transition(
            gate,
            "agree_urgency_exemption",
            actor=actor,
            reason=reason,
            params={"by": actor, "at": timezone.now(), "reason": reason.strip(), "not_before": timezone.localdate()},
        )
        record_strategy_change(strategy)
    return gate


def call_in_exemption_agree(*, actor, strategy_id: int, reason: str) -> Gate:
    """The scrutiny chair agrees that an urgent key decision takes effect as soon as it is taken, with no call-in
    window, where the lead organisation's constitution allows it; the record of decision then says so, by whose
    agreement and why. Only until the decision is taken. Audited."""
    with transaction.atomic():
        strategy = locked_strategy(strategy_id)
        organisation = strategy.lead_organisation
        if not holds_any_role(actor, organisation.pk, [Role.SCRUTINY_CHAIR]):
            raise NotPermitted(
                f"Only the scrutiny chair at {organisation} can agree that a decision is exempt from call-in."
            )
        if not organisation.urgent_decisions_may_skip_call_in:
            raise NotPermitted(
                f"The constitution of {organisation} does not allow urgent decisions to be exempt from call-in "
                "(an administrator records what it allows)."
            )
        if not (reason or "").strip():
            raise InvalidInput(
                {
                    "reason": "Record why the decision is urgent: why the delay of a call-in would seriously harm the "
                    "council's or the public's interests."
                }
            )
        gate = lock(Gate, strategy.current_gate_id)
        if not (gate.key_decision or is_key_decision(strategy)):
            raise InvalidInput({"reason": "This gate is not a key decision, so it has no call-in window."})
        _refuse_once_decided(gate, "agree_call_in_exemption", "it can no longer be made exempt from call-in")
        apply_transition(
            gate,
            "agree_call_in_exemption",
            actor=actor,
            reason=reason.strip(),
            params={"by": actor, "at": timezone.now(), "reason": reason.strip()},
        )
        record_strategy_change(strategy)
    return gate


def seat_decide(
    *,
    actor,
    seat_id: int,
    outcome: str,
    reasons: str = "",
    conditions: Sequence[ConditionSpec] = (),
    record: RecordSpec | None = None,
    expected_gate_version: int | None = None,
) -> Decision:
    """Decide a seat (see `workflows.services.seat_decide`) and record the change on the strategy."""
    strategy_id = Strategy.objects.filter(current_gate__seats__pk=seat_id).values_list("pk", flat=True).first()
    if strategy_id is None:
        seat_exists = Seat.objects.filter(pk=seat_id).exists()
        raise InvalidInput(
            {"seat": "This seat belongs to a gate that is no longer current." if seat_exists else "No such seat."}
        )
    with transaction.atomic():
        strategy = locked_strategy(strategy_id)
        decision = engine.seat_decide(
            seat_id=seat_id,
            actor=actor,
            outcome=outcome,
            reasons=reasons,
            conditions=conditions,
            record=record,
            expected_gate_version=expected_gate_version,
        )
        record_strategy_change(strategy)
        gate = Gate.objects.get(pk=decision.gate_id)
        notifications.gate_moved(strategy, gate)
        notifications.actions_agreed(strategy, list(decision.actions.select_related("owner").order_by("pk")))
    return decision


def decision_call_in(*, actor, strategy_id: int, reason: str) -> Gate:
    """A scrutiny member calls in a key decision during its call-in window. Audited."""
    with transaction.atomic():
        strategy = locked_strategy(strategy_id)
        if not holds_any_role(actor, strategy.lead_organisation_id, SCRUTINY_ROLES):
            raise NotPermitted(f"Only scrutiny members at {strategy.lead_organisation} can call in its decisions.")
        gate = lock(Gate, strategy.current_gate_id)
        engine.gate_call_in(gate=gate, actor=actor, reason=reason)
        record_strategy_change(strategy)
        notifications.decision_called_in(strategy, gate)
    return gate


def decision_refer_back(*, actor, strategy_id: int, reason: str) -> Gate:
    """The scrutiny chair sends a called-in decision back to its decision-maker to reconsider. Audited."""
    with transaction.atomic():
        strategy = locked_strategy(strategy_id)
        if not holds_any_role(actor, strategy.lead_organisation_id, [Role.SCRUTINY_CHAIR]):
            raise NotPermitted(f"Only the scrutiny chair at {strategy.lead_organisation} can refer a decision back.")
        gate = lock(Gate, strategy.current_gate_id)
        engine.gate_refer_back(gate=gate, actor=actor, reason=reason)
        record_strategy_change(strategy)
        notifications.decision_referred_back(strategy, gate)
    return gate


def call_in_window_close(*, strategy_id: int) -> bool:
    """Pass the strategy's gate if its call-in window has closed with no call-in (system). False if nothing to do."""
    with transaction.atomic():
        strategy = locked_strategy(strategy_id)
        if strategy.current_gate_id is None:
            return False
        gate = lock(Gate, strategy.current_gate_id)
        closed = engine.gate_close_call_in(gate=gate)
        if closed:
            record_strategy_change(strategy)
            notifications.gate_moved(strategy, gate)
    return closed
