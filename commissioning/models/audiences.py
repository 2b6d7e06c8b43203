"""What each organisation can see has changed: a counter per organisation, for cheap polling.

A partner's unchanged poll of its strategies is answered from the counters of the organisations where the caller
holds a role (one indexed read), not from the strategies themselves. Every write that changes a strategy as the API
shows it (`services.common.record_strategy_change`, the rename of an organisation, ...) adds one to the counter of
each organisation the strategy is shown to, its lead and its partners, in the same transaction as the change.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AudienceCounter(models.Model):
    """How many changes the strategies shown to one organisation have had, and when the last one was."""

    organisation = models.OneToOneField(
        "commissioning.Organisation", primary_key=True, on_delete=models.CASCADE, related_name="audience_counter"
    )
    changes = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Changes seen by organisation #{self.organisation_id}: {self.changes}"
