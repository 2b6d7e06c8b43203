"""How partners and people follow the work from their own systems: webhook subscriptions (their signing secrets
encrypted at rest) and calendar feeds."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

from .. import secrets_at_rest
from .people import Organisation, User


class WebhookSubscription(models.Model):
    """A partner organisation's endpoint that receives signed events instead of (or as well as) polling."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret_encrypted = models.TextField(
        editable=False, help_text="The HMAC-SHA256 signing secret, encrypted (commissioning.secrets_at_rest)."
    )
    event_types = models.JSONField(default=list, help_text="Transitions to send (empty: all).")
    active = models.BooleanField(default=True)
    last_event_id = models.PositiveBigIntegerField(default=0, help_text="The last audit event considered for it.")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Webhook #{self.pk} of {self.organisation} to {self.url}"

    @property
    def secret(self) -> str:
        """The signing secret, decrypted (SecretUnreadable when no key in SECRETS_ENCRYPTION_KEYS opens it)."""
        return secrets_at_rest.decrypt(self.secret_encrypted)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = secrets_at_rest.encrypt(value)


def _new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's secret iCalendar feed address: whoever has the token can read their deadlines, so it can be reset."""

    person = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=_new_calendar_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.person}"
