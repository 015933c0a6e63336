"""The whole loop clicked through in Chinese, in a real browser, as the users would."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.testing import browser_login
from ledger.models import Item, Status
from workdays.selectors import add_working_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page):
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()


def act(page, action, fill=None):
    """Fill the action's form (found by its accessible name) and press its button."""
    form = page.get_by_role("form", name=action)
    for label, value in (fill or {}).items():
        field = form.get_by_label(label, exact=True)
        if field.count() == 0:  # a required field's label ends with its "*" mark
            field = form.get_by_label(label)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        elif value is True:
            field.check()
        else:
            field.fill(value)
    form.get_by_role("button", name=action).click()


@pytest.mark.slow
def test_an_item_goes_round_the_loop_in_the_browser(cast, page, artifacts):

    # The call-taker opens the item with the keyboard alone.
    browser_login(page, "calltaker")
    page.get_by_role("link", name="受理登记").click()
    expect(page.get_by_label("标题")).to_be_focused()
    page.keyboard.type("金山路路面塌陷")
    page.keyboard.press("Tab")
    page.keyboard.type("金山路128号门口路面塌陷，雨天积水，存在安全隐患。")
    page.get_by_label("分类").focus()
    page.keyboard.press("ArrowDown")
    page.get_by_label("所在区划（代码）").focus()
    page.keyboard.type(cast.village.code)
    page.get_by_label("诉求人姓名").focus()
    page.keyboard.type("王小明")
    page.keyboard.press("Tab")
    page.keyboard.type("13812345678")
    page.keyboard.press("Enter")
    page.wait_for_url("**/items/*/")
    item = Item.objects.get()
    expect(page.get_by_text(f"已受理，编号 {item.number}")).to_be_visible()
    expect(page.locator(".head-badges").get_by_text("已受理")).to_be_visible()
    assert item.first_receiver == cast.call_taker and item.category == cast.category

    # The dispatcher assigns it.
    act(page, "派单", {"承办部门": cast.department.name})
    expect(page.locator(".head-badges").get_by_text("已派单")).to_be_visible()
    item.refresh_from_db()
    assert item.resolve_due == add_working_days(item.dispatched_at, 7).due
    due_text = timezone.localtime(item.resolve_due).strftime("%Y-%m-%d %H:%M")
    expect(page.get_by_text(due_text).first).to_be_visible()
    logout(page)

    # The department acknowledges it, adds a measure and resolves it with a result.
    browser_login(page, "handler")
    page.get_by_role("link", name=item.title).first.click()
    act(page, "签收")
    expect(page.locator(".head-badges").get_by_text("办理中")).to_be_visible()
    due = (timezone.localdate() + timezone.timedelta(days=2)).isoformat()
    act(page, "添加措施", {"措施内容": "安排施工队修复路面", "完成期限": due})
    expect(page.get_by_role("cell", name="安排施工队修复路面")).to_be_visible()
    act(page, "办结", {"成果类型": "问题解决", "办理结果": "已修复路面并疏通排水"})
    expect(page.locator(".head-badges").get_by_text("已办结")).to_be_visible()
    logout(page)

    # The call-taker records the callback and signs the item off.
    browser_login(page, "calltaker")
    page.get_by_role("link", name=item.title).first.click()
    act(page, "回访", {"满意": True, "问题已解决": True, "回访记录": "群众表示满意"})
    expect(page.locator(".head-badges").get_by_text("已回访")).to_be_visible()
    act(page, "销号")
    expect(page.locator(".head-badges").get_by_text("已销号")).to_be_visible()

    timeline = page.locator(".timeline")
    for step in ("受理立账", "派单", "签收", "添加措施", "办结", "回访", "销号"):
        expect(timeline.get_by_text(step, exact=True).first).to_be_visible()
    page.screenshot(path=str(artifacts / "loop-closed.png"), full_page=True)

    item.refresh_from_db()
    assert item.status == Status.CLOSED
    assert [e.action for e in item.events.order_by("at", "id")] == [
        "open",
        "dispatch",
        "acknowledge",
        "add_measure",
        "resolve",
        "callback",
        "sign_off",
    ]


def test_a_stale_page_gets_the_conflict_message_and_the_other_change_is_kept(cast, page, open_item):
    item = open_item()
    browser_login(page, "calltaker")
    page.goto(f"/items/{item.pk}/")
    # Someone else dispatches it meanwhile.
    from ledger.services import item_dispatch

    item_dispatch(item=item, actor=cast.call_taker, department=cast.city_department)
    act(page, "派单", {"承办部门": cast.department.name})
    expect(page.get_by_text("该事项已被他人修改")).to_be_visible()
    item.refresh_from_db()
    assert item.department == cast.city_department


def test_another_countys_official_cannot_open_the_item(cast, page, open_item):
    item = open_item()
    browser_login(page, "other_calltaker")
    response = page.goto(f"/items/{item.pk}/")
    assert response.status == 404
    page.goto("/ledger/")
    expect(page.get_by_text(item.title)).to_have_count(0)
