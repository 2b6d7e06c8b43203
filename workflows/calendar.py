"""The working-day calendar: weekends, England and Wales bank holidays, and closure days set in the admin.

"Clear days" (the forward-plan rule) are calendar days that exclude both the day of notice and the day of
the decision.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    # England and Wales share one list of bank holidays; `holidays` computes it offline.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def _closures() -> frozenset[dt.date]:
    from .models import NonWorkingDay

    return frozenset(NonWorkingDay.objects.values_list("date", flat=True))


class WorkingCalendar:
    """A calendar for one computation: reads the admin's closure days once."""

    def __init__(self, extra_closures: frozenset[dt.date] | None = None) -> None:
        self.closures = _closures() if extra_closures is None else extra_closures

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in _bank_holidays(day.year) and day not in self.closures

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date `days` working days after `start` (before it, when negative). Zero gives `start`."""
        step = 1 if days >= 0 else -1
        remaining = abs(days)
        day = start
        while remaining:
            day += dt.timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def add_working_days(start: dt.date, days: int) -> dt.date:
    return WorkingCalendar().add_working_days(start, days)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return WorkingCalendar().working_days_between(start, end)


def is_working_day(day: dt.date) -> bool:
    return WorkingCalendar().is_working_day(day)


def clear_days_between(notice: dt.date, decision: dt.date) -> int:
    """Whole days strictly between the day of notice and the day of decision."""
    return max((decision - notice).days - 1, 0)


def earliest_date_after_clear_days(notice: dt.date, clear_days: int) -> dt.date:
    """The first day on which a decision may be taken after `clear_days` clear days' notice."""
    return notice + dt.timedelta(days=clear_days + 1)
