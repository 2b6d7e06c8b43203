"""Periodic sweeps of the domain. Each is idempotent, batched, and changes state only through the services.

- call-in windows: a key decision whose window has closed without a call-in passes; the lead officer is told;
- decision dates: when a key decision's earliest decision date arrives, its decision-makers are told;
- review cycles: strategies in Do get their periodic performance reviews; at the review date, a strategy whose Do
  gate has passed moves into Review (actor: the system) and its lead officer is told;
- stalled strategies: no change for STALLED_AFTER_DAYS is flagged to the lead officer and managers, at most weekly;
- weekly digest: each person gets one message a week listing the seats and actions waiting for them.
"""

from __future__ import annotations

import datetime as dt
import logging

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from workflows.exceptions import WorkflowError
from workflows.models import Action, ActionState, GateState, Seat, SeatState
from workflows.sweeps import SweepReport, batches, people_by_id, seat_recipient_ids

from . import notifications, services
from .models import PerformanceReview, Stage, Strategy

log = logging.getLogger(__name__)


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def close_call_in_windows(*, batch_size: int = 200) -> SweepReport:
    report = SweepReport("call-in windows")
    due = Strategy.objects.filter(
        current_gate__state=GateState.CALL_IN, current_gate__call_in_ends_at__lte=timezone.now()
    ).only("pk")
    for batch in batches(due, batch_size):
        report.batches += 1
        for strategy in batch:
            report.examined += 1
            if services.call_in_window_close(strategy_id=strategy.pk):
                report.reminders += 1
    return report


def announce_decision_dates(*, today: dt.date | None = None, batch_size: int = 500) -> SweepReport:
    """Tell decision-makers when a key decision they had to wait for may now be taken."""
    today = today or timezone.localdate()
    report = SweepReport("decision dates")
    waiting = Seat.objects.filter(
        state=SeatState.PENDING,
        requires_record_of_decision=True,
        gate__state=GateState.SUBMITTED,
        gate__key_decision=True,
        gate__decision_not_before__lte=today,
        gate__decision_not_before__gt=TruncDate("gate__submitted_at"),
    ).select_related("gate")
    for batch in batches(waiting, batch_size):
        report.batches += 1
        report.examined += len(batch)
        strategies = Strategy.objects.in_bulk([s.gate.subject_id for s in batch])
        with transaction.atomic():
            for seat in batch:
                strategy = strategies[seat.gate.subject_id]
                report.messages += notifications.seats_to_decide(
                    strategy, seat.gate, [seat], template="decision_date_reached"
                )
    return report


def run_review_cycles(*, today: dt.date | None = None, batch_size: int = 500) -> SweepReport:
    today = today or timezone.localdate()
    report = SweepReport("review cycles")
    in_do = Strategy.objects.filter(stage=Stage.DO).select_related("lead_officer", "lead_organisation", "current_gate")
    for batch in batches(in_do, batch_size):
        report.batches += 1
        for strategy in batch:
            report.examined += 1
            report.reminders += _performance_review(strategy, today)
            passed = strategy.current_gate is not None and strategy.current_gate.state == GateState.PASSED
            if passed and strategy.next_review_date and strategy.next_review_date <= today:
                try:
                    services.strategy_advance(actor=None, strategy_id=strategy.pk, expected_version=strategy.version)
                    report.reminders += 1
                except WorkflowError as exc:  # changed meanwhile: the next sweep looks again
                    log.info("Review of %s not started: %s", strategy.reference, exc)
    return report


def _performance_review(strategy: Strategy, today: dt.date) -> int:
    """Create (and announce) the latest performance review that has fallen due, if it is not there yet."""
    started = timezone.localdate(strategy.stage_entered_at)
    months = strategy.review_cadence_months
    periods = 0
    while started + relativedelta(months=months * (periods + 1)) <= today:
        periods += 1
    if periods == 0:
        return 0
    due_on = started + relativedelta(months=months * periods)
    with transaction.atomic():
        review, created = PerformanceReview.objects.get_or_create(
            strategy=strategy, cycle=strategy.cycle, due_on=due_on
        )
        if created:
            notifications.performance_review_due(review)
    return int(created)


def flag_stalled_strategies(*, now: dt.datetime | None = None, batch_size: int = 500) -> SweepReport:
    """Strategies with no change for STALLED_AFTER_DAYS (those in delivery after their Do gate passed excepted)."""
    now = now or timezone.now()
    days = settings.STALLED_AFTER_DAYS
    report = SweepReport("stalled strategies")
    stalled = (
        Strategy.objects.exclude(stage=Stage.CLOSED)
        .exclude(Q(stage=Stage.DO) & Q(current_gate__state=GateState.PASSED))
        .filter(updated_at__lt=now - dt.timedelta(days=days))
        .select_related("lead_officer", "lead_organisation", "current_gate")
    )
    week = _iso_week(timezone.localdate(now))
    for batch in batches(stalled, batch_size):
        report.batches += 1
        with transaction.atomic():
            for strategy in batch:
                report.examined += 1
                idle = (now - strategy.updated_at).days
                written = notifications.strategy_stalled(strategy, week=week, days=idle)
                report.messages += written
                report.reminders += int(bool(written))
    return report


def send_weekly_digests(*, today: dt.date | None = None, batch_size: int = 1000, per_person: int = 50) -> SweepReport:
    """One message a week per person with seats or actions waiting for them (the first `per_person` of each)."""
    today = today or timezone.localdate()
    report = SweepReport("weekly digest")
    week = _iso_week(today)
    seats_for: dict[int, list[dict]] = {}
    pending = Seat.objects.filter(state=SeatState.PENDING, gate__state=GateState.SUBMITTED).select_related("gate")
    for batch in batches(pending, batch_size):
        report.batches += 1
        report.examined += len(batch)
        by_id = {seat.pk: seat for seat in batch}
        for seat_id, people in seat_recipient_ids(batch, today).items():
            seat = by_id[seat_id]
            for person_id in people:
                items = seats_for.setdefault(person_id, [])
                if len(items) < per_person:
                    items.append({"gate": seat.gate.title, "seat": seat.label, "due_on": f"{seat.due_on:%-d %B %Y}"})
    actions_for: dict[int, list[dict]] = {}
    for batch in batches(Action.objects.filter(state=ActionState.OPEN), batch_size):
        report.batches += 1
        report.examined += len(batch)
        for action in batch:
            items = actions_for.setdefault(action.owner_id, [])
            if len(items) < per_person:
                items.append({"action": action.description, "due_on": f"{action.due_on:%-d %B %Y}"})
    people = people_by_id(set(seats_for) | set(actions_for))
    with transaction.atomic():
        for person_id, person in sorted(people.items()):
            written = notifications.weekly_digest(
                person, week=week, seats=seats_for.get(person_id, []), actions=actions_for.get(person_id, [])
            )
            report.messages += written
            report.reminders += int(bool(written))
    return report
