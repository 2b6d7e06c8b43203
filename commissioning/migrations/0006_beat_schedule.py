"""The default beat schedule, as rows administrators can change in the admin (django-celery-beat)."""

import json

from django.db import migrations

SCHEDULE = [
    # (name, task, crontab: minute, hour, day_of_week)
    ("Outbox sweep: deliver anything not yet sent", "workflows.deliver_outbox", "*", "*", "*"),
    ("Close call-in windows", "commissioning.close_call_in_windows", "*/5", "*", "*"),
    ("Seat reminders and escalation", "workflows.sweep_seat_reminders", "0", "7", "*"),
    ("Action reminders and escalation", "workflows.sweep_action_reminders", "5", "7", "*"),
    ("Announce key decisions whose decision date has come", "commissioning.announce_decision_dates", "10", "7", "*"),
    ("Review cycles and performance reviews", "commissioning.run_review_cycles", "30", "6", "*"),
    ("Flag stalled strategies", "commissioning.flag_stalled_strategies", "0", "8", "*"),
    ("Weekly digest", "commissioning.send_weekly_digests", "30", "7", "1"),
]


def install(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day_of_week in SCHEDULE:
        crontab, _ = crontab_model.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone="Europe/London",
        )
        task_model.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "args": json.dumps([]), "kwargs": json.dumps({})}
        )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[row[0] for row in SCHEDULE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("commissioning", "0005_outbox_notifications_reviews"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, remove)]
