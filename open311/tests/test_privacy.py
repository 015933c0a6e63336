"""The public feed masks phone and ID numbers written into an item's free text (issue 17 item 7)."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from core.privacy import mask_text
from ledger import services as ledger
from open311.tests.helpers import make_client, make_services

V2 = "/open311/v2"
CONTACT = "联系人：林经理 13805951111，座机0595-22345678，身份证350502198001011235。"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_mask_text_masks_mobiles_landlines_and_id_numbers_in_free_text():
    assert mask_text(CONTACT) == "联系人：林经理 138****1111，座机0595-****5678，身份证350502********1235。"
    assert mask_text("编号20261202000001，金额100000元") == "编号20261202000001，金额100000元"
    assert mask_text("") == ""


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_public_feed_masks_numbers_in_descriptions_and_notes(client, cast, open_item, fmt):
    make_services(cast)
    make_client(cast)
    item = open_item(description=f"企业申请政策兑现。{CONTACT}")
    item = ledger.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
    item = ledger.item_acknowledge(item=item, actor=cast.handler)
    ledger.item_add_measure(item=item, actor=cast.handler, text="致电13805951111核实", due=timezone.localdate())
    for url in (f"{V2}/requests.{fmt}", f"{V2}/requests/{item.number}.{fmt}"):
        text = client.get(url, {"extensions": "true"}).content.decode()
        assert "138****1111" in text, url
        for secret in ("13805951111", "22345678", "350502198001011235"):
            assert secret not in text, (url, secret)
