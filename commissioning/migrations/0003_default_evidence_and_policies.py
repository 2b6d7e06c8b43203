from django.db import migrations


def load_defaults(apps, schema_editor):
    from commissioning.defaults import EVIDENCE, POLICY_NAMES, SEAT_RULES

    EvidenceTemplate = apps.get_model("commissioning", "EvidenceTemplate")
    GatePolicy = apps.get_model("commissioning", "GatePolicy")
    SeatRule = apps.get_model("commissioning", "SeatRule")
    for stage, items in EVIDENCE.items():
        for position, (code, title, guidance) in enumerate(items, start=1):
            EvidenceTemplate.objects.get_or_create(
                stage=stage, code=code, defaults={"title": title, "guidance": guidance, "position": position}
            )
    for stage, name in POLICY_NAMES.items():
        policy, created = GatePolicy.objects.get_or_create(stage=stage, defaults={"name": name})
        if not created:
            continue
        for position, (stages, role, party, low, high, scope, n, days, record) in enumerate(SEAT_RULES, start=1):
            if stage in stages.split():
                SeatRule.objects.create(
                    policy=policy,
                    role=role,
                    party=party,
                    min_value=low,
                    below_value=high,
                    key_decision_scope=scope,
                    required_approvals=n,
                    due_working_days=days,
                    requires_record_of_decision=record,
                    position=position,
                )


class Migration(migrations.Migration):
    dependencies = [("commissioning", "0002_initial")]

    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
