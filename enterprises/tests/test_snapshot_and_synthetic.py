"""The columnar snapshot the policy engine reads, and the synthetic register."""

import datetime as dt
import io

import polars as pl
import pytest
from stdnum.cn import uscc

from enterprises.models import Enterprise
from enterprises.selectors import register_snapshot
from enterprises.services import register_import, register_load_frame
from enterprises.synthetic import COUNTIES, synthetic_register, write_csv
from enterprises.tests.conftest import code

pytestmark = pytest.mark.django_db

BASE_TYPES = {
    "credit_code": pl.Utf8,
    "name": pl.Utf8,
    "industry_code": pl.Utf8,
    "division_code": pl.Utf8,
    "division_path": pl.Utf8,
    "founded_on": pl.Date,
    "size_class": pl.Utf8,
    "employees": pl.Int64,
    "above_scale": pl.Boolean,
    "high_tech": pl.Boolean,
    "srdi": pl.Boolean,
    "little_giant": pl.Boolean,
    "tags": pl.List(pl.Utf8),
}

CSV = (
    "credit_code,name,industry_code,division_code,founded_on,size_class,employees,above_scale,srdi,little_giant,"
    "tags,revenue_2023,exports_2023,tax_2023,revenue_2024\n"
    f"{code('350502', '11111111X')},泉州市鸿达鞋业有限公司,C1951,350502001,2012-05-08,small,56,是,是,国家级,"
    "外贸出口;科技型中小企业,100.5,,3,200\n"
    f"{code('350503', '22222222X')},丰泽区瑞信茶业商行,C1530,,,,,否,否,否,,,,,\n"
)


def test_the_snapshot_has_the_contracted_columns_types_and_nulls(register):
    run = register_import(file=io.BytesIO(CSV.encode()), filename="a.csv")
    assert run.created == 2, run.report
    frame = register_snapshot().sort("credit_code")
    assert frame.columns == [*BASE_TYPES, "revenue_2023", "exports_2023", "tax_2023", "revenue_2024", "exports_2024",
                             "tax_2024"]  # fmt: skip
    for name, dtype in BASE_TYPES.items():
        assert frame.schema[name] == dtype, name
    for name in frame.columns[len(BASE_TYPES) :]:
        assert frame.schema[name] == pl.Float64
    a, b = frame.row(0, named=True), frame.row(1, named=True)
    assert a["industry_code"] == "C1951" and a["division_path"] == "350500/350502/350502001/"
    assert a["founded_on"] == dt.date(2012, 5, 8) and a["size_class"] == "small" and a["employees"] == 56
    assert a["above_scale"] and a["srdi"] and a["little_giant"] and not a["high_tech"]
    assert a["tags"] == ["外贸出口", "科技型中小企业"]
    assert (a["revenue_2023"], a["exports_2023"], a["tax_2023"]) == (100.5, None, 3.0)
    assert (a["revenue_2024"], a["exports_2024"], a["tax_2024"]) == (200.0, None, None)
    assert b["division_code"] == "350503" and b["division_path"] == "350500/350503/"
    assert b["founded_on"] is None and b["size_class"] is None and b["employees"] is None
    assert b["tags"] == [] and b["revenue_2023"] is None


def test_the_snapshot_takes_the_years_asked_for(register):
    register_import(file=io.BytesIO(CSV.encode()), filename="a.csv")
    frame = register_snapshot(years=[2024, 2021]).sort("credit_code")
    assert frame.columns[len(BASE_TYPES) :] == ["revenue_2021", "exports_2021", "tax_2021", "revenue_2024",
                                                "exports_2024", "tax_2024"]  # fmt: skip
    assert frame["revenue_2021"].null_count() == 2 and frame["revenue_2024"].to_list() == [200.0, None]


def test_an_empty_register_gives_an_empty_frame_with_the_columns(register):
    frame = register_snapshot()
    assert frame.height == 0 and list(frame.schema.items())[: len(BASE_TYPES)] == list(BASE_TYPES.items())


def test_every_synthetic_credit_code_is_valid_and_unique():
    frame = synthetic_register(20_000, seed=3)
    assert frame["credit_code"].n_unique() == frame.height
    assert all(uscc.is_valid(c) for c in frame["credit_code"])
    assert set(frame["credit_code"].str.slice(2, 6).unique()) <= set(COUNTIES)
    assert (frame["division_path"].str.starts_with("350500/")).all()
    assert (frame["division_code"].str.slice(0, 6) == frame["credit_code"].str.slice(2, 6)).all()


def test_the_synthetic_distributions_are_roughly_as_designed():
    frame = synthetic_register(100_000, seed=1)
    share = frame.select(pl.col("above_scale", "high_tech", "srdi", "little_giant").mean()).row(0, named=True)
    assert 0.02 < share["above_scale"] < 0.045
    assert 0.01 < share["high_tech"] < 0.05
    assert 0.002 < share["srdi"] < 0.01
    assert 0.0004 < share["little_giant"] < 0.002
    assert frame.filter(pl.col("little_giant"))["srdi"].all()
    sizes = frame["size_class"].value_counts(normalize=True).to_dicts()
    micro_small = sum(r["proportion"] for r in sizes if r["size_class"] in ("micro", "small"))
    assert micro_small > 0.9
    missing = frame["revenue_2024"].null_count() / frame.height
    assert 0.05 < missing < 0.15

    # county mixes: 德化 ceramics, 安溪 tea, 晋江 shoes and garments
    def top(county_code):
        part = frame.filter(pl.col("division_path").str.starts_with(f"350500/{county_code}/"))
        return set(part["industry_code"].value_counts(sort=True).head(3)["industry_code"])

    assert top("350526") & {"C3074", "C3075"}
    assert top("350524") & {"A0164", "C1530"}
    assert top("350582") & {"C1951", "C1811", "C1953"}
    # individual businesses are micro
    assert frame.filter(pl.col("credit_code").str.starts_with("92"))["size_class"].unique().to_list() == ["micro"]


def test_a_synthetic_register_written_as_csv_imports_without_a_bad_row(register, tmp_path):
    from org.services import divisions_load_reference

    divisions_load_reference()
    frame = synthetic_register(300, seed=5)
    path = tmp_path / "register.csv"
    write_csv(frame, path)
    run = register_import(file=path.read_bytes(), filename="register.csv")
    assert (run.created, run.error_rows) == (300, 0), run.report[:3]
    snapshot = register_snapshot()
    assert (
        snapshot.select(frame.columns[:13])
        .sort("credit_code")
        .equals(frame.select(frame.columns[:13]).sort("credit_code"))
    )


def test_loading_a_frame_fills_the_register_and_snapshots_back(register):
    from org.services import divisions_load_reference

    divisions_load_reference()
    frame = synthetic_register(500, seed=9)
    register_load_frame(frame)
    register_load_frame(frame)  # again: nothing twice
    assert Enterprise.objects.count() == 500
    snapshot = register_snapshot()
    assert snapshot.sort("credit_code").equals(frame.sort("credit_code"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_snapshot_reads_through_copy_on_postgresql(register):
    from django.db import connection

    assert connection.vendor == "postgresql"
    test_loading_a_frame_fills_the_register_and_snapshots_back(register)
