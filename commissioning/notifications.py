"""Who is told about what. Each function writes outbox rows in the caller's transaction (see `workflows.outbox`).

Keys make every message unique: a change or sweep that happens twice tells nobody twice.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from workflows.models import Action, Gate, GateState, Seat, SeatState
from workflows.outbox import notify
from workflows.sweeps import people_by_id, seat_recipient_ids

from .models import SCRUTINY_ROLES, PerformanceReview, Role, RoleAssignment, Strategy, User, active_on


def _strategy_context(strategy: Strategy, gate: Gate | None = None) -> dict:
    gate = gate or strategy.current_gate
    context = {
        "strategy": f"{strategy.reference}: {strategy.title}",
        "stage": strategy.get_stage_display(),
        "cycle": strategy.cycle,
        "lead_organisation": strategy.lead_organisation.name,
        "link": "/",
    }
    if gate is not None:
        context |= {"gate": gate.title, "gate_state": gate.get_state_display(), "key_decision": gate.key_decision}
    return context


def _holders(organisation_id: int, roles) -> list[User]:
    today = timezone.localdate()
    return list(
        User.objects.filter(
            is_active=True,
            roles__in=RoleAssignment.objects.filter(organisation_id=organisation_id, role__in=roles).filter(
                active_on(today)
            ),
        )
        .distinct()
        .order_by("pk")
    )


def seats_to_decide(strategy: Strategy, gate: Gate, seats: list[Seat], *, template: str = "signoff_needed") -> int:
    """Tell everyone who may decide each pending seat that it waits for them."""
    seats = [s for s in seats if s.state == SeatState.PENDING]
    if not seats:
        return 0
    for seat in seats:
        seat.gate = gate
    recipients_of = seat_recipient_ids(seats, timezone.localdate())
    people = people_by_id(set().union(*recipients_of.values()))
    sent = 0
    for seat in seats:
        sent += notify(
            recipients=[people[pk] for pk in sorted(recipients_of[seat.pk]) if pk in people],
            key=f"seat:{seat.pk}:{template}",
            template=template,
            context=_strategy_context(strategy, gate)
            | {
                "seat": seat.label,
                "due_on": seat.due_on.isoformat(),
                "due_on_text": f"{seat.due_on:%A %-d %B %Y}",
                "decision_not_before": gate.decision_not_before.isoformat() if gate.decision_not_before else "",
            },
            subject=strategy,
        )
    return sent


def gate_submitted(strategy: Strategy, gate: Gate) -> int:
    return seats_to_decide(strategy, gate, list(gate.current_seats().order_by("pk")))


def gate_moved(strategy: Strategy, gate: Gate) -> int:
    """After a decision: tell the lead officer the gate was rejected or passed; open a call-in window to scrutiny."""
    key = f"gate:{gate.pk}:r{gate.round}:{gate.state}"
    context = _strategy_context(strategy, gate)
    if gate.state == GateState.REJECTED:
        reasons = list(
            gate.decisions.filter(seat__round=gate.round, outcome="reject").values_list("reasons", flat=True)
        )
        return notify(
            recipients=[strategy.lead_officer],
            key=key,
            template="gate_rejected",
            context=context | {"reasons": reasons},
            subject=strategy,
        )
    if gate.state == GateState.PASSED:
        return notify(
            recipients=[strategy.lead_officer], key=key, template="gate_passed", context=context, subject=strategy
        )
    if gate.state == GateState.CALL_IN:
        ends = timezone.localtime(gate.call_in_ends_at) - dt.timedelta(minutes=1)
        context |= {"call_in_ends": f"{ends:%A %-d %B %Y}"}
        return notify(
            recipients=[strategy.lead_officer, *_holders(strategy.lead_organisation_id, SCRUTINY_ROLES)],
            key=key,
            template="call_in_open",
            context=context,
            subject=strategy,
        )
    return 0


def actions_agreed(strategy: Strategy, actions: list[Action]) -> int:
    sent = 0
    for action in actions:
        sent += notify(
            recipients=[action.owner],
            key=f"action:{action.pk}:assigned",
            template="action_assigned",
            context=_strategy_context(strategy)
            | {"action": action.description, "due_on_text": f"{action.due_on:%A %-d %B %Y}"},
            subject=strategy,
        )
    return sent


def decision_called_in(strategy: Strategy, gate: Gate) -> int:
    makers = [
        d.principal for d in gate.decisions.filter(seat__requires_record_of_decision=True).select_related("principal")
    ]
    return notify(
        recipients=[strategy.lead_officer, *makers, *_holders(strategy.lead_organisation_id, [Role.SCRUTINY_CHAIR])],
        key=f"gate:{gate.pk}:called-in",
        template="decision_called_in",
        context=_strategy_context(strategy, gate) | {"reason": gate.call_in_reason},
        subject=strategy,
    )


def decision_referred_back(strategy: Strategy, gate: Gate) -> int:
    seats = list(gate.current_seats().filter(requires_record_of_decision=True, state=SeatState.PENDING))
    return seats_to_decide(strategy, gate, seats, template="decision_referred_back")


def moved_into_review(strategy: Strategy) -> int:
    return notify(
        recipients=[strategy.lead_officer],
        key=f"strategy:{strategy.pk}:cycle{strategy.cycle}:review-started",
        template="review_started",
        context=_strategy_context(strategy),
        subject=strategy,
    )


def performance_review_due(review: PerformanceReview) -> int:
    strategy = review.strategy
    return notify(
        recipients=[strategy.lead_officer],
        key=f"performance-review:{review.pk}:due",
        template="performance_review_due",
        context=_strategy_context(strategy) | {"due_on_text": f"{review.due_on:%A %-d %B %Y}"},
        subject=strategy,
    )


def strategy_stalled(strategy: Strategy, *, week: str, days: int) -> int:
    managers = _holders(strategy.lead_organisation_id, [Role.COMMISSIONING_MANAGER])
    return notify(
        recipients=[strategy.lead_officer, *managers],
        key=f"strategy:{strategy.pk}:stalled:{week}",
        template="strategy_stalled",
        context=_strategy_context(strategy) | {"days": days},
        subject=strategy,
    )


def weekly_digest(person: User, *, week: str, seats: list[dict], actions: list[dict]) -> int:
    return notify(
        recipients=[person],
        key=f"digest:{week}",
        template="weekly_digest",
        context={"week": week, "seats": seats, "actions": actions, "link": "/"},
    )
