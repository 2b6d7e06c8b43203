"""Delivery through a real Celery worker, on a real Redis, to a real SMTP server (see conftest.py).

A change's messages are delivered by the worker after commit; changes made while the broker is down wait in the
outbox and are delivered exactly once when it returns; a worker killed mid-delivery or mid-sweep loses nothing and
duplicates nothing. This process never delivers anything itself: every delivery in these tests is the worker's.

The changes are the test app's (tests/workflows/testapp), and the worker asks its directory who holds which role.
That the domain's own notifications go out through the worker is tested in tests/commissioning/test_celery_worker.py.
"""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.workflows.conftest import (
    WAIT_SECONDS,
    assert_every_message_delivered_exactly_once,
    message_id,
    send_task,
    wait_for,
)
from tests.workflows.testapp.services import proposal_create, proposal_decide, proposal_submit
from tests.workflows.testapp.world import PersonFactory, build_world, ordinary_seats
from workflows import outbox
from workflows.calendar import WorkingCalendar
from workflows.models import GateState, Notification, OutboxChannel, OutboxMessage, OutboxState, Seat, SeatState

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("deliveries_in_this_process"),
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="needs redis-server on PATH (apt-get install redis-server; .ci/run installs it)",
    ),
]

DELIVER = "workflows.deliver_outbox"
SWEEP_SEAT_REMINDERS = "workflows.sweep_seat_reminders"


def proposal(w, *, title: str):
    return proposal_create(actor=w.officer, title=title)


def submit(w, proposal_id: int):
    """Submit with three seats: each has one holder to ask (the officer who submits is not asked)."""
    return proposal_submit(actor=w.officer, proposal_id=proposal_id, seats=ordinary_seats(w))


# --------------------------------------------------------------------------------------------------------------
# (1) A change's messages are delivered by the worker
# --------------------------------------------------------------------------------------------------------------


def test_the_messages_a_change_writes_are_delivered_by_the_worker_after_commit_by_email_and_in_app(
    start_worker, smtp_server, published_tasks
):
    mailbox, _ = smtp_server
    w = build_world()
    carers = proposal(w, title="Adult carers support")
    worker = start_worker()
    assert not OutboxMessage.objects.exists()
    published_tasks.clear()

    submit(w, carers.pk)

    assert [name for name, _ in published_tasks] == [DELIVER], "the commit should ask a worker to deliver, once"
    assert worker.wait_for_task(published_tasks[0][1]) == {"sent": 6, "retried": 0, "failed": 0}
    seat_holders = {w.officer2, w.finance, w.icb_signatory}  # the officer submitted, so is not asked to sign off
    assert {r.recipients for r in mailbox.snapshot()} == {(p.email,) for p in seat_holders}
    assert all(r.subject.startswith("Sign-off needed: ") for r in mailbox.snapshot())
    assert set(Notification.objects.values_list("recipient", flat=True)) == {p.pk for p in seat_holders}
    assert_every_message_delivered_exactly_once(mailbox)


# --------------------------------------------------------------------------------------------------------------
# (2) The broker goes down and comes back
# --------------------------------------------------------------------------------------------------------------


def test_changes_made_while_the_broker_is_down_are_all_delivered_exactly_once_when_it_returns(
    start_worker, broker, smtp_server, published_tasks
):
    mailbox, _ = smtp_server
    w = build_world()
    carers = proposal(w, title="Adult carers support")
    home_care = proposal(w, title="Home care")
    worker = start_worker()
    assert not OutboxMessage.objects.exists()

    broker.stop()
    published_tasks.clear()
    carers_gate = submit(w, carers.pk)
    home_care_gate = submit(w, home_care.pk)
    proposal_decide(actor=w.officer2, seat_id=carers_gate.current_seats().get(role="officer").pk, outcome="approve")
    proposal_decide(
        actor=w.finance,
        seat_id=home_care_gate.current_seats().get(role="finance").pk,
        outcome="reject",
        reasons="The budget does not cover the second year.",
    )

    home_care_gate.refresh_from_db()
    assert home_care_gate.state == GateState.REJECTED
    assert published_tasks == [], "nothing can reach a broker that is down"
    # Two gates' sign-off requests (3 seat holders, by e-mail and in-app) and the rejection, to the submitter.
    assert OutboxMessage.objects.filter(state=OutboxState.PENDING).count() == OutboxMessage.objects.count() == 14
    assert set(OutboxMessage.objects.values_list("template", flat=True)) == {"signoff_needed", "gate_rejected"}
    assert mailbox.snapshot() == []
    assert not Notification.objects.exists()

    broker.start()  # on the same port, and empty: whatever was queued before it stopped is gone
    outbox_sweep = send_task(DELIVER)  # what the beat sends every minute

    assert worker.wait_for_task(outbox_sweep, timeout=60) == {"sent": 14, "retried": 0, "failed": 0}
    assert_every_message_delivered_exactly_once(mailbox)
    assert worker.wait_for_task(send_task(DELIVER)) == {"sent": 0, "retried": 0, "failed": 0}
    assert_every_message_delivered_exactly_once(mailbox)


# --------------------------------------------------------------------------------------------------------------
# (3) A worker killed in the middle of a task
# --------------------------------------------------------------------------------------------------------------


def locked_outbox_rows() -> set[int]:
    """Pending rows that another transaction holds locked (a worker in the middle of sending them)."""
    pending = set(OutboxMessage.objects.filter(state=OutboxState.PENDING).values_list("pk", flat=True))
    with transaction.atomic():
        claimable = set(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(state=OutboxState.PENDING)
            .values_list("pk", flat=True)
        )
    return pending - claimable


def test_a_worker_killed_while_sending_an_email_loses_no_message_and_sends_none_twice(start_worker, smtp_server):
    mailbox, _ = smtp_server
    w = build_world()
    for title in ["Adult carers support", "Home care"]:
        submit(w, proposal(w, title=title).pk)
    assert OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL).count() == 6
    mailbox.stall_at(3)  # the SMTP server will hang on the third message, before accepting it

    worker = start_worker()
    wait_for(mailbox.stalled.is_set, what="the worker to reach the stalled message")
    stalled = next(m for m in OutboxMessage.objects.all() if message_id(m) == mailbox.stalled_message_id)
    assert locked_outbox_rows() == {stalled.pk}, "the worker should hold the stalled message's row, and only it"
    assert len(mailbox.snapshot()) == 2

    worker.kill()
    worker.wait_until_disconnected()
    mailbox.release()
    wait_for(lambda: mailbox.abandoned, what="the stalled SMTP session to end")

    assert mailbox.abandoned == [mailbox.stalled_message_id]
    stalled.refresh_from_db()
    assert (stalled.state, stalled.attempts) == (OutboxState.PENDING, 0), "the killed attempt left no trace"
    assert len(mailbox.snapshot()) == 2

    replacement = start_worker()
    replacement.wait_for_task(send_task(DELIVER))

    assert_every_message_delivered_exactly_once(mailbox)
    assert Counter(r.message_id for r in mailbox.snapshot())[mailbox.stalled_message_id] == 1
    stalled.refresh_from_db()
    assert (stalled.state, stalled.attempts) == (OutboxState.SENT, 1)


@contextmanager
def uncommitted_outbox_row(**fields):
    """Hold an outbox row inserted but not committed, in a transaction of another connection; roll it back on exit.

    A writer of the same deduplication key waits for this transaction to end (the unique index), which stops a
    sweep at a known point."""
    held, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold():
        try:
            with transaction.atomic():
                OutboxMessage.objects.create(**fields)
                held.set()
                release.wait(WAIT_SECONDS * 4)
                transaction.set_rollback(True)
        except BaseException as exc:
            errors.append(exc)
        finally:
            held.set()
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(WAIT_SECONDS)
    try:
        assert not errors, errors
        yield
    finally:
        release.set()
        thread.join(WAIT_SECONDS)


def test_a_reminder_sweep_killed_mid_run_and_run_again_writes_each_reminder_exactly_once(start_worker):
    w = build_world()
    gate = submit(w, proposal(w, title="Adult carers support").pk)
    # The worker's clock runs on the next working day (a sweep does nothing on a weekend or bank holiday).
    today = timezone.localdate()
    sweep_day = WorkingCalendar().add_working_days(today, 1)
    panel = [PersonFactory(username=f"panel{i}", email="") for i in range(3)]  # in-app only
    Seat.objects.bulk_create(
        Seat(
            gate=gate,
            round=gate.round,
            role=f"panel-{i:04d}",
            organisation=w.county,
            person=panel[i % 3],
            label=f"Panel member {i}",
            due_on=sweep_day,
        )
        for i in range(1100)
    )
    Seat.objects.filter(gate=gate).update(due_on=sweep_day)
    seats = list(Seat.objects.filter(gate=gate, state=SeatState.PENDING).order_by("pk"))
    assert len(seats) == 1103  # more than one batch of 1000: the three seats it was submitted with come first
    expected_rows = {seat.pk: 1 if seat.person_id else 2 for seat in seats}  # seat holders have e-mail too
    first_of_second_batch = seats[1000]

    def reminders():
        return OutboxMessage.objects.filter(template="seat_reminder")

    worker = start_worker(shift_days=(sweep_day - today).days)
    with uncommitted_outbox_row(
        dedup_key=outbox.message_key(
            f"seat:{first_of_second_batch.pk}:due", OutboxChannel.IN_APP, first_of_second_batch.person_id
        ),
        channel=OutboxChannel.IN_APP,
        recipient_id=first_of_second_batch.person_id,
        template="seat_reminder",
    ):
        send_task(SWEEP_SEAT_REMINDERS)
        blocked_on = wait_for(worker.waiting_for_a_lock, what="the sweep to stop in its second batch")
        assert 'INSERT INTO "workflows_outboxmessage"' in blocked_on
        first_batch = sum(expected_rows[seat.pk] for seat in seats[:1000])
        assert reminders().count() == first_batch  # the first batch is committed
        worker.kill()
    worker.wait_until_disconnected()
    assert reminders().count() == first_batch  # the second batch died with the worker

    replacement = start_worker(shift_days=(sweep_day - today).days)
    result = replacement.wait_for_task(send_task(SWEEP_SEAT_REMINDERS), timeout=60)

    assert result == "seat reminders: examined 1103, new reminders 103, messages written 103, batches 2"
    keys = list(reminders().values_list("dedup_key", flat=True))
    assert len(keys) == len(set(keys)) == sum(expected_rows.values())
    rows_per_seat = Counter(int(key.split(":")[1]) for key in keys)
    assert rows_per_seat == expected_rows
    assert {key.split(":")[2] for key in keys} == {"due"}
