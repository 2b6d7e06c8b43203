"""E-mail through GOV.UK Notify: with an API key the outbox's e-mail goes to Notify's API (here a local server with its
documented shape, tests/workflows/notify_server.py) instead of SMTP; Notify's errors are recorded on the message and
retried as other failures are, except a refusal for good (an invalid address), which fails the message at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.workflows.notify_server import (
    API_KEY,
    DEADLINE_TEMPLATE_ID,
    REMINDER_TEMPLATE_ID,
    SERVICE_ID,
    TEMPLATE_ID,
    WRONG_KEY,
    FakeNotify,
)
from tests.workflows.testapp.world import PersonFactory
from workflows.models import OutboxChannel, OutboxMessage, OutboxState
from workflows.outbox import deliver_due, notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def notify_api():
    server = FakeNotify()
    with override_settings(
        NOTIFY_API_KEY=API_KEY, NOTIFY_BASE_URL=server.url, NOTIFY_TEMPLATE_ID=TEMPLATE_ID, NOTIFY_TEMPLATE_IDS={}
    ):
        yield server
    server.close()


def note(recipient, key="notify:1", template="gate_passed"):
    notify(
        recipients=[recipient],
        key=key,
        template=template,
        context={"gate": "Analyse gate, cycle 1: Home care", "stage": "Analyse", "strategy": "MCC-001: Home care"},
        channels=[OutboxChannel.EMAIL],
    )
    return OutboxMessage.objects.get(dedup_key=f"{key}:email:{recipient.pk}")


def test_an_email_goes_to_notify_with_the_template_its_personalisation_and_a_reference(notify_api):
    alice = PersonFactory(username="alice", first_name="Alice", last_name="Jones", email="alice@example.gov.uk")
    message = note(alice)

    assert vars(deliver_due()) == {"sent": 1, "retried": 0, "failed": 0}

    [request] = notify_api.requests
    assert request["path"] == "/v2/notifications/email"
    assert request["headers"]["Content-type"] == "application/json"
    assert request["headers"]["Authorization"].startswith("Bearer ")
    sent = request["json"]
    assert sent["email_address"] == "alice@example.gov.uk"
    assert sent["template_id"] == TEMPLATE_ID
    assert sent["reference"] == hashlib.sha256(message.dedup_key.encode()).hexdigest()[:32]
    personalisation = sent["personalisation"]
    assert personalisation["subject"] == "Gate passed: Analyse gate, cycle 1: Home care"
    assert "The Analyse gate of MCC-001: Home care has passed" in personalisation["body"]
    assert personalisation["recipient_name"] == "Alice Jones"
    assert personalisation["strategy"] == "MCC-001: Home care"
    assert "email_reply_to_id" not in sent
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (OutboxState.SENT, 1, "")
    assert mail.outbox == []  # not SMTP as well
    assert vars(deliver_due()) == {"sent": 0, "retried": 0, "failed": 0}
    assert len(notify_api.requests) == 1  # sent once


def test_a_message_can_have_a_notify_template_of_its_own_and_a_reply_to_address(notify_api, settings):
    settings.NOTIFY_TEMPLATE_IDS = {"seat_reminder": REMINDER_TEMPLATE_ID}
    settings.NOTIFY_EMAIL_REPLY_TO_ID = "8e222534-7f05-4972-86e3-17c5d9f894e2"
    notify(
        recipients=[PersonFactory(username="bob", email="bob@example.gov.uk")],
        key="notify:reminder",
        template="seat_reminder",
        context={"seat": "Finance officer", "strategy": "MCC-001", "due": "2 December", "link": "/seats/4/"},
        channels=[OutboxChannel.EMAIL],
    )
    deliver_due()
    [request] = notify_api.requests
    assert request["json"]["template_id"] == REMINDER_TEMPLATE_ID
    assert request["json"]["email_reply_to_id"] == "8e222534-7f05-4972-86e3-17c5d9f894e2"
    assert request["json"]["personalisation"]["link"] == f"{settings.SITE_URL}/seats/4/"


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("rate_limited", "Notify rate limit (429): RateLimitError: Exceeded rate limit for key type LIVE"),
        ("server_error", "Notify unavailable (500): Exception: Internal server error"),
    ],
)
def test_a_rate_limit_or_a_server_error_is_recorded_and_retried_with_backoff(notify_api, mode, error):
    notify_api.mode = mode
    message = note(PersonFactory(username="carol", email="carol@example.gov.uk"))

    assert vars(deliver_due()) == {"sent": 0, "retried": 1, "failed": 0}

    message.refresh_from_db()
    assert message.state == OutboxState.PENDING and message.attempts == 1
    assert error in message.last_error
    assert message.next_attempt_at > timezone.now()
    notify_api.mode = "ok"
    with time_machine.travel(message.next_attempt_at + dt.timedelta(seconds=1)):
        assert deliver_due().sent == 1
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (OutboxState.SENT, 2, "")


def test_a_rejected_api_key_is_retried_and_logged_as_an_error(notify_api, settings, caplog):
    settings.NOTIFY_API_KEY = WRONG_KEY
    message = note(PersonFactory(username="dan", email="dan@example.gov.uk"))

    with caplog.at_level(logging.ERROR, logger="workflows.notify"):
        assert deliver_due().retried == 1

    message.refresh_from_db()
    assert message.state == OutboxState.PENDING
    assert "Notify refused the API key (403): AuthError: Invalid token: API key not found" in message.last_error
    assert any("Check NOTIFY_API_KEY" in record.getMessage() for record in caplog.records)
    assert SERVICE_ID in WRONG_KEY  # the right service, the wrong secret


def test_an_invalid_address_fails_the_message_at_once_with_notifys_reason(notify_api, admin_client):
    message = note(PersonFactory(username="erin", email="erin@example"))

    assert vars(deliver_due()) == {"sent": 0, "retried": 0, "failed": 1}

    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.FAILED, 1)
    assert "ValidationError: email_address Not a valid email address" in message.last_error
    # Administrators find it among the failures, marked as refused rather than given up on.
    page = admin_client.get(reverse("admin:workflows_outboxmessage_changelist") + "?problem=refused").text
    assert "Failed: refused for good, not retried" in page and "gate_passed" in page
    gave_up = admin_client.get(reverse("admin:workflows_outboxmessage_changelist") + "?problem=gave_up").text
    assert "Failed: refused for good" not in gave_up


def test_a_template_wanting_personalisation_the_message_lacks_is_refused_for_good(notify_api, settings):
    settings.NOTIFY_TEMPLATE_IDS = {"gate_passed": DEADLINE_TEMPLATE_ID}  # an administrator's mistake
    message = note(PersonFactory(username="fay", email="fay@example.gov.uk"))

    assert deliver_due().failed == 1

    message.refresh_from_db()
    assert message.state == OutboxState.FAILED
    assert "Notify refused the message (400): BadRequestError: Missing personalisation: deadline" in message.last_error


def test_notify_that_cannot_be_reached_is_retried(notify_api, settings):
    notify_api.close()
    message = note(PersonFactory(username="gus", email="gus@example.gov.uk"))

    assert deliver_due().retried == 1

    message.refresh_from_db()
    assert message.state == OutboxState.PENDING
    assert "Notify unavailable" in message.last_error


def test_without_an_api_key_email_still_goes_by_smtp():
    note(PersonFactory(username="hal", email="hal@example.gov.uk"))
    assert deliver_due().sent == 1
    assert len(mail.outbox) == 1
