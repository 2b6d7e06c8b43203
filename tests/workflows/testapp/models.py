"""The test subject and its directory's tables.

`Proposal` is all a subject needs: gates attach to it through the engine's generic relation, and its `version` and
`updated_at` move with every change (`workflows.transitions.record_change`). `Membership` says who holds which role
at which organisation, from a date and optionally until one; `EscalationContact` who hears of an organisation's
overdue sign-offs. Organisations are the model named by `settings.WORKFLOWS_ORGANISATION_MODEL`, whatever it is.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Proposal(models.Model):
    """Something that needs signing off: the engine's test subject."""

    title = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    gates = GenericRelation("workflows.Gate", content_type_field="subject_type", object_id_field="subject_id")

    def __str__(self) -> str:
        return f"Proposal #{self.pk}: {self.title}"

    @property
    def gate(self):
        """The proposal's one gate (the tests give each proposal one)."""
        return self.gates.get()


class Membership(models.Model):
    """A person holds a role at an organisation, from a date and optionally until one."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(settings.WORKFLOWS_ORGANISATION_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=40)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation", "role"], name="testapp_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"Membership #{self.pk}: person #{self.person_id}, {self.role} at organisation #{self.organisation_id}"


class EscalationContact(models.Model):
    """Who is told when an organisation's sign-offs (or its people's actions) are overdue."""

    organisation = models.OneToOneField(
        settings.WORKFLOWS_ORGANISATION_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"Escalation contact of organisation #{self.organisation_id}: person #{self.person_id}"


def active_on(day) -> Q:
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
