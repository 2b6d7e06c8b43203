"""The reports page: for people with a role at an organisation, over the strategies they may see, each report as a
table, an SVG chart and a CSV file, all from the same figures (`selectors.reports`)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from commissioning import selectors
from commissioning.selectors.reports import overdue_by_organisation, strategies_by_stage, time_in_stage

from .svg import Bar, bar_chart


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
