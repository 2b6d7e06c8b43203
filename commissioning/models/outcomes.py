"""Outcomes: periodic performance reviews of a strategy in Do, its outcome measures, the figures partners
return for them, and the corrections of those figures (append-only: a figure's earlier values are kept).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from workflows.models import AppendOnlyModel

from .people import Organisation, User
from .strategies import Strategy


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
        """Calendar periods, and financial-year ones as councils use them (April to March; Q1 is April to June)."""

        MONTH = "month", "Monthly (YYYY-MM)"
        QUARTER = "quarter", "Quarterly, calendar quarters (YYYY-Qn: Q1 is January to March)"
        YEAR = "year", "Yearly, calendar years (YYYY)"
        FINANCIAL_QUARTER = "financial_quarter", "Quarterly, financial-year quarters (YYYY/YY Qn: Q1 is April to June)"
        FINANCIAL_YEAR = "financial_year", "Yearly, financial years (YYYY/YY: April to March)"

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="outcome_measures")
    code = models.SlugField(max_length=60, help_text="Short name partners' systems use, e.g. carers-supported.")
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.SERVICE)
    unit = models.CharField(max_length=40, help_text="e.g. people, %, days, £")
    period = models.CharField(max_length=20, choices=Period.choices, default=Period.QUARTER)
    target = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    higher_is_better = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["strategy", "code"], name="outcome_measure_unique_code")]

    def __str__(self) -> str:
        return f"{self.strategy.reference}: {self.name} ({self.unit})"


class PerformanceFigure(models.Model):
    """One figure for one period of an outcome measure, returned by a partner (or recorded by an officer)."""

    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.CASCADE, related_name="figures")
    period = models.CharField(
        max_length=10, help_text="YYYY-MM, YYYY-Qn, YYYY, YYYY/YY Qn or YYYY/YY, as the measure's period says."
    )
    starts_on = models.DateField(
        null=True, blank=True, help_text="The day the period begins (figures are shown in this order)."
    )
    value = models.DecimalField(max_digits=14, decimal_places=2, help_text="The figure now (after any correction).")
    note = models.CharField(max_length=500, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["measure", "period"], name="performance_figure_one_per_period")]

    def __str__(self) -> str:
        return f"{self.measure.name} {self.period}: {self.value}"


class PerformanceFigureCorrection(AppendOnlyModel):
    """A correction of a returned figure, with its reason: the value (and note) it had before and the one it has
    since. Never changed or deleted, so a figure's earlier values are always known."""

    figure = models.ForeignKey(PerformanceFigure, on_delete=models.PROTECT, related_name="corrections")
    previous_value = models.DecimalField(max_digits=14, decimal_places=2)
    previous_note = models.CharField(max_length=500, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.CharField(max_length=500, blank=True)
    reason = models.CharField(max_length=1000)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    corrected_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Correction #{self.pk} of {self.figure}: from {self.previous_value} to {self.value}"
