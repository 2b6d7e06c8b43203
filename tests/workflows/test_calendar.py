"""Working days skip weekends, England and Wales bank holidays and the admin's closure days."""

import datetime as dt

import pytest

from tests.workflows.testapp.world import NonWorkingDayFactory
from workflows.calendar import (
    add_working_days,
    clear_days_between,
    earliest_date_after_clear_days,
    is_working_day,
    working_days_between,
)

pytestmark = pytest.mark.django_db


def test_christmas_2026_skips_christmas_day_the_weekend_and_the_substitute_boxing_day():
    # Thu 24 Dec 2026 + 1 working day: Fri 25 (Christmas), Sat, Sun, Mon 28 (Boxing Day observed) are not.
    assert add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)


def test_five_working_days_across_christmas_and_new_year_2026():
    # From Wed 23 Dec: 24, 29, 30, 31 Dec, then 1 Jan is a bank holiday, so Mon 4 Jan 2027.
    assert add_working_days(dt.date(2026, 12, 23), 5) == dt.date(2027, 1, 4)


def test_christmas_2027_falls_at_a_weekend_so_two_substitute_days_are_skipped():
    assert not is_working_day(dt.date(2027, 12, 27))
    assert not is_working_day(dt.date(2027, 12, 28))
    assert add_working_days(dt.date(2027, 12, 24), 1) == dt.date(2027, 12, 29)


def test_easter_2027_skips_good_friday_and_easter_monday():
    # Thu 25 Mar 2027 + 1: Good Friday 26, weekend, Easter Monday 29, so Tue 30 March.
    assert add_working_days(dt.date(2027, 3, 25), 1) == dt.date(2027, 3, 30)
    assert working_days_between(dt.date(2027, 3, 25), dt.date(2027, 3, 30)) == 1


def test_an_admin_closure_day_is_not_a_working_day():
    assert is_working_day(dt.date(2026, 12, 24))
    NonWorkingDayFactory(date=dt.date(2026, 12, 24), name="County closure")
    assert not is_working_day(dt.date(2026, 12, 24))
    assert add_working_days(dt.date(2026, 12, 23), 1) == dt.date(2026, 12, 29)


def test_counting_backwards_and_zero_days():
    assert add_working_days(dt.date(2026, 12, 29), -1) == dt.date(2026, 12, 24)
    assert add_working_days(dt.date(2026, 12, 25), 0) == dt.date(2026, 12, 25)
    assert working_days_between(dt.date(2027, 1, 4), dt.date(2026, 12, 23)) == -5


def test_clear_days_exclude_the_day_of_notice_and_the_day_of_decision():
    assert clear_days_between(dt.date(2026, 11, 2), dt.date(2026, 11, 3)) == 0
    assert clear_days_between(dt.date(2026, 11, 2), dt.date(2026, 12, 1)) == 28
    # 28 clear days after a notice on 2 November: the decision may be taken on 1 December, not 30 November.
    assert earliest_date_after_clear_days(dt.date(2026, 11, 2), 28) == dt.date(2026, 12, 1)
    assert clear_days_between(dt.date(2026, 11, 2), dt.date(2026, 11, 30)) == 27
