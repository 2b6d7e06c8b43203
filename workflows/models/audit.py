"""The audit trail: one append-only row per change, written in the same transaction as the change, each row chained
by hashes to the one before it on its chain (one chain per subject), so that an edit made in the database itself is
found (`manage.py verify_audit`; the hashes are defined in `workflows.trail.hashing`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .base import AppendOnlyModel


class AuditEvent(AppendOnlyModel):
    """One change, written in the same transaction as the change. Never updated, never deleted."""

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the system acted (a scheduled task).",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=300)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    transition = models.CharField(max_length=60)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    reason = models.TextField(blank=True)
    snapshot_hash = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # The hash chain: the event is number `chain_position` of its chain; `content_hash` is the SHA-256 of its content
    # (`trail.hashing.event_content`) and `previous_hash` the hash of the event before it on the chain.
    chain = models.ForeignKey(
        "AuditChain", on_delete=models.PROTECT, related_name="events", db_index=False, help_text="Its subject's chain."
    )
    chain_position = models.PositiveBigIntegerField(help_text="1 for the chain's first event, then one more each.")
    previous_hash = models.CharField(max_length=64, help_text="The hash of the event before it on its chain.")
    content_hash = models.CharField(max_length=64, help_text="The SHA-256 of the event's content.")

    class Meta:
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "id"]),
            models.Index(fields=["object_type", "object_id", "id"]),
        ]
        constraints = [
            # The database refuses a fork: two events can never take the same place on a chain.
            models.UniqueConstraint(fields=["chain", "chain_position"], name="auditevent_one_event_per_chain_position"),
        ]

    def __str__(self) -> str:
        who = self.actor or "system"
        return f"Audit #{self.pk}: {self.transition} on {self.object_repr} by {who}"


class AuditChain(models.Model):
    """The head of one chain of the trail: its length and the hash of its last event. Appending an event locks this
    row until the transaction ends (for a strategy's chain the service already holds the strategy's lock)."""

    key = models.CharField(max_length=120, unique=True, help_text='"app.model:id" of the subject, or "general".')
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    length = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Audit chain {self.key}: {self.length} events, head {self.head_hash[:12]}"
