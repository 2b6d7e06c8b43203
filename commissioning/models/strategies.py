"""Strategies and their stage machine (Analyse, Plan, Do, Review), their partners, the time spent in each stage,
and the evidence each stage's gate asks for.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.models import GATE_FROZEN_STATES, GateState, guard

from .people import OFFICER_ROLES, Organisation, RoleAssignment, User, active_on


class ServiceArea(models.TextChoices):
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    CHILDREN_AND_FAMILIES = "children_and_families", "Children and families"
    PUBLIC_HEALTH = "public_health", "Public health"
    MENTAL_HEALTH = "mental_health", "Mental health"
    HOUSING = "housing", "Housing and homelessness"
    HIGHWAYS = "highways", "Highways and transport"
    ENVIRONMENT = "environment", "Environment and waste"
    COMMUNITIES = "communities", "Communities and wellbeing"
    CORPORATE = "corporate", "Corporate services"


class PartnerKind(models.TextChoices):
    CO_COMMISSIONER = "co_commissioner", "Co-commissioner"
    POOLED_BUDGET_CONTRIBUTOR = "pooled_budget_contributor", "Pooled-budget contributor"
    CONSULTEE = "consultee", "Consultee"


class Stage(models.TextChoices):
    ANALYSE = "analyse", "Analyse"
    PLAN = "plan", "Plan"
    DO = "do", "Do"
    REVIEW = "review", "Review"
    CLOSED = "closed", "Closed"


CYCLE_STAGES = (Stage.ANALYSE, Stage.PLAN, Stage.DO, Stage.REVIEW)


class DeliveryChannel(models.TextChoices):
    IN_HOUSE = "in_house", "In-house provision"
    INSOURCING = "insourcing", "Insourcing"
    PARTNERSHIP = "partnership", "Influence and partnership"
    OUTSOURCING = "outsourcing", "Outsourcing / procurement"
    DECOMMISSION = "decommission", "Decommission"


class Recommendation(models.TextChoices):
    RECOMMISSION = "recommission", "Recommission"
    VARY = "vary", "Vary"
    DECOMMISSION = "decommission", "Decommission"


@guard("the current stage's gate must have passed")
def _gate_passed(strategy: Strategy) -> bool:
    return strategy.current_gate is not None and strategy.current_gate.state == GateState.PASSED


@guard("the review must recommend recommissioning or varying the service")
def _recommends_continuing(strategy: Strategy) -> bool:
    return strategy.recommendation in (Recommendation.RECOMMISSION, Recommendation.VARY)


@guard("the review must recommend decommissioning the service")
def _recommends_decommissioning(strategy: Strategy) -> bool:
    return strategy.recommendation == Recommendation.DECOMMISSION


def can_manage_strategy(strategy: Strategy, user) -> bool:
    """The lead officer, or a commissioning officer or manager at the lead organisation."""
    if user is None:
        return False
    if strategy.lead_officer_id == user.pk:
        return True
    return (
        RoleAssignment.objects.filter(
            person=user, organisation_id=strategy.lead_organisation_id, role__in=OFFICER_ROLES
        )
        .filter(active_on(timezone.localdate()))
        .exists()
    )


class Strategy(ConcurrentTransitionMixin, models.Model):
    """A commissioning strategy going round Analyse, Plan, Do, Review."""

    reference = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    service_area = models.CharField(max_length=40, choices=ServiceArea.choices)
    lead_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="led_strategies")
    lead_officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="led_strategies")
    partners = models.ManyToManyField(Organisation, through="StrategyPartner", related_name="partner_strategies")
    annual_value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    total_contract_value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    capital_value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    pooled_budget = models.BooleanField(default=False)

    stage = FSMField(default=Stage.ANALYSE, choices=Stage.choices, protected=True)
    cycle = models.PositiveIntegerField(default=1)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    delivery_channel = models.CharField(
        "delivery channel (right source)", max_length=20, choices=DeliveryChannel.choices, blank=True
    )
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    next_review_date = models.DateField(
        null=True, blank=True, help_text="When the strategy moves into Review (once its Do gate has passed)."
    )
    review_cadence_months = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1)],
        help_text="How often a performance review falls due while the strategy is in Do (months).",
    )
    current_gate = models.OneToOneField(
        "workflows.Gate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, help_text="Increases with every change.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name_plural = "strategies"
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_value__gte=0) & Q(total_contract_value__gte=0) & Q(capital_value__gte=0),
                name="strategy_values_not_negative",
                violation_error_message="Values cannot be negative.",
            ),
        ]
        indexes = [models.Index(fields=["lead_organisation", "stage"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @property
    def content_frozen(self) -> bool:
        return self.current_gate is not None and self.current_gate.state in GATE_FROZEN_STATES

    # Transitions: guards and fields only. Each moves to the next stage once the current gate has passed.

    @transition(
        field=stage, source=Stage.ANALYSE, target=Stage.PLAN, conditions=[_gate_passed], permission=can_manage_strategy
    )
    def begin_plan(self) -> None:
        self.stage_entered_at = timezone.now()

    @transition(
        field=stage, source=Stage.PLAN, target=Stage.DO, conditions=[_gate_passed], permission=can_manage_strategy
    )
    def begin_do(self) -> None:
        self.stage_entered_at = timezone.now()

    @transition(
        field=stage, source=Stage.DO, target=Stage.REVIEW, conditions=[_gate_passed], permission=can_manage_strategy
    )
    def begin_review(self) -> None:
        self.stage_entered_at = timezone.now()

    @transition(
        field=stage,
        source=Stage.REVIEW,
        target=Stage.ANALYSE,
        conditions=[_gate_passed, _recommends_continuing],
        permission=can_manage_strategy,
    )
    def recommission(self) -> None:
        self.cycle += 1
        self.stage_entered_at = timezone.now()
        self.recommendation = ""
        self.next_review_date = None  # the new cycle's Plan sets its own

    @transition(
        field=stage,
        source=Stage.REVIEW,
        target=Stage.CLOSED,
        conditions=[_gate_passed, _recommends_decommissioning],
        permission=can_manage_strategy,
    )
    def decommission(self) -> None:
        self.stage_entered_at = timezone.now()


ADVANCE_FROM = {
    Stage.ANALYSE: "begin_plan",
    Stage.PLAN: "begin_do",
    Stage.DO: "begin_review",
}


class StrategyPartner(models.Model):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="partner_links")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="partner_links")
    kind = models.CharField(max_length=30, choices=PartnerKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["strategy", "organisation"], name="strategy_partner_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_kind_display()}) on {self.strategy.reference}"


class StagePeriod(models.Model):
    """When a strategy entered and left a stage of a cycle: time spent per stage comes from here."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="stage_periods")
    cycle = models.PositiveIntegerField()
    stage = models.CharField(max_length=20, choices=Stage.choices)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["strategy", "cycle", "stage"], name="stage_period_unique"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.strategy.reference} cycle {self.cycle} {self.get_stage_display()} from {self.entered_at:%Y-%m-%d}"
        )


class EvidenceTemplate(models.Model):
    """A deliverable a stage's gate asks for; administrators can change the list."""

    stage = models.CharField(max_length=20, choices=[(s.value, s.label) for s in CYCLE_STAGES])
    code = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True)
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stage", "code"], name="evidence_template_unique")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.title}"


class EvidenceStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"


class Evidence(models.Model):
    """One deliverable of one stage of one cycle of a strategy."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="evidence")
    cycle = models.PositiveIntegerField()
    stage = models.CharField(max_length=20, choices=Stage.choices)
    template = models.ForeignKey(EvidenceTemplate, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=20, choices=EvidenceStatus.choices, default=EvidenceStatus.NOT_STARTED)
    content = models.TextField(blank=True)
    link = models.URLField(max_length=500, blank=True)
    completed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "evidence"
        constraints = [
            models.UniqueConstraint(fields=["strategy", "cycle", "stage", "template"], name="evidence_unique"),
            models.CheckConstraint(
                condition=~Q(status="complete") | Q(completed_at__isnull=False),
                name="evidence_complete_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy.reference} cycle {self.cycle} {self.get_stage_display()}: {self.title}"

    @property
    def audit_subject(self):
        return self.strategy
