"""The ledger's spreadsheet exports: .xlsx and CSV, with the page's filters and the viewer's scope."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core import exports as sheets
from ledger import exports, services
from ledger.models import Item, ResultKind
from ledger.selectors import item_list

pytestmark = pytest.mark.django_db


def export(client, name, fmt, **params):
    response = client.get(reverse("ledger:export", args=[name, fmt]), params)
    assert response.status_code == 200
    return response


def xlsx_rows(response):
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook, [list(row) for row in workbook.active.iter_rows(values_only=True)]


def csv_rows(response):
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM that tells Excel it is UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def column(rows, header):
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def resolved(cast, item, **result):
    item = services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
    item = services.item_acknowledge(item=item, actor=cast.handler)
    services.item_add_measure(item=item, actor=cast.handler, text="安排施工队修复", due=timezone.localdate())
    result = {"result_kind": ResultKind.SOLVED, "result_text": "路面已修复"} | result
    return services.item_resolve(item=item, actor=cast.handler, **result)


def test_the_items_xlsx_opens_with_a_bold_frozen_chinese_header_and_one_row_per_item(client, cast, open_item):
    first, second = open_item(title="第一件"), open_item(title="第二件")
    client.force_login(cast.call_taker)
    response = export(client, "items", "xlsx")
    assert response["Content-Type"] == exports_content_type()
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    workbook, rows = xlsx_rows(response)
    sheet = workbook.active
    assert sheet.title == "问题清单" and sheet.freeze_panes == "A2"
    assert rows[0][:3] == ["编号", "标题", "诉求内容"] and sheet["A1"].font.b
    assert sorted(column(rows, "编号")) == sorted([first.number, second.number])
    assert sheet.column_dimensions["B"].width == 30


def exports_content_type():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_dates_are_real_excel_dates_in_local_time(client, cast, open_item):
    opened = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 09:30 in Quanzhou
    open_item(opened_at=opened)
    client.force_login(cast.call_taker)
    _, rows = xlsx_rows(export(client, "items", "xlsx"))
    value = column(rows, "受理时间")[0]
    assert value == dt.datetime(2026, 3, 2, 9, 30) and value.tzinfo is None
    rows = csv_rows(export(client, "items", "csv"))
    assert column(rows, "受理时间") == ["2026-03-02 09:30"]


def test_the_csv_has_a_bom_and_the_same_columns(client, cast, open_item):
    item = open_item()
    client.force_login(cast.call_taker)
    response = export(client, "items", "csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0][0] == "编号" and column(rows, "编号") == [item.number]
    assert column(rows, "类型") == ["问题"] and column(rows, "渠道") == ["12345热线"]
    assert column(rows, "县（市、区）") == ["鲤城区"] and column(rows, "乡镇（街道）") == ["海滨街道"]


def test_a_county_users_export_never_contains_another_countys_items(client, cast, open_item):
    ours = open_item(title="鲤城区的事")
    open_item(title="丰泽区的事", actor=cast.other_call_taker, division=cast.other_village)
    client.force_login(cast.call_taker)
    for fmt, read in (("xlsx", lambda r: xlsx_rows(r)[1]), ("csv", csv_rows)):
        rows = read(export(client, "items", fmt))
        assert column(rows, "标题") == ["鲤城区的事"] and column(rows, "编号") == [ours.number]


def test_the_export_honours_the_pages_filters(client, cast, open_item):
    open_item(title="未派单")
    services.item_dispatch(item=open_item(title="已派单"), actor=cast.call_taker, department=cast.department)
    client.force_login(cast.call_taker)
    rows = csv_rows(export(client, "items", "csv", status="dispatched"))
    assert column(rows, "标题") == ["已派单"] and column(rows, "承办部门") == ["鲤城区住建局"]
    rows = csv_rows(export(client, "items", "csv", division=cast.other_county.code))
    assert len(rows) == 1


def test_the_phone_is_whole_for_the_call_taker_and_masked_for_a_leader(client, cast, open_item):
    open_item(submitter_id_number="11010519491231002X")
    client.force_login(cast.call_taker)
    rows = csv_rows(export(client, "items", "csv"))
    assert column(rows, "联系电话") == ["13812345678"] and column(rows, "身份证号") == ["11010519491231002X"]
    client.force_login(cast.leader)
    rows = csv_rows(export(client, "items", "csv"))
    assert column(rows, "联系电话") == ["138****5678"] and column(rows, "身份证号") == ["110105********002X"]
    _, rows = xlsx_rows(export(client, "items", "xlsx"))
    assert column(rows, "联系电话") == ["138****5678"]


def test_a_handler_sees_the_phone_only_of_their_own_departments_items(cast, open_item):
    mine = open_item(title="本部门")
    services.item_dispatch(item=mine, actor=cast.call_taker, department=cast.department)
    open_item(title="首接他人", actor=cast.handler, submitter_phone="13912345678")  # not yet dispatched
    sheet = exports.item_sheet(qs=item_list(user=cast.handler), user=cast.handler)
    phones = {row[1]: row[15] for row in sheet.values()}
    assert phones == {"本部门": "13812345678", "首接他人": "139****5678"}


def test_the_measure_and_result_lists_export_with_their_filters(client, cast, open_item):
    resolved(cast, open_item(), result_kind=ResultKind.FUNDS_GRANTED, result_text="补助", amount=Decimal("5000.50"))
    open_item(title="丰泽区的事", actor=cast.other_call_taker, division=cast.other_village)
    client.force_login(cast.call_taker)
    _, rows = xlsx_rows(export(client, "measures", "xlsx"))
    assert rows[0][:5] == ["事项编号", "事项标题", "承办部门", "事项状态", "措施"]
    assert column(rows, "措施") == ["安排施工队修复"] and isinstance(column(rows, "完成期限")[0], dt.datetime)
    assert len(csv_rows(export(client, "measures", "csv", done="true"))) == 1
    _, rows = xlsx_rows(export(client, "results", "xlsx"))
    assert column(rows, "成果类型") == ["资金支持"] and column(rows, "金额（元）") == [5000.5]
    rows = csv_rows(export(client, "results", "csv", kind="policy_issued"))
    assert len(rows) == 1


def test_text_that_looks_like_a_formula_stays_text(client, cast, open_item):
    open_item(title='=HYPERLINK("http://evil.test","点我")', address="-1+1")
    client.force_login(cast.call_taker)
    workbook, rows = xlsx_rows(export(client, "items", "xlsx"))
    assert column(rows, "标题") == ['=HYPERLINK("http://evil.test","点我")']
    assert workbook.active["B2"].data_type == "s"
    rows = csv_rows(export(client, "items", "csv"))
    assert column(rows, "标题")[0].startswith("'=") and column(rows, "地址") == ["'-1+1"]


def test_an_unknown_list_or_format_is_404(client, cast):
    client.force_login(cast.call_taker)
    assert client.get(reverse("ledger:export", args=["people", "xlsx"])).status_code == 404
    assert client.get(reverse("ledger:export", args=["items", "pdf"])).status_code == 404


def test_many_rows_export_in_a_bounded_number_of_queries(cast, open_item, django_assert_max_num_queries):
    for n in range(30):
        open_item(title=f"事项{n}")
    Item.objects.update(resolve_due=timezone.now())
    with django_assert_max_num_queries(4):
        sheet = exports.item_sheet(qs=item_list(user=cast.call_taker), user=cast.call_taker)
        buffer = io.BytesIO()
        sheets.write_xlsx(sheet, buffer)
    assert load_workbook(buffer).active.max_row == 31
