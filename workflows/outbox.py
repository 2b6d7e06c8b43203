"""The outbox: notifications are rows written with the change that causes them, and sent by workers afterwards.

`notify` writes rows in the caller's transaction (a unique deduplication key per message, so nothing is written
twice) and asks a worker to deliver them once the transaction commits. `deliver_due` sends what is due, one message
per transaction with the row locked (`SKIP LOCKED`, so several workers share the work), recording each failure and
retrying with exponential backoff. If the broker is down, nothing is lost: the rows wait, and the periodic outbox
sweep delivers them.

A delivery task sends one batch (OUTBOX_BATCH_SIZE messages) and, when the batch was full and messages that were due
before it began still wait, queues one follow-up of itself at once (`deliver_batch`), so a backlog drains at the
workers' pace instead of one batch per beat tick. `backlog` and `backlog_age` say how large and how old it is.

In-app delivery is exactly once (one notification per message, enforced by the database). E-mail goes through SMTP,
or through GOV.UK Notify when NOTIFY_API_KEY is set (`workflows.notify`); a failure the far side calls final (Notify:
an invalid address) fails the message at once instead of being retried. E-mail is handed to the SMTP server once per
message; a worker killed between the server's acceptance and the commit would send it again, with the same
Message-ID, so the copy is recognisable.

A webhook is POSTed, signed, to its subscriber's URL (`webhook_delivery`); each attempt, failed or not, is recorded as
a `DeliveryAttempt` for the subscriber's delivery log. A receiver that fails gets the same message again, with the
same `X-Webhook-Id`, so delivery is at least once and receivers drop repeats by that id.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string, select_template
from django.utils import timezone
from django.utils.timesince import timesince

from . import notify as gov_notify
from .models import Notification, OutboxChannel, OutboxMessage, OutboxState

log = logging.getLogger(__name__)

DEFAULT_CHANNELS = (OutboxChannel.IN_APP, OutboxChannel.EMAIL)


def message_key(key: str, channel: str, recipient_id: int) -> str:
    return f"{key}:{channel}:{recipient_id}"[:255]


def build_messages(
    *,
    recipients: Iterable,
    key: str,
    template: str,
    context: dict,
    subject: models.Model | None = None,
    subject_ref: tuple[int, int] | None = None,
    channels: Sequence[str] = DEFAULT_CHANNELS,
) -> list[OutboxMessage]:
    """Unsaved outbox rows: one per recipient and channel (no e-mail row for a person without an address)."""
    if subject is not None:
        subject_ref = (ContentType.objects.get_for_model(subject).pk, subject.pk)
    subject_type_id, subject_id = subject_ref or (None, None)
    rows: list[OutboxMessage] = []
    seen: set[int] = set()
    now = timezone.now()
    for person in recipients:
        if person is None or person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        for channel in channels:
            if channel == OutboxChannel.EMAIL and not person.email:
                continue
            rows.append(
                OutboxMessage(
                    dedup_key=message_key(key, channel, person.pk),
                    channel=channel,
                    recipient_id=person.pk,
                    address=person.email if channel == OutboxChannel.EMAIL else "",
                    template=template,
                    context={**context, "recipient_name": person.get_full_name() or person.get_username()},
                    subject_type_id=subject_type_id,
                    subject_id=subject_id,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    return rows


def enqueue(rows: Sequence[OutboxMessage]) -> list[OutboxMessage]:
    """Write rows in the caller's transaction, skipping keys already written; deliver after commit.

    Returns the rows that were new (read before writing; the unique key still guards against a concurrent writer).
    """
    if not rows:
        return []
    keys = [row.dedup_key for row in rows]
    existing = set(OutboxMessage.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))
    new_rows = [row for row in rows if row.dedup_key not in existing]
    if new_rows:
        OutboxMessage.objects.bulk_create(new_rows, ignore_conflicts=True, batch_size=1000)
        _request_delivery_after_commit()
    return new_rows


def _request_delivery_after_commit() -> None:
    """Ask for delivery once per transaction, however many changes in it wrote to the outbox."""
    connection = transaction.get_connection()
    if any(func is request_delivery for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(request_delivery)


def notify(**kwargs) -> int:
    """Write notifications for `recipients` (in-app and e-mail) in the caller's transaction; see `build_messages`.

    Returns how many messages were new."""
    return len(enqueue(build_messages(**kwargs)))


DELIVER_TASK = "workflows.deliver_outbox"  # workflows.tasks.deliver_outbox, sent by name: tasks call this module


def request_delivery() -> None:
    """Ask a worker to deliver due messages. A broker that is down is not an error: the outbox sweep catches up.

    With Celery's eager mode (the unit tests) the due messages are delivered here and now instead."""
    app = current_app._get_current_object()
    if app.conf.task_always_eager:
        deliver_due()
        return
    _publish(app, lambda connection: app.send_task(DELIVER_TASK, connection=connection, retry=False))


def _publish(app, send) -> bool:
    """Hand a task to the broker with one quick attempt: `send(connection)`. False, and a warning, when the broker is
    unreachable: the rows wait for the outbox sweep."""
    try:
        # One quick attempt: a request must not wait on Celery's default of 100 reconnection attempts.
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            send(connection)
    except Exception:  # the broker is unreachable: log it and leave the rows for the sweep
        log.warning("Could not reach the task broker; the outbox sweep will deliver the waiting messages.")
        return False
    return True


# --------------------------------------------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> dt.timedelta:
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def render(message: OutboxMessage) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a message, from templates/notifications/<template>/."""
    context = {**message.context, "site_url": settings.SITE_URL.rstrip("/")}
    base = f"notifications/{message.template}"
    subject = " ".join(render_to_string(f"{base}/subject.txt", context).split())
    text = render_to_string(f"{base}/body.txt", context).strip() + "\n"
    html = select_template([f"{base}/body.html", "notifications/base.html"]).render(context | {"text": text})
    return subject, text, html


def _send(message: OutboxMessage, mail_connection) -> None:
    if message.channel == OutboxChannel.WEBHOOK:
        from .webhook_delivery import deliver_webhook  # no templates: the body is the message's JSON context

        deliver_webhook(message)
        return
    subject, text, html = render(message)
    if message.channel == OutboxChannel.IN_APP:
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient_id=message.recipient_id,
                    message=message,
                    title=subject[:300],
                    body=text,
                    link=message.context.get("link", "")[:500],
                    subject_type_id=message.subject_type_id,
                    subject_id=message.subject_id,
                )
        except IntegrityError:
            pass  # already delivered: exactly one notification per message
    elif message.channel == OutboxChannel.EMAIL:
        digest = hashlib.sha256(message.dedup_key.encode()).hexdigest()[:32]
        if gov_notify.is_configured():  # GOV.UK Notify instead of SMTP: the same text, Notify's template around it
            gov_notify.send_email(
                address=message.address,
                template=message.template,
                subject=subject,
                body=text,
                context=message.context,
                reference=digest,
            )
            return
        email = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            headers={"Message-ID": f"<{digest}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"},
            connection=mail_connection,
        )
        email.attach_alternative(html, "text/html")
        email.send(fail_silently=False)
    else:
        raise ValueError(f"Unknown channel {message.channel!r}")


def deliver_one(message_id: int | None = None, *, mail_connection=None) -> str | None:
    """Claim one due message (or the given one), send it and record the outcome, in one transaction.

    Returns the new state, or None when there was nothing to claim (sent already, not due, or another worker has it).
    """
    now = timezone.now()
    with transaction.atomic():
        due = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            state=OutboxState.PENDING, next_attempt_at__lte=now
        )
        if message_id is not None:
            due = due.filter(pk=message_id)
        message = due.order_by("next_attempt_at", "pk").first()
        if message is None:
            return None
        message.attempts += 1
        try:
            _send(message, mail_connection)
        except Exception as exc:  # any failure of the far side is recorded and retried, never raised to the worker
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if getattr(exc, "permanent", False):  # the far side refused it for good (Notify: an invalid address)
                message.state = OutboxState.FAILED
                log.error("Outbox message %s refused permanently, not retried: %s", message.pk, exc)
            elif message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.state = OutboxState.FAILED
                log.error("Gave up on outbox message %s after %s attempts: %s", message.pk, message.attempts, exc)
            else:
                message.next_attempt_at = now + backoff(message.attempts)
                log.warning("Outbox message %s failed (attempt %s): %s", message.pk, message.attempts, exc)
        else:
            message.state = OutboxState.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
            log.info("Outbox message %s delivered (%s, attempt %s)", message.pk, message.channel, message.attempts)
        message.save(update_fields=["attempts", "state", "sent_at", "last_error", "next_attempt_at"])
        return message.state


def batch_size() -> int:
    """How many messages one delivery task sends before it hands the rest to a follow-up (OUTBOX_BATCH_SIZE)."""
    return max(int(getattr(settings, "OUTBOX_BATCH_SIZE", 500)), 1)


def deliver_due(*, limit: int | None = None) -> DeliveryReport:
    """Deliver up to `limit` due messages (default: one batch), oldest first, sharing one SMTP connection."""
    limit = batch_size() if limit is None else limit
    report = DeliveryReport()
    mail_connection = get_connection()
    opened = False
    try:
        for _ in range(limit):
            if not opened and not gov_notify.is_configured() and _email_due():
                opened = True
                # One SMTP session for the run; if it cannot open, each message's own attempt records why.
                with contextlib.suppress(Exception):
                    mail_connection.open()
            state = deliver_one(mail_connection=mail_connection)
            if state is None:
                break
            if state == OutboxState.SENT:
                report.sent += 1
            elif state == OutboxState.FAILED:
                report.failed += 1
            else:
                report.retried += 1
    finally:
        mail_connection.close()
    return report


def deliver_batch() -> tuple[DeliveryReport, bool]:
    """Deliver one batch; and say whether a backlog remains behind it, for the task to queue a follow-up.

    A backlog remains when the batch was full (a batch that ran out of messages to claim leaves the rest, if any, to
    the workers holding them) and messages that were already due before it began still wait. A message that failed
    in this batch is due again only after its backoff, later than the batch began, so a backlog that keeps failing
    queues no follow-up: it is retried when its backoff has passed, by the sweep.
    """
    began = timezone.now()
    limit = batch_size()
    report = deliver_due(limit=limit)
    full = report.sent + report.retried + report.failed >= limit
    return report, full and _due_before(began)


def _due_before(moment: dt.datetime) -> bool:
    return OutboxMessage.objects.filter(state=OutboxState.PENDING, next_attempt_at__lt=moment).exists()


def queue_follow_up(task) -> bool:
    """Queue `task` (the delivery task) again at once. False, and a warning, if the broker cannot be reached: the
    outbox sweep then carries on where this batch stopped. (Celery's eager mode runs it here and now.)"""
    if task.app.conf.task_always_eager:
        task.apply_async()
        return True
    return _publish(task.app, lambda connection: task.apply_async(connection=connection, retry=False))


def retry_now(message_ids) -> int:
    """Make unsent messages (failed ones included) due now, with a fresh count of attempts."""
    return (
        OutboxMessage.objects.filter(pk__in=list(message_ids))
        .exclude(state=OutboxState.SENT)
        .update(state=OutboxState.PENDING, next_attempt_at=timezone.now(), attempts=0)
    )


def _email_due() -> bool:
    return OutboxMessage.objects.filter(
        state=OutboxState.PENDING, channel=OutboxChannel.EMAIL, next_attempt_at__lte=timezone.now()
    ).exists()


def backlog() -> dict[str, int]:
    """Counts of waiting, due, failed and sent messages, for the `outbox` command."""
    now = timezone.now()
    counts = dict(OutboxMessage.objects.values_list("state").annotate(n=models.Count("pk")).order_by())
    return {
        "pending": counts.get(OutboxState.PENDING, 0),
        "due now": OutboxMessage.objects.filter(state=OutboxState.PENDING, next_attempt_at__lte=now).count(),
        "failed": counts.get(OutboxState.FAILED, 0),
        "sent": counts.get(OutboxState.SENT, 0),
    }


@dataclass(frozen=True)
class BacklogAge:
    """How old the backlog is: when the oldest message not yet sent was written (overall and per channel), and
    since when the message due longest has been due (with workers keeping up, seconds ago)."""

    oldest_waiting: dt.datetime | None
    oldest_due: dt.datetime | None
    waiting_by_channel: dict[str, dt.datetime]


def backlog_age(now: dt.datetime | None = None) -> BacklogAge:
    now = now or timezone.now()
    pending = OutboxMessage.objects.filter(state=OutboxState.PENDING)
    oldest = pending.aggregate(
        waiting=models.Min("created_at"),
        due=models.Min("next_attempt_at", filter=models.Q(next_attempt_at__lte=now)),
    )
    by_channel = dict(pending.values_list("channel").annotate(oldest=models.Min("created_at")).order_by("channel"))
    return BacklogAge(oldest_waiting=oldest["waiting"], oldest_due=oldest["due"], waiting_by_channel=by_channel)


def age_in_words(since: dt.datetime, now: dt.datetime | None = None) -> str:
    """'3 minutes', '2 hours, 5 minutes', '1 day, 4 hours'; 'less than a minute' below that."""
    words = timesince(since, now or timezone.now(), depth=2).replace("\xa0", " ")
    return "less than a minute" if words == "0 minutes" else words
