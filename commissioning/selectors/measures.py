"""A strategy's outcome measures with their returned figures (and the figures' corrections)."""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet

from ..models import OutcomeMeasure, PerformanceFigure, PerformanceFigureCorrection
from .people import organisations_of

# By the day each period begins (not by its text); a figure kept without that day, by its period, after them.
FIGURE_ORDER = (F("starts_on").asc(nulls_last=True), "period", "pk")


def figure_corrections() -> QuerySet[PerformanceFigureCorrection]:
    """Corrections, oldest first, with who made them."""
    return PerformanceFigureCorrection.objects.select_related("organisation", "corrected_by").order_by(
        "corrected_at", "pk"
    )


def measures_with_figures(strategy_id: int) -> QuerySet[OutcomeMeasure]:
    """A strategy's measures, population level first, each with its figures in the order of their periods and each
    figure with its corrections: three queries in all.

    The caller has already checked that the person may see the strategy."""
    figures = (
        PerformanceFigure.objects.select_related("organisation", "submitted_by")
        .prefetch_related(Prefetch("corrections", queryset=figure_corrections()))
        .order_by(*FIGURE_ORDER)
    )
    return (
        OutcomeMeasure.objects.filter(strategy_id=strategy_id)
        .select_related("strategy")
        .prefetch_related(Prefetch("figures", queryset=figures))
        .order_by("level", "code", "pk")
    )


def correctable_figures(user, strategy_id: int) -> QuerySet[PerformanceFigure]:
    """The strategy's figures that `user` may correct: those returned by an organisation where they hold a role today
    (`services.measures.figure_correct` checks the same, with the strategy's stage), by measure and period."""
    if user is None or not user.is_authenticated or not user.is_active:
        return PerformanceFigure.objects.none()
    return (
        PerformanceFigure.objects.filter(measure__strategy_id=strategy_id, organisation_id__in=organisations_of(user))
        .select_related("measure", "organisation")
        .order_by("measure__level", "measure__code", *FIGURE_ORDER)
    )
