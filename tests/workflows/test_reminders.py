"""Reminder and escalation rules, with time frozen, across weekends and bank holidays. A sweep run twice sends
nothing twice. The gates belong to the test app's `Proposal`; its directory says who holds which role."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.workflows.testapp.services import proposal_create, proposal_decide, proposal_submit, proposal_withdraw
from tests.workflows.testapp.world import DelegationFactory, ordinary_seats, person
from workflows import sweeps
from workflows.models import OutboxMessage
from workflows.services import ConditionSpec, action_complete

pytestmark = pytest.mark.django_db


def on(day: dt.date, hour: int = 7):
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(hour))), tick=False)


def sweep_seats(day):
    with on(day):
        return sweeps.seat_reminders()


def sweep_actions(day):
    with on(day):
        return sweeps.action_reminders()


def sent_since(mark: int, *, template_prefix: str):
    """(kind, username) for every e-mail message written since `mark` (each has an in-app twin)."""
    rows = OutboxMessage.objects.filter(pk__gt=mark, template__startswith=template_prefix).select_related("recipient")
    found = sorted((row.context["kind"], row.recipient.username) for row in rows if row.channel == "email")
    in_app = sorted((row.context["kind"], row.recipient.username) for row in rows if row.channel == "in_app")
    assert found == in_app
    return found


def last_id():
    return OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def gate_due_after_new_year(world):
    """Submitted on Friday 18 December 2026: its seats are due 10 working days later, Wednesday 6 January 2027.

    Its seats: an officer of the county (the submitter is one, officer2 the other), the county's finance and the
    ICB's signatory. The county's escalation contact is its manager; the ICB names none."""
    with on(dt.date(2026, 12, 18), hour=10):
        proposal = proposal_create(actor=world.officer, title="Adult carers support")
        gate = proposal_submit(actor=world.officer, proposal_id=proposal.pk, seats=ordinary_seats(world))
    assert set(gate.current_seats().values_list("due_on", flat=True)) == {dt.date(2027, 1, 6)}
    return gate


SIGNERS = [("officer2"), ("finance"), ("icb_signatory")]


def test_no_reminder_before_the_window_opens(world, gate_due_after_new_year):
    mark = last_id()
    # Thursday 31 December: two working days ahead is Monday 4 January (1 January is a bank holiday).
    assert sweep_seats(dt.date(2026, 12, 31)).reminders == 0
    assert sent_since(mark, template_prefix="seat") == []


def test_no_sweep_on_a_weekend_or_bank_holiday(world, gate_due_after_new_year):
    for day in (dt.date(2027, 1, 1), dt.date(2027, 1, 2), dt.date(2027, 1, 3)):
        report = sweep_seats(day)
        assert report.skipped
        assert "not a working day" in str(report)


def test_the_before_reminder_goes_two_working_days_ahead_to_everyone_who_may_decide(world, gate_due_after_new_year):
    mark = last_id()
    report = sweep_seats(dt.date(2027, 1, 4))
    assert report.reminders == 3  # one per seat
    assert sent_since(mark, template_prefix="seat") == [("before", name) for name in sorted(SIGNERS)]
    # The person who submitted the gate is never reminded of it, though they hold the officer seat's role.
    assert not OutboxMessage.objects.filter(recipient=world.officer, template="seat_reminder").exists()


def test_a_sweep_run_twice_sends_nothing_twice(world, gate_due_after_new_year):
    first = sweep_seats(dt.date(2027, 1, 4))
    mark = last_id()
    again = sweep_seats(dt.date(2027, 1, 4))
    next_day = sweep_seats(dt.date(2027, 1, 5))
    assert first.reminders == 3
    assert (again.reminders, again.messages, next_day.reminders) == (0, 0, 0)
    assert last_id() == mark


def test_the_due_day_and_overdue_reminders_then_escalation_on_a_cadence(world, gate_due_after_new_year):
    timeline = {}
    for day in [dt.date(2027, 1, d) for d in (4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 18, 19, 25)]:
        mark = last_id()
        sweep_seats(day)
        sweep_seats(day)  # twice a day changes nothing
        timeline[day] = sent_since(mark, template_prefix="seat")
    before = [("before", n) for n in sorted(SIGNERS)]
    due = [("due", n) for n in sorted(SIGNERS)]
    overdue = [("overdue", n) for n in sorted(SIGNERS)]
    assert timeline[dt.date(2027, 1, 4)] == before
    assert timeline[dt.date(2027, 1, 5)] == []
    assert timeline[dt.date(2027, 1, 6)] == due
    assert timeline[dt.date(2027, 1, 7)] == overdue
    assert timeline[dt.date(2027, 1, 8)] == []
    # Three working days overdue (7, 8, 11 January): the county's escalation contact hears about its two seats.
    # The ICB names no escalation contact, so its overdue seat is not escalated.
    assert timeline[dt.date(2027, 1, 11)] == [("escalation-1", "manager"), ("escalation-1", "manager")]
    for quiet in (12, 13, 14, 15):
        assert timeline[dt.date(2027, 1, quiet)] == []
    # Then every five working days: 18 January is eight working days overdue.
    assert timeline[dt.date(2027, 1, 18)] == [("escalation-2", "manager"), ("escalation-2", "manager")]
    assert timeline[dt.date(2027, 1, 19)] == []
    assert timeline[dt.date(2027, 1, 25)] == [("escalation-3", "manager"), ("escalation-3", "manager")]


def test_a_decided_seat_gets_no_more_reminders_and_a_deputy_is_reminded_too(world, gate_due_after_new_year):
    gate = gate_due_after_new_year
    with on(dt.date(2027, 1, 4), hour=6):
        proposal_decide(actor=world.finance, seat_id=gate.current_seats().get(role="finance").pk, outcome="approve")
        deputy = person("deputy", world.icb)
        DelegationFactory(principal=world.icb_signatory, deputy=deputy, starts_on=dt.date(2027, 1, 1))
    mark = last_id()
    sweep_seats(dt.date(2027, 1, 4))
    assert sent_since(mark, template_prefix="seat") == [
        ("before", "deputy"),
        ("before", "icb_signatory"),
        ("before", "officer2"),
    ]


def test_no_reminders_once_the_gate_is_withdrawn(world, gate_due_after_new_year):
    with on(dt.date(2027, 1, 4), hour=6):
        proposal_withdraw(actor=world.officer, proposal_id=gate_due_after_new_year.subject_id, reason="Rethink")
    assert sweep_seats(dt.date(2027, 1, 6)).examined == 0


@pytest.fixture
def action_due_after_easter(world):
    """An action due Tuesday 30 March 2027, the day after Easter Monday."""
    with on(dt.date(2027, 3, 1), hour=10):
        proposal = proposal_create(actor=world.officer, title="Adult carers support")
        gate = proposal_submit(actor=world.officer, proposal_id=proposal.pk, seats=ordinary_seats(world))
        proposal_decide(
            actor=world.finance,
            seat_id=gate.current_seats().get(role="finance").pk,
            outcome="approve_with_conditions",
            conditions=[ConditionSpec("Send the ICB the revised budget", world.officer.pk, dt.date(2027, 3, 30))],
        )
    return gate.actions.get()


def test_action_reminders_across_easter(world, action_due_after_easter):
    timeline = {}
    for day in [dt.date(2027, 3, d) for d in (23, 24, 25, 26, 29, 30, 31)] + [dt.date(2027, 4, d) for d in (1, 2, 5)]:
        mark = last_id()
        report = sweep_actions(day)
        timeline[day] = None if report.skipped else sent_since(mark, template_prefix="action_")
    # Two working days before Tuesday 30 March is Wednesday 24 (Good Friday and Easter Monday are holidays).
    assert timeline[dt.date(2027, 3, 23)] == []
    assert timeline[dt.date(2027, 3, 24)] == [("before", "officer")]
    assert timeline[dt.date(2027, 3, 25)] == []
    assert timeline[dt.date(2027, 3, 26)] is None  # Good Friday: no sweep
    assert timeline[dt.date(2027, 3, 29)] is None  # Easter Monday: no sweep
    assert timeline[dt.date(2027, 3, 30)] == [("due", "officer")]
    assert timeline[dt.date(2027, 3, 31)] == [("overdue", "officer")]
    assert timeline[dt.date(2027, 4, 1)] == []
    # Overdue by three working days on Friday 2 April: escalated to the owner's organisation's contact.
    assert timeline[dt.date(2027, 4, 2)] == [("escalation-1", "manager")]
    assert timeline[dt.date(2027, 4, 5)] == []


def test_a_completed_action_is_not_chased(world, action_due_after_easter):
    with on(dt.date(2027, 3, 20)):
        action_complete(actor=world.officer, action_id=action_due_after_easter.pk)
    assert sweep_actions(dt.date(2027, 3, 31)).examined == 0
