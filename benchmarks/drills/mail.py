"""SMTP: an aiosmtpd server in the drill's process that records every message it accepts, and the checks that every
outbox message reached it, or its notification, exactly once."""

from __future__ import annotations

import contextlib
import email
import hashlib
import threading
from collections import Counter
from email import policy

from .results import DrillResult

DRAIN_TIMEOUT_SECONDS = 200
SETTLE_SECONDS = 3


class MailRecorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.received: list[tuple[str, tuple[str, ...], str]] = []  # (Message-ID, recipients, subject)
        self.controller = None

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.received.append((str(message["Message-ID"]), tuple(envelope.rcpt_tos), str(message["Subject"])))
        return "250 Message accepted for delivery"

    def start(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            with contextlib.suppress(Exception):
                self.controller.stop()

    def message_ids(self) -> Counter:
        with self._lock:
            return Counter(message_id for message_id, _, _ in self.received)


def message_id_of(dedup_key: str) -> str:
    """The Message-ID the outbox gives an outbox message's e-mail (see `workflows.outbox._send`)."""
    from django.conf import settings

    return f"<{hashlib.sha256(dedup_key.encode()).hexdigest()[:32]}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def delivery(mail: MailRecorder) -> dict[str, int]:
    """Every outbox message against what reached the SMTP server and the in-app notifications."""
    from django.db.models import Count

    from workflows.models import Notification, OutboxChannel, OutboxMessage, OutboxState

    keys = list(OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL).values_list("dedup_key", flat=True))
    expected = Counter(message_id_of(key) for key in keys)
    received = mail.message_ids()
    states = Counter(OutboxMessage.objects.values_list("state", flat=True))
    in_app = set(OutboxMessage.objects.filter(channel=OutboxChannel.IN_APP).values_list("pk", flat=True))
    per_message = dict(Notification.objects.values_list("message_id").annotate(n=Count("pk")).order_by())
    return {
        "outbox messages": sum(states.values()),
        "sent": states.get(OutboxState.SENT, 0),
        "pending": states.get(OutboxState.PENDING, 0),
        "failed": states.get(OutboxState.FAILED, 0),
        "needed a retry": OutboxMessage.objects.filter(attempts__gt=1).count(),
        "e-mails expected": len(keys),
        "e-mails with a repeated Message-ID in the outbox": sum(n - 1 for n in expected.values() if n > 1),
        "e-mails delivered": sum(1 for mid in expected if received[mid] >= 1),
        "e-mails duplicated": sum(received[mid] - 1 for mid in expected if received[mid] > 1),
        "e-mails lost": sum(1 for mid in expected if received[mid] == 0),
        "e-mails nobody sent": sum(n for mid, n in received.items() if mid not in expected),
        "in-app messages": len(in_app),
        "in-app delivered": sum(1 for pk in in_app if per_message.get(pk, 0) >= 1),
        "in-app duplicated": sum(n - 1 for pk, n in per_message.items() if n > 1),
        "in-app lost": sum(1 for pk in in_app if per_message.get(pk, 0) == 0),
    }


def drained(mail: MailRecorder) -> bool:
    from workflows.models import OutboxChannel, OutboxMessage, OutboxState

    if OutboxMessage.objects.exclude(state=OutboxState.SENT).exists():
        return False
    keys = OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL).values_list("dedup_key", flat=True)
    received = mail.message_ids()
    return all(received[message_id_of(key)] for key in keys)


def check_exactly_once(result: DrillResult, figures: dict[str, int]) -> None:
    result.check(figures["outbox messages"] > 0, "the drill should have written outbox messages")
    result.check(
        figures["sent"] == figures["outbox messages"],
        f"every outbox message sent ({figures['sent']:,} of {figures['outbox messages']:,}; "
        f"{figures['pending']:,} pending, {figures['failed']:,} failed)",
    )
    for what in ("e-mails lost", "e-mails duplicated", "e-mails nobody sent", "in-app lost", "in-app duplicated"):
        result.check(figures[what] == 0, f"{what}: {figures[what]:,}")
    result.check(figures["e-mails with a repeated Message-ID in the outbox"] == 0, "Message-IDs must be unique")


def lost_line(figures: dict[str, int]) -> str:
    lost = figures["e-mails lost"] + figures["in-app lost"] + figures["pending"] + figures["failed"]
    duplicated = figures["e-mails duplicated"] + figures["in-app duplicated"]
    if not lost and not duplicated:
        return "nothing: no message lost, none duplicated"
    return (
        f"{figures['e-mails lost']:,} e-mails and {figures['in-app lost']:,} in-app messages lost "
        f"({figures['pending']:,} still pending, {figures['failed']:,} failed); {duplicated:,} duplicated"
    )
