"""The outbox and what it delivers: messages to send after commit (in-app, e-mail, webhook), in-app
notifications, webhook delivery attempts, and the idempotency keys of write requests.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class OutboxChannel(models.TextChoices):
    IN_APP = "in_app", "In-app notification"
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class OutboxState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up after retries)"


class OutboxMessage(models.Model):
    """A message to send, written in the same transaction as the change that causes it.

    The deduplication key is unique, so a change or a sweep that runs twice writes it once; a worker sends it after
    commit, and the outbox sweep retries anything not yet sent, with exponential backoff.
    """

    dedup_key = models.CharField(max_length=255, unique=True)
    channel = models.CharField(max_length=20, choices=OutboxChannel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address = models.CharField(max_length=500, blank=True, help_text="E-mail address, or the webhook's URL.")
    template = models.CharField(max_length=100)
    context = models.JSONField(default=dict)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return (
            f"Outbox #{self.pk}: {self.template} by {self.get_channel_display().lower()} ({self.get_state_display()})"
        )


class Notification(models.Model):
    """An in-app notification; exactly one per in-app outbox message."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    message = models.OneToOneField(OutboxMessage, on_delete=models.CASCADE, related_name="notification")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]

    def __str__(self) -> str:
        return f"Notification #{self.pk} to {self.recipient}: {self.title}"


class DeliveryAttempt(models.Model):
    """One attempt to deliver a webhook message: what the receiver answered, or why it could not be reached."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempts_log")
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["message", "attempted_at"])]

    def __str__(self) -> str:
        outcome = self.status_code or self.error
        return f"Attempt on outbox #{self.message_id} at {self.attempted_at:%Y-%m-%d %H:%M:%S}: {outcome}"


class IdempotencyKey(models.Model):
    """A write request's Idempotency-Key and the response it got, so a retry returns the same and changes nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(
        null=True, blank=True, help_text="The first response as data (kept for rows made before response_content)."
    )
    response_content = models.BinaryField(default=b"", help_text="The first response's body, byte for byte.")
    response_content_type = models.CharField(max_length=100, blank=True)
    response_headers = models.JSONField(default=dict, blank=True, help_text="Headers a replay sends again (ETag).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"Idempotency key {self.key!r} of user #{self.user_id}"
