"""Gate policies: which seats each stage's gate needs, by the strategy's value and whether it is a key decision."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from .people import Role
from .strategies import CYCLE_STAGES


class GatePolicy(models.Model):
    """Which seats a stage's gate needs: one policy per stage, with rules by value and key-decision status."""

    stage = models.CharField(max_length=20, choices=[(s.value, s.label) for s in CYCLE_STAGES], unique=True)
    name = models.CharField(max_length=200)
    key_decisions_apply = models.BooleanField(
        default=True,
        help_text="Whether this stage's gate is a key decision when the lead organisation's threshold is met.",
    )

    class Meta:
        verbose_name_plural = "gate policies"

    def __str__(self) -> str:
        return self.name


class SeatParty(models.TextChoices):
    LEAD = "lead", "The lead organisation"
    EACH_PARTNER = "each_partner", "Each partner organisation"
    EACH_POOLED_BUDGET_PARTNER = "each_pooled_budget_partner", "Each pooled-budget contributor"
    EACH_CO_COMMISSIONER = "each_co_commissioner", "Each co-commissioner"


class KeyDecisionScope(models.TextChoices):
    ANY = "any", "Any gate"
    KEY_ONLY = "key_only", "Key decisions only"
    NON_KEY_ONLY = "non_key_only", "Gates that are not key decisions"


class SeatRule(models.Model):
    """A seat a gate needs when the strategy's total contract value is in [min_value, below_value)."""

    policy = models.ForeignKey(GatePolicy, on_delete=models.CASCADE, related_name="rules")
    role = models.CharField(max_length=40, choices=Role.choices)
    party = models.CharField(max_length=40, choices=SeatParty.choices, default=SeatParty.LEAD)
    min_value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Applies at or above this value."
    )
    below_value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Applies below this value."
    )
    key_decision_scope = models.CharField(max_length=20, choices=KeyDecisionScope.choices, default=KeyDecisionScope.ANY)
    required_approvals = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="A panel: how many of the role's holders must approve."
    )
    due_working_days = models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(1)])
    requires_record_of_decision = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(below_value__isnull=True)
                | Q(below_value__gt=models.F("min_value")),
                name="seat_rule_value_range_valid",
                violation_error_message="'Applies below' must be more than 'applies at or above'.",
            ),
            models.CheckConstraint(
                condition=Q(required_approvals__gte=1),
                name="seat_rule_at_least_one_approval",
                violation_error_message="A seat needs at least one approval.",
            ),
        ]

    def __str__(self) -> str:
        low = f"£{self.min_value:,.0f}" if self.min_value is not None else "£0"
        high = f"below £{self.below_value:,.0f}" if self.below_value is not None else "and above"
        party = self.get_party_display().lower()
        return f"{self.policy.get_stage_display()}: {self.get_role_display()} at {party} ({low} {high})"

    def applies(self, *, value: Decimal, key_decision: bool) -> bool:
        if self.min_value is not None and value < self.min_value:
            return False
        if self.below_value is not None and value >= self.below_value:
            return False
        if self.key_decision_scope == KeyDecisionScope.KEY_ONLY:
            return key_decision
        if self.key_decision_scope == KeyDecisionScope.NON_KEY_ONLY:
            return not key_decision
        return True
