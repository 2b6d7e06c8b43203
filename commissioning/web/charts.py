"""Accessible charts drawn on the server as SVG: no JavaScript, no inline styles, and the same figures are always
shown in a table next to the chart.

Each chart is an `<svg role="img">` labelled by its `<title>` and described by its `<desc>`, which says in words
what the chart shows (every figure and the target), so a screen reader gets the whole picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 320
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 48  # margins inside the drawing, for the axis labels
TICKS = 5


@dataclass(frozen=True)
class Point:
    label: str
    value: Decimal


@dataclass(frozen=True)
class ChartRow:
    """One row of the table that repeats the chart's figures."""

    label: str
    value: Decimal
    target: Decimal | None
    met: bool | None

    @property
    def value_text(self) -> str:
        return number(self.value)

    @property
    def target_text(self) -> str:
        return "" if self.target is None else number(self.target)


def number(value: Decimal) -> str:
    """A figure as people write it: thousands separated, no trailing .00."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _nice_top(highest: Decimal) -> Decimal:
    """A round number at or above `highest`, so the axis reads 0, 25, 50, 75, 100 rather than 0, 23.7…"""
    if highest <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(highest))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = magnitude * Decimal(str(step))
        if top >= highest:
            return top
    return magnitude * 10


def rows(points: list[Point], *, target: Decimal | None, higher_is_better: bool = True) -> list[ChartRow]:
    found = []
    for point in points:
        met = None
        if target is not None:
            met = point.value >= target if higher_is_better else point.value <= target
        found.append(ChartRow(label=point.label, value=point.value, target=target, met=met))
    return found


def describe(points: list[Point], *, unit: str, target: Decimal | None, higher_is_better: bool = True) -> str:
    if not points:
        return "No figures have been returned yet."
    figures = "; ".join(f"{p.label}: {number(p.value)} {unit}".strip() for p in points)
    text = f"Bar chart of {len(points)} figure{'s' if len(points) != 1 else ''} by period. {figures}."
    if target is not None:
        better = "higher" if higher_is_better else "lower"
        met = sum(1 for r in rows(points, target=target, higher_is_better=higher_is_better) if r.met)
        text += (
            f" The target is {number(target)} {unit} ({better} is better), shown as a dashed line; "
            f"{met} of {len(points)} figures meet it."
        )
    return text


def bar_chart(
    *,
    chart_id: str,
    title: str,
    points: list[Point],
    unit: str = "",
    target: Decimal | None = None,
    higher_is_better: bool = True,
) -> SafeString:
    """An SVG bar chart of `points` with an optional dashed target line. Values below zero are drawn from zero."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    values = [p.value for p in points] + ([target] if target is not None else [])
    top = _nice_top(max([Decimal(0), *values]))
    bottom = min([Decimal(0), *values])
    if bottom < 0:
        bottom = -_nice_top(-bottom)
    span = top - bottom

    def y(value: Decimal) -> float:
        return round(TOP + float((top - value) / span) * plot_h, 1)

    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" viewBox="0 0 {} {}" width="{}" height="{}" '
            'role="img" aria-labelledby="{}-title {}-desc" focusable="false">',
            WIDTH,
            HEIGHT,
            WIDTH,
            HEIGHT,
            chart_id,
            chart_id,
        ),
        format_html('<title id="{}-title">{}</title>', chart_id, title),
        format_html(
            '<desc id="{}-desc">{}</desc>',
            chart_id,
            describe(points, unit=unit, target=target, higher_is_better=higher_is_better),
        ),
    ]
    # Axis with ticks and gridlines.
    for index in range(TICKS + 1):
        value = bottom + span * Decimal(index) / TICKS
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#b1b4b6" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="14" fill="#0b0c0c">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                y(value),
                y(value),
                LEFT - 8,
                y(value) + 5,
                number(value.quantize(Decimal("0.01"))),
            )
        )
    if points:
        slot = plot_w / len(points)
        bar_w = max(round(slot * 0.6, 1), 1)
        for index, point in enumerate(points):
            x = round(LEFT + slot * index + (slot - bar_w) / 2, 1)
            y_top, y_zero = y(max(point.value, Decimal(0))), y(min(point.value, Decimal(0)))
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="#1d70b8"/>'
                    '<text x="{}" y="{}" text-anchor="middle" font-size="14" fill="#0b0c0c">{}</text>',
                    x,
                    y_top,
                    bar_w,
                    max(round(y_zero - y_top, 1), 0),
                    round(x + bar_w / 2, 1),
                    HEIGHT - BOTTOM + 20,
                    point.label,
                )
            )
    parts.append(
        format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#0b0c0c" stroke-width="2"/>',
            LEFT,
            WIDTH - RIGHT,
            y(Decimal(0)),
            y(Decimal(0)),
        )
    )
    if target is not None:
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d4351c" stroke-width="3" stroke-dasharray="8 6"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="14" fill="#d4351c">Target {}</text>',
                LEFT,
                WIDTH - RIGHT,
                y(target),
                y(target),
                WIDTH - RIGHT,
                y(target) - 6,
                number(target),
            )
        )
    parts.append(mark_safe("</svg>"))
    return format_html_join("", "{}", ((part,) for part in parts))
