"""Organisations: what follows from an administrator changing one."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from workflows.models import Seat

from ..models import AudienceCounter, Strategy, StrategyPartner
from ..selectors import audiences_of
from .common import tell_audiences


def organisation_renamed(*, organisation_id: int) -> int:
    """An organisation's name or code changed: every strategy that shows it (as lead, partner or seat of its current
    gate) changes its version, and every organisation those strategies are shown to sees a change, so that no
    partner's poll keeps the old name. In the caller's transaction (the admin's save). How many strategies."""
    with transaction.atomic():
        led = Strategy.objects.filter(lead_organisation_id=organisation_id).values("pk")
        partnered = StrategyPartner.objects.filter(organisation_id=organisation_id).values("strategy_id")
        seated = Strategy.objects.filter(
            current_gate__in=Seat.objects.filter(organisation_id=organisation_id).values("gate_id")
        ).values("pk")
        ids = list(
            Strategy.objects.filter(pk__in=led.union(partnered, seated)).order_by("pk").values_list("pk", flat=True)
        )
        if not ids:
            return 0
        Strategy.objects.filter(pk__in=ids).update(version=F("version") + 1, updated_at=timezone.now())
        tell_audiences(audiences_of(ids))
    return len(ids)


def start_audience_counters() -> int:
    """Give each organisation without a change counter one, dated by the latest change to a strategy shown to it
    (after rows were written in bulk, outside the services: the benchmark data). How many were made."""
    latest: dict[int, object] = {}
    leads = Strategy.objects.values("lead_organisation_id").annotate(latest=Max("updated_at")).order_by()
    for row in leads:
        latest[row["lead_organisation_id"]] = row["latest"]
    partners = StrategyPartner.objects.values("organisation_id").annotate(latest=Max("strategy__updated_at")).order_by()
    for row in partners:
        organisation_id = row["organisation_id"]
        latest[organisation_id] = max(row["latest"], latest.get(organisation_id, row["latest"]))
    existing = set(AudienceCounter.objects.values_list("organisation_id", flat=True))
    made = AudienceCounter.objects.bulk_create(
        AudienceCounter(organisation_id=organisation_id, changes=1, changed_at=changed_at)
        for organisation_id, changed_at in latest.items()
        if organisation_id not in existing
    )
    return len(made)
