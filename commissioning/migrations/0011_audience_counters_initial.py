"""Give every organisation its change counter, dated by the latest change to a strategy shown to it, so that
partners' polls keep a Last-Modified from the first request after the upgrade."""

from django.db import migrations
from django.db.models import Max


def start_counters(apps, schema_editor):
    Strategy = apps.get_model("commissioning", "Strategy")
    StrategyPartner = apps.get_model("commissioning", "StrategyPartner")
    AudienceCounter = apps.get_model("commissioning", "AudienceCounter")
    latest: dict[int, object] = {}
    for organisation_id, changed_at in (
        Strategy.objects.values("lead_organisation_id")
        .annotate(latest=Max("updated_at"))
        .values_list("lead_organisation_id", "latest")
    ):
        latest[organisation_id] = changed_at
    for organisation_id, changed_at in (
        StrategyPartner.objects.values("organisation_id")
        .annotate(latest=Max("strategy__updated_at"))
        .values_list("organisation_id", "latest")
    ):
        latest[organisation_id] = max(changed_at, latest.get(organisation_id, changed_at))
    existing = set(AudienceCounter.objects.values_list("organisation_id", flat=True))
    AudienceCounter.objects.bulk_create(
        AudienceCounter(organisation_id=organisation_id, changes=1, changed_at=changed_at)
        for organisation_id, changed_at in latest.items()
        if organisation_id not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("commissioning", "0010_audience_counters")]

    operations = [migrations.RunPython(start_counters, migrations.RunPython.noop)]
