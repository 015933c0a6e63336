"""One register file, two doors: the register's import and the what-if reader read its cells alike."""

import datetime as dt
import io

import polars as pl
import pytest
from openpyxl import Workbook

from enterprises.models import Enterprise
from enterprises.services import register_import
from enterprises.tests.conftest import code
from policies.register import read_register

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "企业名称", "行业代码", "成立日期", "四上企业", "高新技术企业", "标签", "2024年营业收入"]
CODES = [code("350502", f"{n}1111111X") for n in range(1, 5)]
ROWS = [
    [CODES[0], "甲公司", "C1951", "2015/3/1", "是", "Y", "外贸出口、专利；龙头", "1,250.5"],
    [CODES[1], "乙公司", "C1951", "2015-03-01", "否", "n", "外贸出口;专利", "300"],
    [CODES[2], "丙公司", "C1951", dt.datetime(2015, 3, 1), "√", "否", "龙头", ""],
    [CODES[3], "丁公司", "C1951", "2015年3月1日", "N", "1", "", "0"],
]


def _xlsx(path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for r in ROWS:
        sheet.append(r)
    workbook.save(path)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_one_register_file_reads_the_same_through_the_import_and_the_what_if_reader(cast, tmp_path):
    from enterprises.services import industries_load_reference

    industries_load_reference()
    data = _xlsx(tmp_path / "名录.xlsx")
    run = register_import(file=data, filename="名录.xlsx", actor=None)
    assert run.created == 4 and run.report == []
    frame = read_register(tmp_path / "名录.xlsx").sort("credit_code")
    stored = {e.credit_code: e for e in Enterprise.objects.prefetch_related("years")}
    for r in frame.iter_rows(named=True):
        e = stored[r["credit_code"]]
        assert r["founded_on"] == e.founded_on == dt.date(2015, 3, 1)
        assert r["above_scale"] is e.above_scale
        assert r["high_tech"] is e.high_tech
        assert (r["tags"] or []) == e.tags  # an empty cell: missing for the what-if, no tags in the register
        year = next(iter(e.years.all()), None)
        assert r["revenue_2024"] == (float(year.revenue) if year and year.revenue is not None else None)
    assert frame["tags"].to_list()[0] == ["外贸出口", "专利", "龙头"]
    assert frame.schema["founded_on"] == pl.Date and frame.schema["above_scale"] == pl.Boolean


def test_a_bad_cell_of_a_what_if_register_is_named_by_row_and_column(tmp_path):
    path = tmp_path / "reg.csv"
    path.write_text("credit_code,above_scale\nX,也许\n", encoding="utf-8")
    with pytest.raises(ValueError, match="row 2, column above_scale"):
        read_register(path)


def test_an_empty_yes_no_cell_is_missing_for_the_what_if(tmp_path):
    path = tmp_path / "reg.csv"
    path.write_text("credit_code,above_scale\nX,\nY,是\n", encoding="utf-8")
    assert read_register(path)["above_scale"].to_list() == [None, True]
