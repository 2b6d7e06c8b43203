"""People, organisations and the roles people hold at them (from a date, optionally until one)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class User(AbstractUser):
    """A person who signs in: officers, members, partners' staff, administrators."""

    job_title = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class OrganisationKind(models.TextChoices):
    COUNTY_COUNCIL = "county_council", "County council"
    DISTRICT_COUNCIL = "district_council", "District council"
    ICB = "icb", "Integrated care board"
    NHS_TRUST = "nhs_trust", "NHS trust"
    PUBLIC_HEALTH = "public_health", "Public health"
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector"
    PROVIDER = "provider", "Provider"


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    code = models.SlugField(max_length=20, unique=True, help_text="Short code used in strategy references.")
    kind = models.CharField(max_length=30, choices=OrganisationKind.choices)
    escalation_contact = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who is told when this organisation's sign-offs are overdue.",
    )
    key_decision_revenue_threshold = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Total contract value at or above which a gate is a key decision. Empty: no key decisions.",
    )
    key_decision_capital_threshold = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Capital value at or above which a gate is a key decision. Empty: no capital threshold.",
    )
    call_in_working_days = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1)], help_text="Length of the call-in window for key decisions."
    )
    urgent_decisions_may_skip_call_in = models.BooleanField(
        "constitution allows urgent decisions to be exempt from call-in",
        default=False,
        help_text="Whether the constitution lets an urgent key decision take effect at once, without a call-in "
        "window, when the scrutiny chair agrees (and the record of decision says so and why).",
    )
    officer_decision_threshold = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Total contract value at or above which a gate decided by officers alone (no executive member) "
        "must be recorded and published as an officer decision (Openness of Local Government Bodies Regulations "
        "2014, reg 7). Empty: no officer decision records.",
    )
    representations_text = models.TextField(
        "how to make representations",
        blank=True,
        help_text="Published with every forward-plan notice: how and by when anyone may make representations "
        "about a key decision, and where to ask for the documents.",
    )

    def __str__(self) -> str:
        return self.name

    @property
    def makes_key_decisions(self) -> bool:
        return self.key_decision_revenue_threshold is not None or self.key_decision_capital_threshold is not None


class Role(models.TextChoices):
    COMMISSIONING_OFFICER = "commissioning_officer", "Commissioning officer"
    COMMISSIONING_MANAGER = "commissioning_manager", "Commissioning manager"
    FINANCE = "finance", "Finance officer"
    LEGAL = "legal", "Legal officer"
    PROCUREMENT = "procurement", "Procurement officer"
    EXECUTIVE_MEMBER = "executive_member", "Executive member"
    SCRUTINY_MEMBER = "scrutiny_member", "Scrutiny member"
    SCRUTINY_CHAIR = "scrutiny_chair", "Scrutiny chair"
    PARTNER_SIGNATORY = "partner_signatory", "Partner signatory"
    PARTNER_VIEWER = "partner_viewer", "Partner viewer"


OFFICER_ROLES = (Role.COMMISSIONING_OFFICER, Role.COMMISSIONING_MANAGER)
SCRUTINY_ROLES = (Role.SCRUTINY_MEMBER, Role.SCRUTINY_CHAIR)


class RoleAssignment(models.Model):
    """A person holds a role at an organisation, from a date and optionally until one."""

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=40, choices=Role.choices)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation", "role"], name="role_assignment_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="role_assignment_ends_after_start",
                violation_error_message="The role must end on or after the day it starts.",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "role"])]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_role_display()}, {self.organisation}"


def active_on(day) -> Q:
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
