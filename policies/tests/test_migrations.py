"""Migration 0005: the paying department's free-text name becomes a foreign key (a unique match by
name, the city's department among several; otherwise none)."""

import io
from contextlib import redirect_stdout

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("policies", "0004_clause_version_whole_wording")]
AFTER = [("policies", "0005_clause_department_by_foreign_key")]


def test_department_names_are_mapped_to_departments_by_a_unique_match_preferring_the_city(cast):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Department, Division = apps.get_model("org", "Department"), apps.get_model("org", "Division")
    Policy, PolicyClause = apps.get_model("policies", "Policy"), apps.get_model("policies", "PolicyClause")
    city, county, other = (Division.objects.get(code=c) for c in ("350500", "350502", "350503"))
    Department.objects.create(code="350500-SWJ", name="商务局", division=city)
    Department.objects.create(code="350502-SWJ", name="商务局", division=county)
    Department.objects.create(code="350502-WLJ", name="文旅局", division=county)
    Department.objects.create(code="350503-WLJ", name="文旅局", division=other)
    policy = Policy.objects.create(code="m", title="t", issuer="i", issued_on="2026-01-01")
    names = {"m-1": "商务局", "m-2": "文旅局", "m-3": "市工信局", "m-4": "没有的局", "m-5": ""}
    for i, (code, name) in enumerate(names.items(), 1):
        PolicyClause.objects.create(policy=policy, code=code, number=i, title="x", condition=True, department=name,
                                    rule_version="0")  # fmt: skip
    out = io.StringIO()
    with redirect_stdout(out):
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    found = dict(apps.get_model("policies", "PolicyClause").objects.values_list("code", "department__code"))
    assert found == {"m-1": "350500-SWJ", "m-2": None, "m-3": "350500-GXJ", "m-4": None, "m-5": None}
    assert "2 rows unmatched" in out.getvalue()
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # the tests after this one need the latest schema
