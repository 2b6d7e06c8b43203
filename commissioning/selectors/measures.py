"""A strategy's outcome measures with their returned figures."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from ..models import OutcomeMeasure, PerformanceFigure


def measures_with_figures(strategy_id: int) -> QuerySet[OutcomeMeasure]:
    """A strategy's measures, population level first, each with its figures by period: two queries in all.

    The caller has already checked that the person may see the strategy."""
    figures = PerformanceFigure.objects.select_related("organisation", "submitted_by").order_by("period", "pk")
    return (
        OutcomeMeasure.objects.filter(strategy_id=strategy_id)
        .select_related("strategy")
        .prefetch_related(Prefetch("figures", queryset=figures))
        .order_by("level", "code", "pk")
    )
