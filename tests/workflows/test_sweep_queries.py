"""The seat reminder sweep reads and writes a batch at a time: its queries grow with the batches, not the seats.

`make bench-sweeps` (`python -m benchmarks sweeps`) measures the same at 50,000 seats; this checks the shape on a
few, without timing anything.
"""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.workflows.testapp.services import proposal_create, proposal_submit
from tests.workflows.testapp.world import ordinary_seats
from workflows import sweeps
from workflows.models import OutboxMessage

pytestmark = pytest.mark.django_db

SUBMITTED_ON = dt.date(2026, 3, 2)  # a Monday: the seats fall due ten working days later, Monday 16 March
SWEEP_DAY = dt.date(2026, 3, 19)  # a Thursday, three working days overdue: reminders and a first escalation
SEATS_PER_GATE = 3  # `ordinary_seats`: an officer and finance at the county, the ICB's signatory
BATCH_SIZE = 2 * SEATS_PER_GATE


def submit_gates(world, count: int) -> None:
    moment = timezone.make_aware(dt.datetime.combine(SUBMITTED_ON, dt.time(10)))
    with time_machine.travel(moment, tick=False):
        for _ in range(count):
            proposal = proposal_create(actor=world.officer, title="Adult carers support")
            proposal_submit(actor=world.officer, proposal_id=proposal.pk, seats=ordinary_seats(world))


def sweep_on_an_empty_outbox() -> tuple[sweeps.SweepReport, int]:
    """Sweep with nothing written yet, so every run writes every message; return the report and the queries."""
    OutboxMessage.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        report = sweeps.seat_reminders(today=SWEEP_DAY, batch_size=BATCH_SIZE)
    return report, len(queries)


def test_each_batch_of_the_seat_reminder_sweep_adds_the_same_queries_however_many_seats_it_holds(world):
    submit_gates(world, 2)
    one, queries_one = sweep_on_an_empty_outbox()
    submit_gates(world, 2)
    two, queries_two = sweep_on_an_empty_outbox()
    submit_gates(world, 4)
    four, queries_four = sweep_on_an_empty_outbox()

    assert (one.examined, two.examined, four.examined) == (6, 12, 24)
    assert (one.batches, two.batches, four.batches) == (1, 2, 4)
    assert one.messages > 0 and four.messages == 2 * two.messages == 4 * one.messages
    per_batch = queries_two - queries_one
    assert queries_four - queries_two == 2 * per_batch
    # Outside the batches: the calendar's closure days and the keyset read that finds no more seats.
    assert queries_one - per_batch == 2
    # In each: the seats, their holders, decisions, deputies, escalation contacts, people, the keys already in the
    # outbox, one INSERT, and the batch's savepoint and its release (the test runs inside a transaction).
    assert per_batch <= 10
