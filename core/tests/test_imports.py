"""The import kit: files in either encoding and format, header aliases, cell parsers, the report."""

import datetime as dt
from decimal import Decimal

import pytest

from core import imports
from core.imports import Header, Report, Source, UnreadableRow


def test_a_csv_is_read_in_utf8_with_or_without_a_bom_or_in_gb18030():
    text = "信用代码,名称\n1,甲公司\n"
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        source = Source(text.encode(encoding), "csv")
        assert list(source.rows()) == [["信用代码", "名称"], ["1", "甲公司"]]
        assert list(source.rows())[1] == ["1", "甲公司"]  # a source reads twice


def test_a_tab_separated_file_is_read_too():
    assert list(Source(b"a\tb\n1\t2\n", "csv").rows()) == [["a", "b"], ["1", "2"]]


def test_a_field_over_the_csv_limit_is_an_unreadable_row_and_the_rows_after_it_are_read():
    data = ("a,b\n1,x\n2," + "长" * 140_000 + "\n3,y\n").encode()
    rows = list(Source(data, "csv").rows())
    assert rows[1] == ["1", "x"]
    assert isinstance(rows[2], UnreadableRow) and "field larger than field limit" in rows[2].reason
    assert rows[3] == ["3", "y"]


def test_a_file_in_an_unknown_encoding_or_not_a_workbook_is_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        list(Source(b"\xff\xfe\x00\xd8\x00\x00", "csv").rows())
    with pytest.raises(ValidationError):
        list(Source(b"not a zip", "xlsx").rows())


def test_headers_are_matched_by_their_aliases_and_problems_named():
    aliases = {"credit_code": ("统一社会信用代码", "信用代码"), "name": ("企业名称",)}
    header = Header.read(["\ufeff信用代码", "备注", "Name"], aliases, required=["credit_code", "name"])
    assert header.columns == {"credit_code": 0, "name": 2} and header.others == [(1, "备注")]
    assert header.problems == []
    assert header.row(["X"]) == {"credit_code": "X", "name": None}
    missing = Header.read(["名称", "统一社会信用代码", "credit_code"], aliases, required=["name"])
    assert len(missing.problems) == 2  # credit_code twice, no name


@pytest.mark.parametrize(
    ("cell", "value"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("1", True), (0, False), ("TRUE", True),
     ("√", True), ("×", False), ("有", True), ("无", False), ("", None), (None, None), (True, True)],
)  # fmt: skip
def test_yes_no_reads_every_spelling(cell, value):
    reasons = []
    assert imports.yes_no(cell, "四上企业", reasons) is value and reasons == []


def test_a_cell_that_is_not_yes_or_no_is_a_reason():
    reasons = []
    assert imports.yes_no("也许", "四上企业", reasons) is None and "四上企业" in reasons[0]


def test_tags_dates_and_numbers():
    assert imports.tags(" 外贸出口、专利 ；外贸出口;  龙头,新三板 ") == ["外贸出口", "专利", "龙头", "新三板"]
    reasons = []
    for cell in ("2015-03-01", "2015/3/1", "2015.3.1", "2015年3月1日", "20150301", dt.datetime(2015, 3, 1, 8)):
        assert imports.date(cell, "成立日期", reasons) == dt.date(2015, 3, 1)
    assert imports.integer("1,234", "人数", reasons) == 1234 and imports.integer(12.0, "人数", reasons) == 12
    assert imports.decimal("1,234.567", "收入", reasons) == Decimal("1234.57")
    assert reasons == []
    assert imports.date("2015-02-30", "成立日期", reasons) is None
    assert imports.integer("1.5", "人数", reasons) is None and imports.integer(-1, "人数", reasons) is None
    assert imports.decimal("很多", "收入", reasons) is None
    assert len(reasons) == 4
    assert imports.text("  甲\n 公司 ") == "甲 公司" and imports.text(12.0) == "12"


def test_the_report_lists_bad_rows_in_order():
    report = Report()
    report.add(5, ["坏"], credit_code="X")
    report.add(2, ["坏"], credit_code="Y")
    report.add(5, ["又坏"], credit_code="X")
    assert [e["row"] for e in report.sorted()] == [2, 5, 5] and report.error_rows == 2
