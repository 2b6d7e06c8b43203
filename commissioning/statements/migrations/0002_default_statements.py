"""The statements' starting text (commissioning.statements.defaults), for the administrator to adapt."""

from django.db import migrations


def load(apps, schema_editor):
    from commissioning.statements import defaults

    defaults.load(apps)


class Migration(migrations.Migration):
    dependencies = [("statements", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
