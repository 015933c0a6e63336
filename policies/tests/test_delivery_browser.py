"""An enterprise user finds a policy, reads why it applies, applies in one step, and the
application is in the ledger: clicked through in a real browser."""

import pytest
from playwright.sync_api import expect

from core.testing import PASSWORD, browser_login
from ledger.models import Item
from policies.models import Application
from policies.tests.test_delivery_services import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_enterprise_user_finds_applies_and_sees_the_item_in_the_ledger(cast, page, artifacts):
    world = make_world(cast)
    world.user_a.set_password(PASSWORD)
    world.user_a.save()

    browser_login(page, "ent_a")
    page.get_by_role("link", name="我的政策").click()
    expect(page.get_by_role("heading", name="我的政策")).to_be_visible()
    expect(page.get_by_text("无需申请，审核后直接兑现").first).to_be_visible()
    page.screenshot(path=artifacts / "delivery-mine.png", full_page=True)

    page.get_by_role("row", name="测试条款1").get_by_role("link", name="条件说明").click()
    expect(page.get_by_role("heading", name="测试条款1")).to_be_visible()
    expect(page.locator(".verdict")).to_contain_text("符合条件")
    expect(page.get_by_role("row", name="从业人数不低于10人")).to_contain_text("30 人")
    page.screenshot(path=artifacts / "delivery-explain.png", full_page=True)

    page.get_by_role("link", name="一键申请").click()
    expect(page.get_by_label("联系人")).to_have_value("陈经理")
    page.get_by_label("我已核对以上信息，确认提交申请").check()
    page.screenshot(path=artifacts / "delivery-apply.png", full_page=True)
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/items/*/")
    item = Item.objects.get()
    assert Application.objects.get().item == item
    expect(page.get_by_text(f"已登记为台账事项 {item.number}")).to_be_visible()

    page.get_by_role("link", name="台账", exact=True).click()
    expect(page.get_by_role("link", name="政策兑现申请：测试条款1")).to_be_visible()
    page.screenshot(path=artifacts / "delivery-ledger.png", full_page=True)
