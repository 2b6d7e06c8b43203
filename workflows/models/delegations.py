"""Delegations: a person lets a deputy decide their seats for a date range."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Delegation(models.Model):
    """A person lets a deputy decide their seats for a date range."""

    principal = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_given")
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_held")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="delegation_ends_after_start",
                violation_error_message="The last day must be on or after the first day.",
            ),
            models.CheckConstraint(
                condition=~Q(principal=models.F("deputy")),
                name="delegation_not_to_self",
                violation_error_message="A person cannot be their own deputy.",
            ),
        ]
        indexes = [models.Index(fields=["deputy", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"Delegation #{self.pk}: {self.principal} to {self.deputy}, {self.starts_on} to {self.ends_on}"

    @property
    def audit_subject(self):
        return None
