"""An official standing in a factory records a visit on a phone (390 px) with two findings, both
turned into ledger items, and follows one to its item."""

import pytest
from playwright.sync_api import expect

from core.testing import PASSWORD
from visits.models import Finding, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visit_on_a_phone_turns_two_findings_into_items(factory, browser, live_server, artifacts):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, base_url=live_server.url,
                                  is_mobile=True, has_touch=True)  # fmt: skip
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/visits/new/")
    expect(page.get_by_role("heading", name="录入走访")).to_be_visible()
    page.get_by_label("企业（名称或统一社会信用代码）").fill("泉州示例纺织")
    page.get_by_label("问题或建议").nth(0).fill("厂区门口道路破损，货车进出困难。")
    page.get_by_label("分类（选择后立即转为事项）").nth(0).select_option(label=factory.category.name)
    page.get_by_label("问题或建议").nth(1).fill("希望简化用工备案手续。")
    page.get_by_label("类型").nth(1).select_option(label="建议")
    page.get_by_label("分类（选择后立即转为事项）").nth(1).select_option(label=factory.category.name)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=artifacts / "visit-new-390.png", full_page=True)
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    page.get_by_role("button", name="保存走访").click()
    expect(page.get_by_text("走访记录已保存，2 条问题已转为事项。")).to_be_visible()
    page.screenshot(path=artifacts / "visit-detail-390.png", full_page=True)
    visit = Visit.objects.get()
    assert visit.enterprise == factory.enterprise
    findings = list(Finding.objects.order_by("pk"))
    assert all(f.item_id for f in findings) and findings[1].item.kind == "suggestion"
    page.get_by_role("link", name=findings[0].item.number).click()
    expect(page.get_by_role("heading", name="厂区门口道路破损，货车进出困难。")).to_be_visible()
    context.close()
