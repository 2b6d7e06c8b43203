"""A backlog drains without waiting for the beat, and `manage.py outbox` says how old it is.

A delivery task sends one batch (OUTBOX_BATCH_SIZE); while messages that were due before the batch began remain, it
queues one follow-up of itself at once. The unit tests run the task in this process against a Redis of their own and
look at what reached the broker; the worker test shows that one task drains a backlog of several batches.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import logging
import re
import shutil
import socket
import time
from zoneinfo import ZoneInfo

import pytest
import redis
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from tests.workflows.conftest import assert_every_message_delivered_exactly_once, send_task, wait_for
from tests.workflows.testapp.world import PersonFactory
from workflows import outbox
from workflows.models import Notification, OutboxChannel, OutboxMessage, OutboxState
from workflows.tasks import deliver_outbox

DELIVER = "workflows.deliver_outbox"
LONDON = ZoneInfo("Europe/London")

needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="needs redis-server on PATH (apt-get install redis-server; .ci/run installs it)",
)


def write_backlog(count: int, *, email: bool = False) -> None:
    """`count` people's messages (in-app, and e-mail too if `email`), written straight to the outbox: no delivery is
    requested, as if the broker had been down when they were written (a minute ago)."""
    people = [
        PersonFactory(username=f"backlog{n}", email=f"backlog{n}@example.org" if email else "") for n in range(count)
    ]
    rows = outbox.build_messages(
        recipients=people,
        key="backlog",
        template="gate_passed",
        context={"gate": "Analyse gate, cycle 1: Home care", "stage": "Analyse", "strategy": "MCC-001: Home care"},
    )
    written_at = timezone.now() - dt.timedelta(minutes=1)
    for row in rows:
        row.created_at = row.next_attempt_at = written_at
    OutboxMessage.objects.bulk_create(rows)


def note(person) -> None:
    outbox.notify(recipients=[person], key=f"note:{person.username}", template="gate_passed", context={})


def pending() -> int:
    return OutboxMessage.objects.filter(state=OutboxState.PENDING).count()


def queued_in(broker) -> list[str]:
    """The names of the tasks waiting in the broker's default queue."""
    client = redis.Redis.from_url(broker.url)
    try:
        return [json.loads(raw)["headers"]["task"] for raw in client.lrange("celery", 0, -1)]
    finally:
        client.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------------------------------------------
# One task, one batch, at most one follow-up (run here, against a real broker with no worker on it)
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.celery
@needs_redis
@override_settings(OUTBOX_BATCH_SIZE=3)
def test_a_full_batch_with_more_due_behind_it_queues_one_follow_up_at_once(broker, published_tasks):
    write_backlog(7)

    summary = deliver_outbox.apply().get()

    assert summary == {"sent": 3, "retried": 0, "failed": 0, "follow_up": True}
    assert pending() == 4
    assert [name for name, _ in published_tasks] == [DELIVER], "exactly one follow-up"
    assert queued_in(broker) == [DELIVER], "waiting in the broker for the next free worker, not for the beat"


@pytest.mark.django_db
@pytest.mark.celery
@needs_redis
@override_settings(OUTBOX_BATCH_SIZE=3)
@pytest.mark.parametrize("waiting", [2, 3], ids=["fewer than a batch", "exactly a batch"])
def test_no_follow_up_once_nothing_due_remains(broker, published_tasks, waiting):
    write_backlog(waiting)

    summary = deliver_outbox.apply().get()

    assert summary == {"sent": waiting, "retried": 0, "failed": 0}
    assert pending() == 0
    assert published_tasks == []
    assert queued_in(broker) == []


@pytest.mark.django_db
@pytest.mark.celery
@needs_redis
def test_a_backlog_that_keeps_failing_is_tried_once_then_left_to_its_backoff_not_chased_by_follow_ups(
    broker, published_tasks
):
    write_backlog(6, email=True)  # six e-mails and six in-app notifications
    OutboxMessage.objects.filter(channel=OutboxChannel.IN_APP).delete()
    smtp_down = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_PORT": closed_port()}

    with override_settings(**smtp_down, OUTBOX_BATCH_SIZE=3, OUTBOX_RETRY_BASE_SECONDS=30):
        first = deliver_outbox.apply().get()
        assert first == {"sent": 0, "retried": 3, "failed": 0, "follow_up": True}  # three not yet tried
        second = deliver_outbox.apply().get()  # the follow-up
        assert second == {"sent": 0, "retried": 3, "failed": 0}, "the batch was full, but only of retries"
        assert outbox.backlog()["due now"] == 0, "each failure waits for its backoff"
        assert deliver_outbox.apply().get() == {"sent": 0, "retried": 0, "failed": 0}

    assert [name for name, _ in published_tasks] == [DELIVER]
    assert set(OutboxMessage.objects.values_list("state", "attempts")) == {(OutboxState.PENDING, 1)}


@pytest.mark.django_db
@pytest.mark.celery
@needs_redis
@override_settings(OUTBOX_BATCH_SIZE=3)
def test_a_follow_up_the_broker_cannot_take_is_logged_and_the_rest_waits_for_the_sweep(broker, published_tasks, caplog):
    write_backlog(5)
    broker.stop()

    with caplog.at_level(logging.WARNING, logger="workflows.outbox"):
        summary = deliver_outbox.apply().get()

    assert summary == {"sent": 3, "retried": 0, "failed": 0, "follow_up": False}
    assert "Could not reach the task broker; the outbox sweep will deliver the waiting messages." in caplog.messages
    assert published_tasks == []
    assert pending() == 2

    broker.start()  # the next outbox sweep (what the beat sends every minute) finds them
    assert deliver_outbox.apply().get() == {"sent": 2, "retried": 0, "failed": 0}


@pytest.mark.django_db
@override_settings(OUTBOX_BATCH_SIZE=2)
def test_the_batch_size_bounds_what_one_delivery_sends():
    write_backlog(5)
    assert outbox.deliver_due().sent == 2
    assert outbox.deliver_due(limit=10).sent == 3


# --------------------------------------------------------------------------------------------------------------
# `manage.py outbox`: how old the backlog is
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_outbox_command_says_how_long_the_oldest_message_has_waited_and_how_long_one_has_been_due(capsys):
    nine = dt.datetime(2026, 5, 4, 9, 0, tzinfo=LONDON)

    def outbox_command(at: dt.datetime) -> list[str]:
        with time_machine.travel(at, tick=False):
            call_command("outbox")
        return capsys.readouterr().out.splitlines()

    assert outbox_command(nine)[4:6] == ["oldest waiting: none", "oldest due now: none"]

    with time_machine.travel(nine, tick=False):
        note(PersonFactory(username="alice", email=""))  # in-app only
    with time_machine.travel(nine + dt.timedelta(minutes=117), tick=False):
        note(PersonFactory(username="bob"))  # in-app and e-mail

    out = outbox_command(nine + dt.timedelta(hours=2))
    assert out[:4] == [" pending: 3", " due now: 3", "  failed: 0", "    sent: 0"]  # as before
    assert out[4:6] == [
        "oldest waiting: written 2026-05-04 09:00, 2 hours ago (in-app notification: 2 hours; e-mail: 3 minutes)",
        "oldest due now: due since 2026-05-04 09:00, 2 hours ago",
    ]

    # Alice's notification failed and waits for its backoff: it is still the oldest waiting, but not due.
    OutboxMessage.objects.filter(recipient__username="alice").update(
        attempts=1, last_error="OperationalError: the database went away", next_attempt_at=nine + dt.timedelta(hours=3)
    )
    out = outbox_command(nine + dt.timedelta(hours=2, seconds=30))
    assert out[1] == " due now: 2"
    assert out[4:6] == [
        "oldest waiting: written 2026-05-04 09:00, 2 hours ago (in-app notification: 2 hours; e-mail: 3 minutes)",
        "oldest due now: due since 2026-05-04 10:57, 3 minutes ago",
    ]

    with time_machine.travel(nine + dt.timedelta(hours=3), tick=False):
        outbox.deliver_due()
        note(PersonFactory(username="carol"))
    out = outbox_command(nine + dt.timedelta(hours=3, seconds=20))
    assert out[4:6] == [
        "oldest waiting: written 2026-05-04 12:00, less than a minute ago (e-mail: less than a minute;"
        " in-app notification: less than a minute)",
        "oldest due now: due since 2026-05-04 12:00, less than a minute ago",
    ]


@pytest.mark.django_db
def test_backlog_age_is_the_one_definition_the_command_prints():
    written = dt.datetime(2026, 1, 12, 8, 30, tzinfo=dt.UTC)
    with time_machine.travel(written, tick=False):
        note(PersonFactory(username="dan"))
    now = written + dt.timedelta(days=1, hours=4, minutes=10)
    age = outbox.backlog_age(now)
    assert age == outbox.BacklogAge(
        oldest_waiting=written,
        oldest_due=written,
        waiting_by_channel={OutboxChannel.EMAIL: written, OutboxChannel.IN_APP: written},
    )
    assert outbox.age_in_words(age.oldest_waiting, now) == "1 day, 4 hours"


# --------------------------------------------------------------------------------------------------------------
# A real worker drains a backlog of several batches from one task
# --------------------------------------------------------------------------------------------------------------

FINISHED = re.compile(r"Task workflows\.deliver_outbox\[([^\]]+)\] succeeded in [\d.]+s: (\{.*\})")


def finished_deliveries(worker) -> list[tuple[str, dict]]:
    return [(task_id, ast.literal_eval(result)) for task_id, result in FINISHED.findall(worker.log())]


@pytest.mark.postgresql
@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("deliveries_in_this_process")
@needs_redis
def test_one_delivery_task_drains_a_backlog_of_several_batches_through_follow_ups_without_the_beat(
    start_worker, smtp_server, published_tasks, monkeypatch
):
    mailbox, _ = smtp_server
    write_backlog(11, email=True)  # 22 messages: 11 e-mails and 11 in-app notifications
    assert pending() == 22
    monkeypatch.setenv("OUTBOX_BATCH_SIZE", "4")  # the worker is a process of its own: it reads the environment
    worker = start_worker()  # and no beat runs in this test
    published_tasks.clear()

    started = time.monotonic()
    first = send_task(DELIVER)
    wait_for(lambda: len(finished_deliveries(worker)) >= 6, what="the follow-ups to drain the backlog")
    took = time.monotonic() - started

    deliveries = finished_deliveries(worker)
    assert deliveries[0][0] == first
    assert [result for _, result in deliveries] == [
        *[{"sent": 4, "retried": 0, "failed": 0, "follow_up": True}] * 5,
        {"sent": 2, "retried": 0, "failed": 0},  # the last batch was not full: no follow-up
    ]
    assert published_tasks == [(DELIVER, first)], "the follow-ups are the worker's own"
    assert took < 60, "drained before the beat's next outbox sweep"
    assert pending() == 0
    assert_every_message_delivered_exactly_once(mailbox)
    assert Notification.objects.count() == 11
