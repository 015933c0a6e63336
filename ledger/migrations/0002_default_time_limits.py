from django.db import migrations

# 一般 7 working days (12345 practice), 紧急 24 hours, 特急 2 hours; acknowledgement within
# 1 working day, 2 hours and 1 hour.
DEFAULTS = [
    ("normal", 1, "working_days", 7, "working_days"),
    ("urgent", 2, "hours", 24, "hours"),
    ("critical", 1, "hours", 2, "hours"),
]


def seed(apps, schema_editor):
    TimeLimit = apps.get_model("ledger", "TimeLimit")
    for priority, ack, ack_unit, resolve, resolve_unit in DEFAULTS:
        TimeLimit.objects.get_or_create(
            category=None,
            priority=priority,
            defaults={
                "acknowledge_within": ack,
                "acknowledge_unit": ack_unit,
                "resolve_within": resolve,
                "resolve_unit": resolve_unit,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
