from django.db import migrations, models


def number_existing(apps, schema_editor):
    """Rows written before: numbered in order per clause, with the clause's present title, mode,
    budget and department (the only wording known for them)."""
    ClauseVersion = apps.get_model("policies", "ClauseVersion")
    seen: dict[int, int] = {}
    for version in ClauseVersion.objects.select_related("clause").order_by("clause_id", "created_at", "pk"):
        seen[version.clause_id] = seen.get(version.clause_id, 0) + 1
        clause = version.clause
        version.number = seen[version.clause_id]
        version.title, version.mode = clause.title, clause.mode
        version.budget, version.department = clause.budget, clause.department
        version.save(update_fields=["number", "title", "mode", "budget", "department"])


class Migration(migrations.Migration):
    dependencies = [("policies", "0003_application_decision")]

    operations = [
        migrations.RemoveConstraint(model_name="clauseversion", name="clause_version_unique"),
        migrations.AddField(
            model_name="clauseversion",
            name="number",
            field=models.PositiveIntegerField(default=0, verbose_name="版本号"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="clauseversion",
            name="title",
            field=models.CharField(default="", max_length=200, verbose_name="条款"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="clauseversion",
            name="mode",
            field=models.CharField(
                choices=[("apply", "依申请"), ("auto", "免申即享")], default="apply", max_length=10, verbose_name="兑现方式"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="clauseversion",
            name="budget",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True, verbose_name="资金预算"),
        ),
        migrations.AddField(
            model_name="clauseversion",
            name="department",
            field=models.CharField(blank=True, max_length=100, verbose_name="兑现部门"),
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="clauseversion",
            options={"ordering": ["clause", "-number"], "verbose_name": "条款版本", "verbose_name_plural": "条款版本"},
        ),
        migrations.AddConstraint(
            model_name="clauseversion",
            constraint=models.UniqueConstraint(fields=("clause", "number"), name="clause_version_unique"),
        ),
        migrations.AddIndex(
            model_name="clauseversion",
            index=models.Index(fields=["clause", "rule_version"], name="clause_version_rule"),
        ),
    ]
