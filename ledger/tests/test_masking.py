"""One masking rule (ledger.scope.contact_rule): the same viewer sees a submitter's phone and ID
number the same way on the item page, in the API (item, submitters, timeline) and in the export."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.privacy import mask_id_number, mask_phone
from ledger import services
from ledger.tests.test_api import api_client
from ledger.tests.test_export import column, csv_rows, export

PHONE, ID_NUMBER = "13812345678", "11010519491231002X"
OTHER_PHONE = "13900001111"

# viewer → (phone whole, ID number whole) for the item's own submitter
EXPECTED = {
    "call_taker": (True, True),
    "admin": (True, True),
    "handler": (True, False),  # the handling department contacts the submitter
    "leader": (False, False),
    "auditor": (False, False),
}


@pytest.fixture
def item(cast, open_item):
    item = open_item(submitter_phone=PHONE, submitter_id_number=ID_NUMBER)
    return services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)


def shown(whole: tuple[bool, bool]) -> tuple[str, str]:
    return (PHONE if whole[0] else mask_phone(PHONE), ID_NUMBER if whole[1] else mask_id_number(ID_NUMBER))


@pytest.mark.parametrize("role", EXPECTED)
def test_a_viewer_sees_the_same_masking_on_the_page_in_the_api_and_in_the_export(client, cast, item, role):
    user = getattr(cast, role)
    phone, id_number = shown(EXPECTED[role])
    hidden = {PHONE, ID_NUMBER} - {phone, id_number}
    client.force_login(user)

    page = client.get(reverse("ledger:item", args=[item.pk])).text
    assert phone in page and id_number in page and not any(h in page for h in hidden)

    api = api_client(user)
    data = api.get(f"/api/items/{item.pk}/").json()
    assert (data["submitter_phone"], data["submitter_id_number"]) == (phone, id_number)
    assert (data["submitters"][0]["phone"], data["submitters"][0]["id_number"]) == (phone, id_number)
    opened = api.get(f"/api/items/{item.pk}/timeline/").json()[0]["changes"]
    assert (opened["submitter_phone"][1], opened["submitter_id_number"][1]) == (phone, id_number)

    rows = csv_rows(export(client, "items", "csv"))
    assert (column(rows, "联系电话"), column(rows, "身份证号")) == ([phone], [id_number])


def test_a_merged_submitter_sees_their_own_number_and_not_the_others(client, cast, item, open_item):
    repeat = open_item(submitter_phone=OTHER_PHONE, submitter_user=cast.submitter)
    services.item_merge(item=repeat, actor=cast.call_taker, into=item, reason="同一诉求")
    client.force_login(cast.submitter)
    page = client.get(reverse("ledger:item", args=[item.pk])).text
    assert OTHER_PHONE in page and PHONE not in page and mask_phone(PHONE) in page
    submitters = api_client(cast.submitter).get(f"/api/items/{item.pk}/").json()["submitters"]
    assert [s["phone"] for s in submitters] == [mask_phone(PHONE), OTHER_PHONE]
    rows = csv_rows(export(client, "items", "csv"))
    assert column(rows, "联系电话") == [OTHER_PHONE, mask_phone(PHONE)]  # their repeat, and the item


def test_the_item_page_reads_the_callbacks_once(client, cast, item, open_item):
    repeat = open_item(submitter_phone=OTHER_PHONE, submitter_user=cast.submitter)
    services.item_merge(item=repeat, actor=cast.call_taker, into=item, reason="同一诉求")
    item = services.item_acknowledge(item=item, actor=cast.handler)
    item = services.item_resolve(item=item, actor=cast.handler, result_kind="solved", result_text="已解决")
    for satisfaction in ("satisfied", "basically_satisfied"):  # each submitter in turn
        item = services.item_callback(item=item, actor=cast.call_taker, satisfaction=satisfaction, solved=True)
    client.force_login(cast.call_taker)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("ledger:item", args=[item.pk])).text
    assert item.status == "called_back" and page.count("基本满意") >= 2  # in the submitters and the callbacks
    callback_reads = [q["sql"] for q in queries.captured_queries if 'FROM "ledger_callback"' in q["sql"]]
    assert len(callback_reads) == 1, callback_reads
