from django.db import migrations


def load_defaults(apps, schema_editor):
    from commissioning import defaults

    defaults.load(apps)


class Migration(migrations.Migration):
    dependencies = [("commissioning", "0002_initial")]

    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
