"""The paying department of a clause (and of each of its versions) by foreign key instead of its
display name (names are not unique). Existing names are mapped to departments: a unique match by
name, preferring the city level among several; a name that matches none (or several at one level)
becomes null, and the migration says how many."""

from django.db import migrations, models


def _department_of(Department, name: str, cache: dict):
    if name not in cache:
        found = list(Department.objects.filter(name=name).select_related("division"))
        if len(found) > 1:
            found = [d for d in found if d.division.level == "city"]
        cache[name] = found[0] if len(found) == 1 else None
    return cache[name]


def names_to_departments(apps, schema_editor):
    Department = apps.get_model("org", "Department")
    cache: dict = {}
    unmatched = 0
    for model in ("PolicyClause", "ClauseVersion"):
        Model = apps.get_model("policies", model)
        for row in Model.objects.exclude(department_name="").only("pk", "department_name"):
            department = _department_of(Department, row.department_name, cache)
            if department is None:
                unmatched += 1
                continue
            Model.objects.filter(pk=row.pk).update(department=department)
    if not cache:
        return  # no clause named a department
    unmatched_names = sorted(name for name, d in cache.items() if d is None)
    print(f"\n  paying departments: {len(cache) - len(unmatched_names)} names matched, {unmatched} rows unmatched"
          + (f" (set to none: {', '.join(unmatched_names)})" if unmatched_names else ""))


def departments_to_names(apps, schema_editor):
    for model in ("PolicyClause", "ClauseVersion"):
        Model = apps.get_model("policies", model)
        for row in Model.objects.exclude(department=None).select_related("department"):
            Model.objects.filter(pk=row.pk).update(department_name=row.department.name)


def _fk():
    return models.ForeignKey(
        null=True, blank=True, on_delete=models.PROTECT, related_name="+", to="org.department", verbose_name="兑现部门"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("policies", "0004_clause_version_whole_wording"),
    ]

    operations = [
        migrations.RenameField("policyclause", "department", "department_name"),
        migrations.RenameField("clauseversion", "department", "department_name"),
        migrations.AddField("policyclause", "department", _fk()),
        migrations.AddField("clauseversion", "department", _fk()),
        migrations.RunPython(names_to_departments, departments_to_names),
        migrations.RemoveField("policyclause", "department_name"),
        migrations.RemoveField("clauseversion", "department_name"),
    ]
