"""How the domain's admin pages show money and order stages."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, Value, When

from ..models import CYCLE_STAGES


def money(value: Decimal | None) -> str:
    """£1,250,000 (pence only when there are some); a dash when empty."""
    if value is None:
        return "-"
    return f"£{value:,.2f}" if value % 1 else f"£{value:,.0f}"


def stage_order(field: str = "stage"):
    """Order by the cycle (Analyse, Plan, Do, Review, then anything else), not alphabetically."""
    whens = [When(**{field: stage}, then=Value(index)) for index, stage in enumerate(CYCLE_STAGES)]
    return Case(*whens, default=Value(len(CYCLE_STAGES))).asc()
