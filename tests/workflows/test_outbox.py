"""The outbox: written with the change, sent once, retried with backoff, given up on after the last attempt."""

import datetime as dt
import socket

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from config.celery_app import app as celery_app
from tests.workflows.testapp.services import proposal_create, proposal_submit
from tests.workflows.testapp.world import PersonFactory, ordinary_seats
from workflows.models import Notification, OutboxMessage, OutboxState
from workflows.outbox import backoff, deliver_due, notify

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reset_broker_pools():
    """Forget cached broker connections, so later tests connect afresh to whatever broker they configure."""
    import kombu.pools

    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def note(recipients, key="test:1"):
    return notify(
        recipients=recipients,
        key=key,
        template="gate_passed",
        context={"gate": "Analyse gate, cycle 1: Home care", "stage": "Analyse", "strategy": "MCC-001: Home care"},
    )


def test_one_row_per_recipient_and_channel_and_none_twice():
    alice, bob = PersonFactory(username="alice"), PersonFactory(username="bob", email="")
    assert note([alice, bob, alice]) == 3  # alice: in-app and e-mail; bob has no address: in-app only
    assert note([alice, bob]) == 0
    assert sorted(OutboxMessage.objects.values_list("channel", "recipient__username")) == [
        ("email", "alice"),
        ("in_app", "alice"),
        ("in_app", "bob"),
    ]


def test_delivery_sends_the_email_and_makes_the_notification_exactly_once():
    alice = PersonFactory(username="alice", first_name="Alice", last_name="Jones")
    note([alice])
    report = deliver_due()
    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    [email] = mail.outbox
    assert email.subject == "Gate passed: Analyse gate, cycle 1: Home care"
    assert email.to == [alice.email]
    assert "The Analyse gate of MCC-001: Home care has passed" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "Dear Alice Jones" in html
    message_id = email.extra_headers["Message-ID"]
    [notification] = Notification.objects.filter(recipient=alice)
    assert notification.title == email.subject
    assert notification.read_at is None
    assert vars(deliver_due()) == {"sent": 0, "retried": 0, "failed": 0}
    assert len(mail.outbox) == 1
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.SENT}
    note([alice], key="test:2")
    deliver_due()
    assert mail.outbox[1].extra_headers["Message-ID"] != message_id


def test_a_failing_smtp_server_is_retried_with_exponential_backoff_then_given_up():
    alice = PersonFactory(username="alice")
    note([alice])
    start = timezone.now()
    smtp = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_PORT": closed_port()}
    with (
        override_settings(**smtp, OUTBOX_MAX_ATTEMPTS=4, OUTBOX_RETRY_BASE_SECONDS=30),
        time_machine.travel(start, tick=False),
    ):
        report = deliver_due()
        assert (report.sent, report.retried) == (1, 1)  # the in-app one is sent; the e-mail waits
        email = OutboxMessage.objects.get(channel="email")
        assert email.attempts == 1
        assert "ConnectionRefusedError" in email.last_error
        assert email.next_attempt_at == start + dt.timedelta(seconds=30)
        assert deliver_due().retried == 0  # not due yet
    waits = []
    for _ in range(3):
        email.refresh_from_db()
        waits.append(email.next_attempt_at - start)
        with override_settings(**smtp, OUTBOX_MAX_ATTEMPTS=4), time_machine.travel(email.next_attempt_at, tick=False):
            deliver_due()
    email.refresh_from_db()
    assert waits == [dt.timedelta(seconds=30), dt.timedelta(seconds=90), dt.timedelta(seconds=210)]
    assert (email.state, email.attempts) == (OutboxState.FAILED, 4)


def test_backoff_doubles_up_to_a_cap():
    with override_settings(OUTBOX_RETRY_BASE_SECONDS=30, OUTBOX_RETRY_MAX_SECONDS=3600):
        assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_a_change_still_commits_when_the_broker_is_down(world, django_capture_on_commit_callbacks):
    proposal = proposal_create(actor=world.officer, title="Adult carers support")
    original = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    reset_broker_pools()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            gate = proposal_submit(actor=world.officer, proposal_id=proposal.pk, seats=ordinary_seats(world))
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = original
        reset_broker_pools()
    assert gate.state == "submitted"
    assert OutboxMessage.objects.filter(state=OutboxState.PENDING).count() == 6  # 3 seats x 2 channels
    assert deliver_due().sent == 6  # what the outbox sweep does once the broker is back


def test_the_outbox_command_shows_the_backlog_and_delivers(capsys):
    note([PersonFactory(username="alice")])
    call_command("outbox")
    assert "pending: 2" in capsys.readouterr().out
    call_command("outbox", "--deliver")
    out = capsys.readouterr().out
    assert "'sent': 2" in out
    assert "sent: 2" in out


def test_one_transaction_asks_for_delivery_once_however_many_messages_it_writes(django_capture_on_commit_callbacks):
    people = [PersonFactory(username=f"p{n}") for n in range(3)]
    with django_capture_on_commit_callbacks() as callbacks:
        for n, person in enumerate(people):
            note([person], key=f"test:{n}")
    assert len(callbacks) == 1
