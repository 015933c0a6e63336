from django.db import migrations


def seed(apps, schema_editor):
    from enterprises.services import industries_load_reference

    industries_load_reference(apps.get_model("enterprises", "Industry"))


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
