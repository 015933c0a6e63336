from django.db import migrations


def seed(apps, schema_editor):
    # The service uses the real models' managers; the tables exist at this point.
    from workdays.services import calendar_seed_from_package

    calendar_seed_from_package()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
