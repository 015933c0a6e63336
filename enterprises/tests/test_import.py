"""Importing a register file: good rows in, bad rows listed with their reasons and nothing of them
written, the same file twice changes nothing, conflicting duplicates refused, CSV in UTF-8 or GBK,
and .xlsx."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from enterprises.models import Enterprise, EnterpriseYear, ImportRun, LittleGiantLevel
from enterprises.services import register_import
from enterprises.tests.conftest import code

pytestmark = pytest.mark.django_db

ZH_HEADER = [
    "统一社会信用代码", "企业名称", "行业代码", "区划代码", "成立日期", "企业规模", "从业人数", "四上企业",
    "高新技术企业", "专精特新", "专精特新“小巨人”", "标签", "联系人", "联系电话", "地址",
    "2023年营业收入", "2023年出口额", "2023年纳税额", "2024年营业收入",
]  # fmt: skip
A = code("350502", "11111111X")
B = code("350503", "22222222X")
C = code("350502", "33333333X")


def row(credit_code=A, name="泉州市鸿达鞋业有限公司", industry="C1951", division="350502001", **over):
    values = {
        "统一社会信用代码": credit_code,
        "企业名称": name,
        "行业代码": industry,
        "区划代码": division,
        "成立日期": "2012-05-08",
        "企业规模": "小型",
        "从业人数": "56",
        "四上企业": "是",
        "高新技术企业": "否",
        "专精特新": "是",
        "专精特新“小巨人”": "省级",
        "标签": "外贸出口；纳税信用A级",
        "联系人": "林小红",
        "联系电话": "13812345678",
        "地址": "鲤城区金山路1号",
        "2023年营业收入": "12,500,000.50",
        "2023年出口额": "",
        "2023年纳税额": "380000",
        "2024年营业收入": "",
    }
    values.update(over)
    return [values[h] for h in ZH_HEADER]


def csv_bytes(rows, header=ZH_HEADER, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def run_csv(rows, **kw) -> ImportRun:
    return register_import(file=io.BytesIO(csv_bytes(rows, **kw)), filename="名录.csv", actor=None)


def test_a_csv_file_is_imported(register):
    run = run_csv([row(), row(B, "丰泽区瑞信茶业有限公司", "C1530", "350503001001")])
    assert (run.total_rows, run.created, run.updated, run.unchanged, run.error_rows) == (2, 2, 0, 0, 0)
    a = Enterprise.objects.get(credit_code=A)
    assert a.name == "泉州市鸿达鞋业有限公司" and a.name_search == "泉州市鸿达鞋业有限公司"
    assert a.industry.full_code == "C1951" and a.division.code == "350502001"
    assert a.founded_on == dt.date(2012, 5, 8) and a.size_class == "small" and a.employees == 56
    assert a.above_scale and not a.high_tech and a.srdi and a.little_giant
    assert a.little_giant_level == LittleGiantLevel.PROVINCIAL
    assert a.tags == ["外贸出口", "纳税信用A级"] and a.contact_phone == "13812345678"
    assert a.version == 1
    year = EnterpriseYear.objects.get(enterprise=a)
    assert (year.year, year.revenue, year.exports, year.tax) == (2023, Decimal("12500000.50"), None, Decimal("380000"))
    assert Enterprise.objects.get(credit_code=B).division.code == "350503001001"


def test_the_division_comes_from_the_credit_code_when_the_file_has_none(register):
    run = run_csv([row(division="")])
    assert run.created == 1
    assert Enterprise.objects.get().division.code == "350502"


def test_importing_the_same_file_again_changes_nothing(register):
    data = csv_bytes([row(), row(B, "丰泽区瑞信茶业有限公司", "C1530", "350503001")])
    register_import(file=io.BytesIO(data), filename="a.csv")
    before = {e.credit_code: (e.updated_at, e.version) for e in Enterprise.objects.all()}
    years_before = list(EnterpriseYear.objects.values_list("enterprise_id", "year", "revenue", "exports", "tax"))
    again = register_import(file=io.BytesIO(data), filename="a.csv")
    assert (again.created, again.updated, again.unchanged, again.error_rows) == (0, 0, 2, 0)
    assert {e.credit_code: (e.updated_at, e.version) for e in Enterprise.objects.all()} == before
    assert list(EnterpriseYear.objects.values_list("enterprise_id", "year", "revenue", "exports", "tax")) == (
        years_before
    )


def test_a_changed_row_is_updated_with_a_new_version(register):
    run_csv([row(), row(B, "丰泽区瑞信茶业有限公司", "C1530", "350503001")])
    run = run_csv(
        [row(**{"从业人数": "60", "2024年营业收入": "1000"}), row(B, "丰泽区瑞信茶业有限公司", "C1530", "350503001")]
    )
    assert (run.created, run.updated, run.unchanged) == (0, 1, 1)
    a = Enterprise.objects.get(credit_code=A)
    assert a.employees == 60 and a.version == 2
    assert Enterprise.objects.get(credit_code=B).version == 1
    assert sorted(a.years.values_list("year", flat=True)) == [2023, 2024]


def test_bad_rows_are_listed_with_their_reasons_and_nothing_of_them_is_written(register):
    rows = [
        row(),
        row(A[:17] + ("1" if A[17] != "1" else "2"), name="校验位错"),
        row(A[:16], name="长度不对"),
        row(A.lower(), name="小写"),
        row(A[:12] + "O" + A[13:], name="含字母O"),
        row(code("350102", "44444444X"), name="外地登记"),
        row(C, industry="C9999", name="行业不存在"),
        row(C, industry="C17", name="不是小类"),
        row(C, division="350599001", name="区划不存在"),
        row(C, name="日期不对", **{"成立日期": "2019-02-30"}),
        row(C, name="规模不对", **{"企业规模": "特大型"}),
        row(C, name="电话不对", **{"联系电话": "12345"}),
        row(C, name="金额不对", **{"2023年营业收入": "很多"}),
        row(C, name="布尔不对", **{"四上企业": "也许"}),
    ]
    run = run_csv(rows)
    assert (run.total_rows, run.created, run.error_rows) == (14, 1, 13)
    assert list(Enterprise.objects.values_list("credit_code", flat=True)) == [A]
    assert EnterpriseYear.objects.count() == 1  # only A's
    reasons = {r["name"]: " ".join(r["reasons"]) for r in run.report}
    assert [r["row"] for r in run.report] == list(range(3, 16))
    expected = {
        "校验位错": "校验位错误",
        "长度不对": "应为18位",
        "小写": "大写",
        "含字母O": "I、O、Z、S、V",
        "外地登记": "不属于泉州市",
        "行业不存在": "未知的行业代码",
        "不是小类": "不是小类",
        "区划不存在": "未知的区划代码",
        "日期不对": "不是有效日期",
        "规模不对": "企业规模",
        "电话不对": "电话号码格式不正确",
        "金额不对": "须为金额",
        "布尔不对": "须填“是”或“否”",
    }
    for name, words in expected.items():
        assert words in reasons[name], (name, reasons[name])


def test_conflicting_duplicate_rows_are_both_refused(register):
    run = run_csv([row(), row(B, "丰泽区瑞信茶业有限公司", "C1530", "350503001"), row(**{"从业人数": "99"})])
    assert (run.created, run.error_rows) == (1, 2)
    assert not Enterprise.objects.filter(credit_code=A).exists()
    assert [r["row"] for r in run.report] == [2, 4]
    assert all("重复且数据不一致" in r["reasons"][0] for r in run.report)


def test_identical_duplicate_rows_are_imported_once(register):
    run = run_csv([row(), row()])
    assert (run.total_rows, run.created, run.error_rows) == (2, 1, 0)


def test_a_gbk_csv_is_read(register):
    run = run_csv([row(), row(B, "豐澤區瑞信茶業有限公司", "C1530", "350503001")], encoding="gbk")
    assert (run.created, run.error_rows) == (2, 0)
    assert Enterprise.objects.get(credit_code=A).name == "泉州市鸿达鞋业有限公司"


def test_a_file_without_the_required_columns_is_refused_whole(register):
    run = run_csv([row()[1:]], header=ZH_HEADER[1:])
    assert run.created == 0 and run.report[0]["row"] == 1 and "缺少必填列" in run.report[0]["reasons"][0]
    assert not Enterprise.objects.exists()


def test_traditional_headers_and_english_headers_are_understood(register):
    header = ["統一社會信用代碼", "企業名稱", "industry_code", "revenue_2024"]
    run = run_csv([[A, "泉州市鴻達鞋業有限公司", "1951", "100"]], header=header)
    assert (run.created, run.error_rows) == (1, 0)
    a = Enterprise.objects.get()
    assert a.industry.full_code == "C1951" and a.name_search == "泉州市鸿达鞋业有限公司"
    assert a.years.get().revenue == Decimal("100.00")


def test_columns_absent_from_the_file_keep_their_values(register):
    run_csv([row()])
    run = run_csv([[A, "泉州市鸿达鞋业有限公司", "C1951"]], header=ZH_HEADER[:3])
    assert (run.updated, run.unchanged) == (0, 1)
    assert Enterprise.objects.get().contact_name == "林小红"


def xlsx_bytes(rows, header) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_an_xlsx_file_is_imported_with_real_dates_and_numbers(register):
    header = ["credit_code", "name", "industry_code", "division_code", "founded_on", "employees", "above_scale",
              "tags", "revenue_2024", "tax_2024"]  # fmt: skip
    rows = [
        [A, "泉州市鸿达鞋业有限公司", "C1951", "350502001", dt.datetime(2010, 1, 2), 12, True, "外贸出口", 1234.5, 10],
        [B, "丰泽区瑞信茶业有限公司", "C1530", None, dt.date(2015, 3, 4), 3.0, "否", None, None, None],
        [C[:17] + "0" if C[17] != "0" else C[:17] + "1", "坏行", "C1530", None, None, None, None, None, None, None],
    ]
    run = register_import(file=xlsx_bytes(rows, header), filename="名录.xlsx", actor=None)
    assert (run.file_format, run.created, run.error_rows) == ("xlsx", 2, 1)
    assert run.report[0]["row"] == 4
    a = Enterprise.objects.get(credit_code=A)
    assert a.founded_on == dt.date(2010, 1, 2) and a.employees == 12 and a.above_scale and a.tags == ["外贸出口"]
    assert a.years.get().revenue == Decimal("1234.50")
    b = Enterprise.objects.get(credit_code=B)
    assert b.employees == 3 and b.division.code == "350503" and not b.years.exists()
    again = register_import(file=xlsx_bytes(rows, header), filename="名录.xlsx", actor=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_file_that_is_not_a_workbook_is_reported(register):
    run = register_import(file=io.BytesIO(b"not a zip"), filename="x.xlsx", actor=None)
    assert run.created == 0 and "无法读取 Excel 文件" in run.report[0]["reasons"][0]


def test_openpyxl_reads_the_same_rows_as_calamine():
    from core.imports import Source, read_xlsx_openpyxl

    header = ["credit_code", "name", "founded_on", "employees"]
    rows = [[A, "甲", dt.datetime(2010, 1, 2), 12], [B, "乙", None, None]]
    fast = list(Source(xlsx_bytes(rows, header), "xlsx").rows())
    slow = list(read_xlsx_openpyxl(xlsx_bytes(rows, header)))
    assert fast[0] == slow[0] == header
    for a, b in zip(fast[1:], slow[1:], strict=True):
        assert [v if v != "" else None for v in a][:2] == b[:2]


def test_a_csv_field_over_128_kb_is_a_row_error_not_a_server_error(register):
    data = csv_bytes([row(A, **{"地址": "长" * 140_000}), row(B, industry="C1530", division="350503001")])
    run = register_import(file=data, filename="名录.csv", actor=None)
    assert run.created == 1 and run.error_rows == 1
    assert run.report[0]["row"] == 2 and "field larger than field limit" in run.report[0]["reasons"][0]
