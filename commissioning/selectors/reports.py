"""The reports' figures over the strategies a person may see: strategies by stage, time per stage and waiting at
gates, overdue seats and actions by organisation. Counts are aggregated in SQL; durations come from one
`values_list` per table, summarised in Python. Each report is a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from workflows.models import Action, ActionState, Gate, GateState, Seat, SeatState

from ..models import CYCLE_STAGES, RoleAssignment, Stage, StagePeriod, active_on
from .strategies import strategies_visible_to

SECONDS_PER_DAY = 86400
NO_ORGANISATION = "No organisation (owner holds no role today)"


def median(values: Sequence[float]) -> float | None:
    """The middle value; with an even count, the mean of the two middle values."""
    return statistics.median(values) if values else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: sort the values and take the one at rank ⌈p/100 × n⌉ (counting from 1)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def days(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / SECONDS_PER_DAY


def one_decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _visible_gates(user):
    return Gate.objects.filter(
        subject_type__app_label="commissioning",
        subject_type__model="strategy",
        subject_id__in=strategies_visible_to(user).values("pk"),
    )


# --------------------------------------------------------------------------------------------------------------
# (a) Strategies by stage
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageCount:
    stage: str
    count: int


def strategies_by_stage(user) -> list[StageCount]:
    """How many visible strategies are in each stage, every stage listed (one query)."""
    visible = strategies_visible_to(user).order_by()
    counts = dict(visible.values("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    return [StageCount(stage.label, counts.get(stage.value, 0)) for stage in Stage]


# --------------------------------------------------------------------------------------------------------------
# (b) Time per stage and waiting at gates
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageTiming:
    stage: str
    finished: int
    median_days: float | None
    p90_days: float | None
    in_stage_now: int
    median_days_so_far: float | None
    decided: int
    median_wait_days: float | None
    p90_wait_days: float | None
    waiting_now: int
    median_wait_so_far: float | None


def time_in_stage(user, now: dt.datetime | None = None) -> list[StageTiming]:
    """Days spent in each stage (finished stage periods; periods still open are summarised apart, "so far") and
    days each stage's gate waited for its decision (submitted to approved or rejected; gates still waiting apart).
    Two queries."""
    now = now or timezone.now()
    visible = strategies_visible_to(user).values("pk")
    finished: dict[str, list[float]] = {s: [] for s in CYCLE_STAGES}
    so_far: dict[str, list[float]] = {s: [] for s in CYCLE_STAGES}
    periods = StagePeriod.objects.filter(strategy_id__in=visible).values_list("stage", "entered_at", "left_at")
    for stage, entered_at, left_at in periods:
        if stage in finished:
            (finished if left_at else so_far)[stage].append(days(entered_at, left_at or now))
    waited: dict[str, list[float]] = {s: [] for s in CYCLE_STAGES}
    waiting: dict[str, list[float]] = {s: [] for s in CYCLE_STAGES}
    gates = (
        _visible_gates(user)
        .filter(submitted_at__isnull=False)
        .values_list("stage", "state", "submitted_at", "decided_at")
    )
    for stage, state, submitted_at, decided_at in gates:
        if stage not in waited:
            continue
        if state == GateState.SUBMITTED:
            waiting[stage].append(days(submitted_at, now))
        elif decided_at is not None:
            waited[stage].append(days(submitted_at, decided_at))
    return [
        StageTiming(
            stage=stage.label,
            finished=len(finished[stage]),
            median_days=one_decimal(median(finished[stage])),
            p90_days=one_decimal(percentile(finished[stage], 90)),
            in_stage_now=len(so_far[stage]),
            median_days_so_far=one_decimal(median(so_far[stage])),
            decided=len(waited[stage]),
            median_wait_days=one_decimal(median(waited[stage])),
            p90_wait_days=one_decimal(percentile(waited[stage], 90)),
            waiting_now=len(waiting[stage]),
            median_wait_so_far=one_decimal(median(waiting[stage])),
        )
        for stage in CYCLE_STAGES
    ]


# --------------------------------------------------------------------------------------------------------------
# (c) Overdue seats and actions by organisation
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueCount:
    organisation: str
    seats: int
    actions: int

    @property
    def total(self) -> int:
        return self.seats + self.actions


def overdue_by_organisation(user, today: dt.date | None = None) -> list[OverdueCount]:
    """Overdue (due before today) pending seats of submitted gates, by the seat's organisation; and overdue open
    actions, by every organisation where the action's owner holds a role today (an owner with roles at two
    organisations counts at both; one with none is counted apart). Three queries. Most overdue first."""
    today = today or timezone.localdate()
    gates = _visible_gates(user).values("pk")
    seats = dict(
        Seat.objects.filter(
            state=SeatState.PENDING, gate__state=GateState.SUBMITTED, due_on__lt=today, gate_id__in=gates
        )
        .order_by()
        .values("organisation__name")
        .annotate(n=Count("pk"))
        .values_list("organisation__name", "n")
    )
    overdue_actions = Action.objects.filter(state=ActionState.OPEN, due_on__lt=today, gate_id__in=gates)
    actions = dict(
        RoleAssignment.objects.filter(active_on(today), person__actions__in=overdue_actions)
        .order_by()
        .values("organisation__name")
        .annotate(n=Count("person__actions", distinct=True))
        .values_list("organisation__name", "n")
    )
    holds_a_role = RoleAssignment.objects.filter(person_id=OuterRef("owner_id")).filter(active_on(today))
    unplaced = overdue_actions.exclude(Exists(holds_a_role)).count()
    if unplaced:
        actions[NO_ORGANISATION] = unplaced
    rows = [OverdueCount(name, seats.get(name, 0), actions.get(name, 0)) for name in set(seats) | set(actions)]
    return sorted(rows, key=lambda row: (-row.total, row.organisation))
