"""The commands: the synthetic register to a file or into the database, and the demo register."""

import polars as pl
import pytest
from django.core.management import call_command
from django.utils import timezone

from enterprises.models import Enterprise, EnterpriseYear, Industry
from enterprises.services import industries_load_reference, register_import

pytestmark = pytest.mark.django_db


def test_the_industry_classification_is_loaded_once_with_its_tree(db):
    industries_load_reference()
    assert industries_load_reference() == 0
    assert Industry.objects.filter(level=Industry.Level.CLASS).count() == 1380
    tea = Industry.objects.select_related("parent__parent__parent").get(full_code="C1530")
    assert [tea.parent.full_code, tea.parent.parent.full_code, tea.parent.parent.parent.full_code] == [
        "C153",
        "C15",
        "C",
    ]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_register_synthetic_writes_a_file_the_import_takes_whole(register, tmp_path, suffix):
    call_command("load_divisions")
    path = tmp_path / f"register.{suffix}"
    call_command("register_synthetic", n=150, out=str(path))
    run = register_import(file=path.read_bytes() if suffix == "csv" else open(path, "rb"), filename=path.name)
    assert (run.created, run.error_rows) == (150, 0), run.report[:3]
    if suffix == "csv":
        header = pl.read_csv(path, n_rows=1).columns
        assert header[:5] == ["credit_code", "name", "industry_code", "division_code", "division_path"]


def test_register_synthetic_loads_and_the_demo_is_idempotent(db):
    call_command("load_register_demo", n=200)
    call_command("load_register_demo", n=200)
    assert Enterprise.objects.count() == 200
    # the demo's figures run to last year, so that clauses on "上年度" are decided on the demo's today
    last_year = timezone.localdate().year - 1
    assert EnterpriseYear.objects.filter(year=last_year).count() > 150
    call_command("register_synthetic", n=100, seed=1, load=True)
    assert Enterprise.objects.count() == 300
