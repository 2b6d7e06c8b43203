"""Reports for people with a role at an organisation, over the strategies they may see, each as a table, a chart and
a CSV file; and each person's iCalendar feed of the deadlines waiting on them.

Every report costs a fixed number of queries: counts are aggregated in SQL, and durations come from one
`values_list` per table, summarised in Python.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import secrets
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from icalendar import Calendar, Event

from commissioning import selectors
from commissioning.models import CYCLE_STAGES, CalendarFeed, RoleAssignment, Stage, StagePeriod, Strategy, active_on
from workflows.models import Action, ActionState, Gate, GateState, Seat, SeatState

from .svg import Bar, bar_chart

SECONDS_PER_DAY = 86400
NO_ORGANISATION = "No organisation (owner holds no role today)"


# --------------------------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------------------------


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
        subject_id__in=selectors.strategies_visible_to(user).values("pk"),
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
    visible = selectors.strategies_visible_to(user).order_by()
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
    visible = selectors.strategies_visible_to(user).values("pk")
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


# --------------------------------------------------------------------------------------------------------------
# The reports: table rows, chart and CSV from the same data
# --------------------------------------------------------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _blank(value) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Table:
    caption: str
    header: list[str]
    rows: list[list]


@dataclass(frozen=True)
class Report:
    """One report: `header` and `rows` are the CSV; `tables` show the same data on the page, beside `charts`."""

    name: str
    title: str
    header: list[str]
    rows: list[list]
    charts: list
    tables: list[Table] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.tables:
            self.tables.append(Table(self.title, self.header, self.rows))

    @property
    def csv_name(self) -> str:
        return f"{self.name}.csv"


def report_strategies_by_stage(user) -> Report:
    data = strategies_by_stage(user)
    total = sum(row.count for row in data)
    chart = bar_chart(
        chart_id="chart-by-stage",
        title="Strategies by stage",
        description=f"Bar chart of the {total} strategies you can see, by stage: "
        + "; ".join(f"{row.stage} {row.count}" for row in data)
        + ".",
        bars=[Bar(row.stage, row.count) for row in data],
        axis_label="Number of strategies",
    )
    return Report(
        name="strategies-by-stage",
        title="Strategies by stage",
        header=["Stage", "Strategies"],
        rows=[[row.stage, row.count] for row in data],
        charts=[chart],
    )


def report_time_in_stage(user) -> Report:
    data = time_in_stage(user)

    def describe(values: list[tuple[str, float | None, int]]) -> str:
        return "; ".join(
            f"{stage} {value:g} days (from {n})" if value is not None else f"{stage} no data"
            for stage, value, n in values
        )

    charts = [
        bar_chart(
            chart_id="chart-time-in-stage",
            title="Median days spent in each stage",
            description="Bar chart of the median number of days strategies spent in each stage, finished stages only: "
            + describe([(row.stage, row.median_days, row.finished) for row in data])
            + ".",
            bars=[Bar(row.stage, row.median_days, "" if row.median_days is not None else "no data") for row in data],
            axis_label="Median days in stage",
        ),
        bar_chart(
            chart_id="chart-waiting-at-gates",
            title="Median days waiting at each stage's gate",
            description="Bar chart of the median number of days from submitting a stage's gate to its decision: "
            + describe([(row.stage, row.median_wait_days, row.decided) for row in data])
            + ".",
            bars=[
                Bar(row.stage, row.median_wait_days, "" if row.median_wait_days is not None else "no data")
                for row in data
            ],
            axis_label="Median days waiting for a decision",
        ),
    ]
    in_stage = [
        [row.stage, row.finished, row.median_days, row.p90_days, row.in_stage_now, row.median_days_so_far]
        for row in data
    ]
    at_gate = [
        [row.stage, row.decided, row.median_wait_days, row.p90_wait_days, row.waiting_now, row.median_wait_so_far]
        for row in data
    ]
    return Report(
        name="time-in-stage",
        title="Time per stage and waiting at gates",
        header=[
            "Stage",
            "Finished stage periods",
            "Median days in stage",
            "90th percentile days in stage",
            "Strategies in stage now",
            "Median days in stage so far",
            "Gate decisions",
            "Median days waiting for decision",
            "90th percentile days waiting for decision",
            "Gates waiting now",
            "Median days waiting so far",
        ],
        rows=[[*a, *g[1:]] for a, g in zip(in_stage, at_gate, strict=True)],
        charts=charts,
        tables=[
            Table(
                "Time spent in each stage (days)",
                ["Stage", "Finished", "Median", "90th percentile", "In stage now", "Median so far"],
                in_stage,
            ),
            Table(
                "Waiting at each stage's gate for a decision (days)",
                ["Stage", "Decided", "Median", "90th percentile", "Waiting now", "Median so far"],
                at_gate,
            ),
        ],
    )


def report_overdue(user) -> Report:
    data = overdue_by_organisation(user)
    chart = bar_chart(
        chart_id="chart-overdue",
        title="Overdue seats and actions by organisation",
        description="Bar chart of overdue sign-off seats and actions by organisation: "
        + (
            "; ".join(
                f"{row.organisation} {_count(row.seats, 'seat')} and {_count(row.actions, 'action')}" for row in data
            )
            or "none"
        )
        + ".",
        bars=[
            Bar(
                row.organisation,
                row.total,
                f"{row.total} ({_count(row.seats, 'seat')}, {_count(row.actions, 'action')})",
            )
            for row in data
        ],
        axis_label="Overdue seats and actions",
    )
    return Report(
        name="overdue",
        title="Overdue seats and actions by organisation",
        header=["Organisation", "Overdue seats", "Overdue actions", "Total"],
        rows=[[row.organisation, row.seats, row.actions, row.total] for row in data],
        charts=[chart],
    )


REPORTS: dict[str, Callable[..., Report]] = {
    "strategies-by-stage": report_strategies_by_stage,
    "time-in-stage": report_time_in_stage,
    "overdue": report_overdue,
}


def _require_a_role(user) -> None:
    if not user.is_superuser and not selectors.roles_of(user).exists():
        raise PermissionDenied("Reports are for people with a role at an organisation.")


@login_required
@require_GET
def reports(request):
    _require_a_role(request.user)
    context = {name.replace("-", "_"): build(request.user) for name, build in REPORTS.items()}
    context["today"] = timezone.localdate()
    return render(request, "reports/index.html", context)


@login_required
@require_GET
def report_csv(request, name: str):
    if name not in REPORTS:
        raise Http404("No such report")
    _require_a_role(request.user)
    report = REPORTS[name](request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{report.name}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(report.header)
    for row in report.rows:
        writer.writerow([_blank(value) for value in row])
    return response


# --------------------------------------------------------------------------------------------------------------
# iCalendar feed of a person's deadlines
# --------------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request):
    """The person's secret feed address; POST replaces the token, so the old address stops working."""
    feed, _ = CalendarFeed.objects.get_or_create(person=request.user)
    if request.method == "POST":
        feed.token = secrets.token_urlsafe(32)
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
        messages.success(request, "Your calendar link has been reset. The old link no longer works.")
        return redirect("calendar")
    url = request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))
    return render(request, "reports/calendar.html", {"feed": feed, "feed_url": url})


def deadlines_calendar(person, *, base_url: str) -> Calendar:
    """A VCALENDAR with one all-day event per pending seat the person may decide and per open action they own."""
    seats = list(selectors.seats_awaiting(person))
    actions = list(
        Action.objects.filter(owner=person, state=ActionState.OPEN).select_related("gate").order_by("due_on", "pk")
    )
    strategy_ids = {item.gate.subject_id for item in [*seats, *actions]}
    strategies = {
        pk: (reference, title)
        for pk, reference, title in Strategy.objects.filter(pk__in=strategy_ids).values_list("pk", "reference", "title")
    }
    calendar = Calendar()
    calendar.add("prodid", "-//Commissioning cycle//Deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Commissioning deadlines: {person}")
    calendar.add("x-published-ttl", dt.timedelta(hours=1))
    stamp = timezone.now().replace(microsecond=0)

    def event(uid: str, due_on: dt.date, summary: str, description: str, subject_id: int) -> Event:
        item = Event()
        item.add("uid", uid)
        item.add("dtstamp", stamp)
        item.add("dtstart", due_on)
        item.add("dtend", due_on + dt.timedelta(days=1))
        item.add("summary", summary)
        reference = strategies.get(subject_id)
        if reference:
            url = f"{base_url}/strategies/{reference[0]}/"
            item.add("description", f"{description}\n\nStrategy {reference[0]}: {reference[1]}\n{url}")
            item.add("url", url)
        else:
            item.add("description", description)
        item.add("transp", "TRANSPARENT")
        return item

    for seat in seats:
        calendar.add_component(
            event(
                f"seat-{seat.pk}@commissioning",
                seat.due_on,
                f"Sign-off due: {seat.gate.title}",
                f"Your sign-off is needed as {seat.label} by {seat.due_on:%-d %B %Y}.",
                seat.gate.subject_id,
            )
        )
    for action in actions:
        short = action.description if len(action.description) <= 80 else action.description[:79] + "…"
        calendar.add_component(
            event(
                f"action-{action.pk}@commissioning",
                action.due_on,
                f"Action due: {short}",
                f"Due by {action.due_on:%-d %B %Y}: {action.description}\n\nGate: {action.gate.title}",
                action.gate.subject_id,
            )
        )
    return calendar


@require_GET
def calendar_feed(request, token: str):
    feed = get_object_or_404(CalendarFeed.objects.select_related("person"), token=token, person__is_active=True)
    base_url = request.build_absolute_uri("/").rstrip("/")
    body = deadlines_calendar(feed.person, base_url=base_url).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="commissioning-deadlines.ics"'
    response["Cache-Control"] = "private, max-age=0, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
