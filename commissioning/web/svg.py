"""A small server-side SVG bar chart: accessible (role="img", <title>, <desc>), no JavaScript, no style attributes.

Bars are horizontal, one per row, each labelled with its name on the left and its value as text at its end, so a
reader never has to judge a length or a colour. Colours are presentation attributes, allowed by a strict CSP.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from math import ceil, log10

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOUR = "#1d70b8"  # GOV.UK blue
TEXT_COLOUR = "#0b0c0c"
AXIS_COLOUR = "#505a5f"
CHARACTER_WIDTH = 9  # a generous average for 16px text, so labels are not clipped
PLOT_WIDTH = 420
VALUE_GAP = 8
ROW_HEIGHT = 32
BAR_HEIGHT = 20
TOP = 10
AXIS_SPACE = 56
FONT = 'font-family="GDS Transport, arial, sans-serif" font-size="16"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | int | Decimal | None
    value_text: str = ""  # how the value is written at the bar's end; defaults to the value


def _nice_top(largest: float) -> float:
    """A round axis maximum at or above the largest value (1, 2, 5 × a power of ten)."""
    if largest <= 0:
        return 1.0
    power = 10 ** int(log10(largest)) if largest >= 1 else 1
    for step in (1, 2, 5, 10):
        if largest <= step * power:
            return float(step * power)
    return float(ceil(largest))


def _number(value: float) -> str:
    return f"{value:g}"


def bar_chart(*, chart_id: str, title: str, description: str, bars: list[Bar], axis_label: str) -> SafeString:
    """Render `bars` as an inline SVG. `chart_id` makes the <title>/<desc> ids unique on the page."""
    values = [float(bar.value) for bar in bars if bar.value is not None]
    top = _nice_top(max(values, default=0))
    texts = [bar.value_text or ("no data" if bar.value is None else _number(float(bar.value))) for bar in bars]
    label_width = VALUE_GAP * 2 + CHARACTER_WIDTH * max((len(bar.label) for bar in bars), default=4)
    value_width = VALUE_GAP + CHARACTER_WIDTH * max((len(text) for text in texts), default=4)
    width = label_width + PLOT_WIDTH + VALUE_GAP + value_width
    height = TOP + ROW_HEIGHT * max(len(bars), 1) + AXIS_SPACE
    plot_bottom = TOP + ROW_HEIGHT * max(len(bars), 1)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    for index, (bar, text) in enumerate(zip(bars, texts, strict=True)):
        y = TOP + index * ROW_HEIGHT
        text_y = y + ROW_HEIGHT / 2 + 5
        length = 0.0 if bar.value is None else PLOT_WIDTH * float(bar.value) / top
        parts.append(
            f'<text x="{label_width - VALUE_GAP}" y="{text_y:g}" text-anchor="end" fill="{TEXT_COLOUR}" {FONT}>'
            f"{escape(bar.label)}</text>"
        )
        if length > 0:
            parts.append(
                f'<rect x="{label_width}" y="{y + (ROW_HEIGHT - BAR_HEIGHT) / 2:g}" width="{length:.1f}" '
                f'height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>'
            )
        parts.append(
            f'<text x="{label_width + length + VALUE_GAP:.1f}" y="{text_y:g}" fill="{TEXT_COLOUR}" {FONT}>'
            f"{escape(text)}</text>"
        )
    if not bars:
        parts.append(
            f'<text x="{label_width + VALUE_GAP}" y="{TOP + 21}" fill="{TEXT_COLOUR}" {FONT}>Nothing to show</text>'
        )
    # The value axis: a line, a tick at zero, halfway and the top, and the axis label.
    axis_y = plot_bottom + 4
    parts.append(
        f'<line x1="{label_width}" y1="{TOP}" x2="{label_width}" y2="{axis_y}" stroke="{AXIS_COLOUR}"/>'
        f'<line x1="{label_width}" y1="{axis_y}" x2="{label_width + PLOT_WIDTH}" y2="{axis_y}" stroke="{AXIS_COLOUR}"/>'
    )
    for fraction in (0, 0.5, 1):
        x = label_width + PLOT_WIDTH * fraction
        parts.append(
            f'<line x1="{x:g}" y1="{axis_y}" x2="{x:g}" y2="{axis_y + 5}" stroke="{AXIS_COLOUR}"/>'
            f'<text x="{x:g}" y="{axis_y + 22}" text-anchor="middle" fill="{TEXT_COLOUR}" {FONT}>'
            f"{_number(top * fraction)}</text>"
        )
    parts.append(
        f'<text x="{label_width + PLOT_WIDTH / 2:g}" y="{height - 6}" text-anchor="middle" fill="{TEXT_COLOUR}" '
        f"{FONT}>{escape(axis_label)}</text>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped
