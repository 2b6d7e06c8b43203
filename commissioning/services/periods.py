"""Periods of outcome figures: calendar ones, `YYYY-MM` (a month), `YYYY-Qn` (Q1 is January to March) and `YYYY`
(a year), and financial-year ones as UK councils write them, `YYYY/YY` (April to March, e.g. 2026/27) and
`YYYY/YY Qn` (Q1 is April to June, Q4 January to March, e.g. 2026/27 Q1). Variants such as `2026-27`, `2026/27-Q1`
and `2026/27 q1` are read and written in that one form; `2026/28` is not a financial year. Plain functions of plain
values: the services decide what to do with them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

from ..models import OutcomeMeasure

EARLIEST_YEAR = 2001  # periods must fall after 2000
Period = OutcomeMeasure.Period


@dataclass(frozen=True)
class PeriodFormat:
    """How a kind of period is written and said."""

    pattern: re.Pattern  # what is accepted (the first group is always the year it starts in)
    shape: str  # what a period looks like, as the API's `period_format` says: YYYY/YY Qn
    example: str  # 2025/26 Q1
    how_often: str  # "quarterly, by financial-year quarters" (in "This measure is ...")
    each: str  # "financial quarter" (a chart of figures "by financial quarter")
    financial: bool = False


# A financial year: 2026/27 (or 2026-27); its quarter after a space, a hyphen or nothing: 2026/27 Q1, 2026/27-q1.
FINANCIAL_YEAR = r"([0-9]{4})\s*[/-]\s*([0-9]{2})"
PERIOD_FORMATS: dict[str, PeriodFormat] = {
    Period.MONTH: PeriodFormat(re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])"), "YYYY-MM", "2025-04", "monthly", "month"),
    Period.QUARTER: PeriodFormat(
        re.compile(r"([0-9]{4})-[Qq]([1-4])"), "YYYY-Qn", "2025-Q1", "quarterly, by calendar quarters", "quarter"
    ),
    Period.YEAR: PeriodFormat(re.compile(r"([0-9]{4})"), "YYYY", "2025", "yearly, by calendar years", "year"),
    Period.FINANCIAL_QUARTER: PeriodFormat(
        re.compile(FINANCIAL_YEAR + r"\s*-?\s*[Qq]([1-4])"),
        "YYYY/YY Qn",
        "2025/26 Q1",
        "quarterly, by financial-year quarters (Q1 is April to June)",
        "financial quarter",
        financial=True,
    ),
    Period.FINANCIAL_YEAR: PeriodFormat(
        re.compile(FINANCIAL_YEAR),
        "YYYY/YY",
        "2025/26",
        "yearly, by financial years (April to March)",
        "financial year",
        financial=True,
    ),
}
PERIOD_PATTERNS = {kind: spec.shape for kind, spec in PERIOD_FORMATS.items()}
FINANCIAL_QUARTER_MONTHS = {1: 4, 2: 7, 3: 10, 4: 1}  # the month each financial quarter begins in


def financial_year_label(year: int) -> str:
    """The financial year starting in April of `year`, as councils write it: 2026 gives 2026/27."""
    return f"{year:04d}/{(year + 1) % 100:02d}"


def parse_period(period_kind: str, period) -> tuple[str, dt.date]:
    """The period in its one stored form (`2025-q1` becomes `2025-Q1`, `2026-27 q1` becomes `2026/27 Q1`) and the
    day it begins, whether or not it has begun; ValueError says what is wrong."""
    spec = PERIOD_FORMATS[period_kind]
    match = spec.pattern.fullmatch(period.strip()) if isinstance(period, str) else None
    if match is None:
        raise ValueError(
            f"This measure is {spec.how_often}: enter the period as {spec.shape}, for example {spec.example}."
        )
    year = int(match.group(1))
    if spec.financial:
        label = financial_year_label(year)
        if int(match.group(2)) != (year + 1) % 100:
            written = f"{match.group(1)}/{match.group(2)}"
            raise ValueError(
                f"{written} is not a financial year: the second part must be the next year's last two digits, "
                f"as in {label}."
            )
    if period_kind == Period.MONTH:
        return f"{year:04d}-{match.group(2)}", dt.date(year, int(match.group(2)), 1)
    if period_kind == Period.QUARTER:
        quarter = int(match.group(2))
        return f"{year:04d}-Q{quarter}", dt.date(year, 3 * quarter - 2, 1)
    if period_kind == Period.YEAR:
        return f"{year:04d}", dt.date(year, 1, 1)
    if period_kind == Period.FINANCIAL_QUARTER:
        quarter = int(match.group(3))
        start = dt.date(year + 1 if quarter == 4 else year, FINANCIAL_QUARTER_MONTHS[quarter], 1)
        return f"{label} Q{quarter}", start
    return label, dt.date(year, 4, 1)


def period_start(period_kind: str, period) -> tuple[str, dt.date]:
    """The period normalised and the day it begins, for a figure: it must be in 2001 (2001/02) or later and must have
    begun. ValueError says what is wrong."""
    text, start = parse_period(period_kind, period)
    if int(text[:4]) < EARLIEST_YEAR:  # every period is written from the year it starts in
        earliest = financial_year_label(EARLIEST_YEAR) if PERIOD_FORMATS[period_kind].financial else EARLIEST_YEAR
        raise ValueError(f"The period must be in {earliest} or later.")
    if start > timezone.localdate():
        raise ValueError(
            f"{text} has not started yet (it begins on {start:%-d %B %Y}): figures can be returned only for periods "
            "that have begun."
        )
    return text, start
