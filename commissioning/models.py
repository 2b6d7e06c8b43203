"""The commissioning domain: organisations, people and roles, strategies and their stage machine, evidence,
and the gate policies that decide who signs off each stage."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.models import GATE_FROZEN_STATES, GateState, guard


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


def active_on(day) -> Q:
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


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


class PerformanceReview(models.Model):
    """A periodic performance review of a strategy in Do, created when it falls due."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="performance_reviews")
    cycle = models.PositiveIntegerField()
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["strategy", "cycle", "due_on"], name="performance_review_unique"),
        ]

    def __str__(self) -> str:
        return f"Performance review of {self.strategy.reference} due {self.due_on:%-d %B %Y}"


class OutcomeMeasure(models.Model):
    """A measure of a strategy's outcomes (population or service level) with a target; partners return figures."""

    class Level(models.TextChoices):
        POPULATION = "population", "Population / system level"
        SERVICE = "service", "Service / service-user level"

    class Period(models.TextChoices):
        MONTH = "month", "Monthly (YYYY-MM)"
        QUARTER = "quarter", "Quarterly (YYYY-Qn)"
        YEAR = "year", "Yearly (YYYY)"

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="outcome_measures")
    code = models.SlugField(max_length=60, help_text="Short name partners' systems use, e.g. carers-supported.")
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.SERVICE)
    unit = models.CharField(max_length=40, help_text="e.g. people, %, days, £")
    period = models.CharField(max_length=10, choices=Period.choices, default=Period.QUARTER)
    target = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    higher_is_better = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["strategy", "code"], name="outcome_measure_unique_code")]

    def __str__(self) -> str:
        return f"{self.strategy.reference}: {self.name} ({self.unit})"


class PerformanceFigure(models.Model):
    """One figure for one period of an outcome measure, returned by a partner (or recorded by an officer)."""

    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.CASCADE, related_name="figures")
    period = models.CharField(max_length=10, help_text="YYYY-MM, YYYY-Qn or YYYY, as the measure's period says.")
    value = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.CharField(max_length=500, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["measure", "period"], name="performance_figure_one_per_period")]

    def __str__(self) -> str:
        return f"{self.measure.name} {self.period}: {self.value}"


class WebhookSubscription(models.Model):
    """A partner organisation's endpoint that receives signed events instead of (or as well as) polling."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128, help_text="Shared secret for the HMAC-SHA256 signature.")
    event_types = models.JSONField(default=list, help_text="Transitions to send (empty: all).")
    active = models.BooleanField(default=True)
    last_event_id = models.PositiveBigIntegerField(default=0, help_text="The last audit event considered for it.")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Webhook #{self.pk} of {self.organisation} to {self.url}"


def _new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's secret iCalendar feed address: whoever has the token can read their deadlines, so it can be reset."""

    person = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=_new_calendar_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.person}"
