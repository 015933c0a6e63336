"""The server-rendered pages: inbox, item detail with its actions, intake and the ledger."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger import services
from ledger.models import Item, ItemEvent, Status

pytestmark = pytest.mark.django_db


def act(client, item, action, **fields):
    """Post one action's form as the page does: fields prefixed by the action, with the version."""
    item.refresh_from_db()
    data = {f"{action}-version": item.version} | {f"{action}-{k}": v for k, v in fields.items()}
    return client.post(reverse("ledger:act", args=[item.pk, action]), data)


def htmx(client, method, url, data=None):
    return getattr(client, method)(url, data or {}, headers={"HX-Request": "true"})


def dispatched(cast, item):
    return services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)


def in_progress(cast, item):
    return services.item_acknowledge(item=dispatched(cast, item), actor=cast.handler)


# ---------------------------------------------------------------------------------------------
# Every page renders


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, cast, open_item):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and "登录" in page.text and 'name="password"' in page.text


def test_signing_in_leads_to_my_items(client, cast):
    from core.testing import PASSWORD

    response = client.post(reverse("login"), {"username": "calltaker", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("ledger:inbox")


@pytest.mark.parametrize("role", ["call_taker", "handler", "leader", "auditor", "admin", "submitter"])
def test_the_pages_render_for_every_role(client, cast, open_item, role):
    item = open_item(submitter_user=cast.submitter)
    dispatched(cast, item)
    client.force_login(getattr(cast, role))
    for url in (
        reverse("ledger:inbox"),
        reverse("ledger:item", args=[item.pk]),
        reverse("ledger:ledger"),
        reverse("ledger:ledger") + "?tab=measures",
        reverse("ledger:ledger") + "?tab=results",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "四下基层 · 台账" in response.text
    intake = client.get(reverse("ledger:intake"))
    assert intake.status_code == (403 if role in ("auditor", "submitter") else 200)


def test_the_header_shows_the_person_the_navigation_and_the_language_switcher(client, cast):
    client.force_login(cast.admin)
    page = client.get(reverse("ledger:inbox")).text
    assert '<html lang="zh-hans">' in page
    assert "admin" in page and "管理员" in page
    for text in ("我的事项", "受理登记", "台账", "措施清单", "成果清单", "系统管理", "/api/docs/"):
        assert text in page
    assert reverse("set_language") in page and 'name="language"' in page and 'value="zh-hant"' in page
    assert reverse("logout") in page


def test_the_language_switcher_changes_the_page_language(client, cast):
    client.force_login(cast.call_taker)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("ledger:inbox")})
    assert '<html lang="en">' in client.get(reverse("ledger:inbox")).text


def test_the_admin_lists_render(client, cast, open_item):
    item = open_item()
    client.force_login(cast.admin)
    admin_client = client
    for name in ("org_division", "org_department", "org_person", "ledger_category", "ledger_timelimit", "ledger_item"):
        assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    page = admin_client.get(reverse("admin:ledger_item_change", args=[item.pk]))
    assert page.status_code == 200 and item.number in page.text
    assert admin_client.get(reverse("admin:org_division_changelist") + "?q=鲤城").status_code == 200


# ---------------------------------------------------------------------------------------------
# My items


def test_my_items_show_what_i_received_first_with_its_marker(client, cast, open_item):
    item = open_item()
    client.force_login(cast.call_taker)
    page = client.get(reverse("ledger:inbox")).text
    assert item.number in page and "首接" in page and "已受理" in page


def test_my_items_flag_overdue_and_at_risk_deadlines(client, cast, open_item):
    late, close = dispatched(cast, open_item(title="逾期事项")), dispatched(cast, open_item(title="临期事项"))
    now = timezone.now()
    Item.objects.filter(pk=late.pk).update(resolve_due=now - dt.timedelta(days=2), acknowledge_due=None)
    Item.objects.filter(pk=close.pk).update(resolve_due=now + dt.timedelta(hours=1), acknowledge_due=None)
    client.force_login(cast.handler)
    page = client.get(reverse("ledger:inbox")).text
    assert "逾期事项" in page and "临期事项" in page
    assert 'class="badge overdue"' in page and 'class="badge at-risk"' in page


def test_a_handler_sees_their_departments_items_but_not_another_countys(client, cast, open_item):
    item = dispatched(cast, open_item())
    client.force_login(cast.other_handler)
    assert item.number not in client.get(reverse("ledger:inbox")).text


# ---------------------------------------------------------------------------------------------
# Item detail


def test_the_detail_page_shows_the_fields_the_lists_and_the_timeline(client, cast, open_item):
    item = in_progress(cast, open_item())
    services.item_add_measure(item=item, actor=cast.handler, text="安排施工队修复", due=timezone.localdate())
    client.force_login(cast.call_taker)
    page = client.get(reverse("ledger:item", args=[item.pk])).text
    for text in (
        item.number,
        "金山路路面塌陷",
        "鲤城区住建局",
        "海滨街道",
        "安排施工队修复",
        "受理立账",
        "派单",
        "签收",
    ):
        assert text in page, text
    assert "已受理 → 已派单" in page and "承办部门" in page


def test_the_detail_page_offers_exactly_the_allowed_actions(client, cast, open_item):
    item = open_item()
    client.force_login(cast.call_taker)
    page = client.get(reverse("ledger:item", args=[item.pk])).text
    assert reverse("ledger:act", args=[item.pk, "dispatch"]) in page and '<button type="submit"' in page
    assert reverse("ledger:act", args=[item.pk, "acknowledge"]) not in page

    dispatched(cast, item)
    client.force_login(cast.handler)
    page = client.get(reverse("ledger:item", args=[item.pk])).text
    for action in ("acknowledge", "return", "note"):
        assert reverse("ledger:act", args=[item.pk, action]) in page
    for action in ("dispatch", "resolve", "sign_off", "supervise"):
        assert reverse("ledger:act", args=[item.pk, action]) not in page

    client.force_login(cast.auditor)
    page = client.get(reverse("ledger:item", args=[item.pk])).text
    assert reverse("ledger:act", args=[item.pk, "supervise"]) in page
    assert reverse("ledger:act", args=[item.pk, "acknowledge"]) not in page


def test_each_action_form_carries_the_version_and_a_named_button(client, cast, open_item):
    item = open_item()
    client.force_login(cast.call_taker)
    page = client.get(reverse("ledger:item", args=[item.pk])).text
    assert f'name="dispatch-version" value="{item.version}"' in page
    assert 'aria-label="派单"' in page and ">派单</button>" in page
    assert '<label for="id_dispatch-department">承办部门' in page


def test_the_phone_is_whole_for_the_call_taker_and_masked_for_a_leader(client, cast, open_item):
    item = open_item(submitter_id_number="11010519491231002X")
    client.force_login(cast.call_taker)
    page = client.get(reverse("ledger:item", args=[item.pk])).text
    assert "13812345678" in page and "11010519491231002X" in page
    client.force_login(cast.leader)
    page = client.get(reverse("ledger:item", args=[item.pk])).text
    assert "138****5678" in page and "13812345678" not in page
    assert "110105********002X" in page and "11010519491231002X" not in page


def test_the_whole_loop_through_the_pages(client, cast, open_item):
    item = open_item()
    today = timezone.localdate()

    client.force_login(cast.call_taker)
    response = act(client, item, "dispatch", department=cast.department.pk, sponsor=cast.leader.pk, reason="请尽快处理")
    assert response.status_code == 302 and response["Location"] == reverse("ledger:item", args=[item.pk])
    item.refresh_from_db()
    assert item.status == Status.DISPATCHED and item.department == cast.department and item.sponsor == cast.leader

    client.force_login(cast.handler)
    assert act(client, item, "acknowledge").status_code == 302
    assert act(client, item, "add_measure", text="安排施工队修复", due=today + dt.timedelta(days=3)).status_code == 302
    measure = item.measures.get()
    assert act(client, item, "complete_measure", measure=measure.pk, reason="已完工").status_code == 302
    assert act(client, item, "note", text="已修复，待验收").status_code == 302
    assert act(client, item, "resolve", result_kind="solved", result_text="路面已修复").status_code == 302
    item.refresh_from_db()
    assert item.status == Status.RESOLVED and item.results.get().text == "路面已修复"
    measure.refresh_from_db()
    assert measure.done_at is not None

    client.force_login(cast.call_taker)
    assert act(client, item, "callback", satisfaction="satisfied", solved="on", note="群众满意").status_code == 302
    assert act(client, item, "sign_off", reason="闭环").status_code == 302
    item.refresh_from_db()
    assert item.status == Status.CLOSED and item.satisfaction == "satisfied"
    assert list(item.events.values_list("action", flat=True)) == [
        "open",
        "dispatch",
        "acknowledge",
        "add_measure",
        "complete_measure",
        "note",
        "resolve",
        "callback",
        "sign_off",
    ]
    page = client.get(reverse("ledger:item", args=[item.pk])).text
    assert "已销号" in page and "当前没有您可办理的操作" in page


def test_extension_supervision_urging_and_edits_through_the_pages(client, cast, open_item):
    item = open_item()
    client.force_login(cast.call_taker)
    edit = {"title": "金山路128号路面塌陷", "description": item.description, "kind": "problem"}
    edit |= {"category": cast.category.pk, "priority": "urgent", "reason": "补充门牌号"}
    assert act(client, item, "edit", **edit).status_code == 302
    item.refresh_from_db()
    assert item.title == "金山路128号路面塌陷" and item.priority == "urgent"
    in_progress(cast, item)
    item.refresh_from_db()

    client.force_login(cast.handler)
    until = timezone.localtime(item.resolve_due).date() + dt.timedelta(days=10)
    assert act(client, item, "request_extension", until=until, reason="需协调多部门").status_code == 302
    client.force_login(cast.leader)
    assert act(client, item, "approve_extension").status_code == 302
    assert act(client, item, "supervise", reason="请加快办理").status_code == 302
    client.force_login(cast.call_taker)
    assert act(client, item, "urge", reason="群众再次来电").status_code == 302
    item.refresh_from_db()
    assert timezone.localtime(item.resolve_due).date() == until
    assert item.supervised and item.urge_count == 1


def test_a_return_without_a_reason_is_400_with_the_error_in_chinese_and_changes_nothing(client, cast, open_item):
    item = dispatched(cast, open_item())
    events = ItemEvent.objects.count()
    client.force_login(cast.handler)
    response = act(client, item, "return", reason="  ")
    assert response.status_code == 400
    assert "退单须说明理由" in response.text
    item.refresh_from_db()
    assert item.status == Status.DISPATCHED and ItemEvent.objects.count() == events


@pytest.mark.parametrize(
    "action,fields,message",
    [
        ("add_measure", {"text": "", "due": ""}, "请填写措施内容"),
        ("add_measure", {"text": "修路", "due": "明天"}, "有效的日期"),
        ("resolve", {"result_kind": "funds_granted", "result_text": "补助"}, "资金支持须填写金额"),
        ("resolve", {"result_kind": "solved", "result_text": "修好", "amount": "很多"}, "数字"),
        ("request_extension", {"until": "2000-01-01", "reason": "需协调"}, "延期后的期限须晚于当前办结期限"),
        ("complete_measure", {"measure": "999999"}, "该措施不存在或已完成"),
    ],
)
def test_bad_input_gets_field_errors_and_a_400_never_a_500(client, cast, open_item, action, fields, message):
    item = in_progress(cast, open_item())
    version = item.version
    client.force_login(cast.handler)
    response = act(client, item, action, **fields)
    assert response.status_code == 400 and message in response.text
    item.refresh_from_db()
    assert item.version == version


def test_an_htmx_action_with_bad_input_returns_the_panel_with_status_400(client, cast, open_item):
    item = dispatched(cast, open_item())
    client.force_login(cast.handler)
    url = reverse("ledger:act", args=[item.pk, "return"])
    response = htmx(client, "post", url, {"return-version": item.version, "return-reason": ""})
    assert response.status_code == 400
    assert response.text.lstrip().startswith('<div id="item-panel"') and "<html" not in response.text
    assert "退单须说明理由" in response.text


def test_an_htmx_action_returns_the_fresh_panel(client, cast, open_item):
    item = dispatched(cast, open_item())
    client.force_login(cast.handler)
    url = reverse("ledger:act", args=[item.pk, "acknowledge"])
    response = htmx(client, "post", url, {"acknowledge-version": item.version})
    assert response.status_code == 200 and "<html" not in response.text
    assert "办理中" in response.text and "“签收”已办理" in response.text
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS


def test_a_stale_page_gets_a_409_conflict_and_nothing_is_overwritten(client, cast, open_item):
    item = open_item()
    stale = item.version
    services.item_urge(item=item, actor=cast.call_taker, reason="群众再次来电")
    client.force_login(cast.call_taker)
    url = reverse("ledger:act", args=[item.pk, "dispatch"])
    response = client.post(url, {"dispatch-version": stale, "dispatch-department": cast.department.pk})
    assert response.status_code == 409 and "该事项已被他人修改" in response.text
    item.refresh_from_db()
    assert item.status == Status.OPEN and item.department is None
    response = htmx(client, "post", url, {"dispatch-version": stale, "dispatch-department": cast.department.pk})
    assert response.status_code == 409 and "该事项已被他人修改" in response.text and "<html" not in response.text


def test_an_action_the_state_does_not_allow_is_a_409(client, cast, open_item):
    item = open_item()
    client.force_login(cast.call_taker)
    response = act(client, item, "sign_off")
    assert response.status_code == 409 and "不能执行“销号”" in response.text


def test_an_unknown_action_or_item_is_404_and_get_is_not_allowed(client, cast, open_item):
    item = open_item()
    client.force_login(cast.call_taker)
    assert client.post(reverse("ledger:act", args=[item.pk, "explode"])).status_code == 404
    assert client.post(reverse("ledger:act", args=[999999, "urge"])).status_code == 404
    assert client.get(reverse("ledger:act", args=[item.pk, "urge"])).status_code == 405


def test_a_return_that_takes_the_item_out_of_the_handlers_sight_leads_back_to_my_items(client, cast, open_item):
    item = dispatched(cast, open_item())
    client.force_login(cast.handler)
    response = act(client, item, "return", reason="不属于本部门职责")
    assert response.status_code == 302 and response["Location"] == reverse("ledger:inbox")
    item = dispatched(cast, Item.objects.get(pk=item.pk))
    url = reverse("ledger:act", args=[item.pk, "return"])
    response = htmx(client, "post", url, {"return-version": item.version, "return-reason": "仍不属于"})
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("ledger:inbox")


def test_the_htmx_refresh_gets_only_the_panel(client, cast, open_item):
    item = open_item()
    client.force_login(cast.call_taker)
    response = htmx(client, "get", reverse("ledger:item", args=[item.pk]))
    assert response.status_code == 200 and "<html" not in response.text and item.number in response.text


# ---------------------------------------------------------------------------------------------
# Intake


def intake_data(cast, **overrides):
    data = {
        "title": "路灯不亮",
        "description": "金山社区路口路灯连续三晚不亮。",
        "kind": "problem",
        "channel": "hotline",
        "category": cast.category.pk,
        "division": cast.village.code,
        "address": "金山路口",
        "priority": "normal",
        "submitter_type": "resident",
        "submitter_name": "李四",
        "submitter_phone": "13912345678",
    }
    return data | overrides


def test_the_intake_form_is_ready_for_the_keyboard(client, cast):
    client.force_login(cast.call_taker)
    page = client.get(reverse("ledger:intake")).text
    assert 'name="title"' in page and "autofocus" in page
    assert '<datalist id="division-options">' in page and f'value="{cast.village.code}"' in page
    assert cast.other_village.code not in page  # only the user's own county
    assert '<option value="hotline" selected>' in page
    assert "城乡建设" in page  # categories grouped by parent


def test_intake_opens_an_item_and_leads_to_it_with_its_number(client, cast):
    client.force_login(cast.call_taker)
    response = client.post(reverse("ledger:intake"), intake_data(cast), follow=True)
    item = Item.objects.get()
    assert response.redirect_chain[-1][0] == reverse("ledger:item", args=[item.pk])
    assert f"已受理，编号 {item.number}" in response.text
    assert item.first_receiver == cast.call_taker and item.status == Status.OPEN and item.division == cast.village


def test_intake_can_dispatch_at_once(client, cast):
    client.force_login(cast.call_taker)
    response = client.post(reverse("ledger:intake"), intake_data(cast, department=cast.department.pk))
    item = Item.objects.get()
    assert response.status_code == 302
    assert item.status == Status.DISPATCHED and item.department == cast.department
    assert list(item.events.values_list("action", flat=True)) == ["open", "dispatch"]


def test_intake_refuses_an_unknown_division_code_clearly(client, cast):
    client.force_login(cast.call_taker)
    response = client.post(reverse("ledger:intake"), intake_data(cast, division="999999"))
    assert response.status_code == 400 and "未知的区划代码：999999" in response.text
    assert not Item.objects.exists()


def test_intake_refuses_a_division_outside_the_users_county(client, cast):
    client.force_login(cast.call_taker)
    response = client.post(reverse("ledger:intake"), intake_data(cast, division=cast.other_village.code))
    assert response.status_code == 400 and "不在您的管辖范围内" in response.text
    assert not Item.objects.exists()


def test_intake_shows_the_services_field_errors_and_writes_nothing(client, cast):
    client.force_login(cast.call_taker)
    response = client.post(reverse("ledger:intake"), intake_data(cast, submitter_phone="1381234", title=""))
    assert response.status_code == 400
    assert "电话号码格式不正确" in response.text
    assert not Item.objects.exists() and not ItemEvent.objects.exists()


def test_a_failed_dispatch_at_intake_leaves_no_half_opened_item(client, cast):
    client.force_login(cast.call_taker)
    response = client.post(reverse("ledger:intake"), intake_data(cast, department=cast.other_department.pk))
    assert response.status_code == 400
    assert not Item.objects.exists()


# ---------------------------------------------------------------------------------------------
# The ledger


def test_the_ledger_lists_items_with_their_columns(client, cast, open_item):
    item = open_item()
    services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department, sponsor=cast.leader)
    client.force_login(cast.call_taker)
    page = client.get(reverse("ledger:ledger")).text
    for text in (
        "编号",
        "标题",
        "类型",
        "渠道",
        "区划",
        "承办部门",
        "包保领导",
        "状态",
        "受理时间",
        "办结期限",
        "满意度",
    ):
        assert f">{text}</th>" in page, text
    assert item.number in page and "鲤城区住建局" in page and "leader" in page and "12345热线" in page


def test_the_ledger_filters_by_status_division_and_overdue(client, cast, open_item):
    first, second = open_item(title="第一件"), dispatched(cast, open_item(title="第二件"))
    client.force_login(cast.call_taker)
    url = reverse("ledger:ledger")
    page = client.get(url, {"status": "dispatched"}).text
    assert "第二件" in page and "第一件" not in page
    page = client.get(url, {"division": cast.township.code}).text
    assert "第一件" in page and "第二件" in page
    page = client.get(url, {"division": cast.other_county.code}).text
    assert "第一件" not in page and "第二件" not in page
    Item.objects.filter(pk=second.pk).update(resolve_due=timezone.now() - dt.timedelta(days=1))
    page = client.get(url, {"overdue": "true"}).text
    assert "第二件" in page and "第一件" not in page
    assert first.number in client.get(url, {"q": "第一"}).text


def test_the_ledger_never_shows_another_countys_items(client, cast, open_item):
    open_item(title="丰泽区的事", actor=cast.other_call_taker, division=cast.other_village)
    client.force_login(cast.call_taker)
    assert "丰泽区的事" not in client.get(reverse("ledger:ledger")).text


def test_an_htmx_request_gets_only_the_table(client, cast, open_item):
    open_item()
    client.force_login(cast.call_taker)
    response = htmx(client, "get", reverse("ledger:ledger"), {"status": "open"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="ledger-results"') and "<html" not in response.text
    assert "<form" not in response.text and "金山路路面塌陷" in response.text
    assert reverse("ledger:export", args=["items", "xlsx"]) + "?status=open" in response.text


def test_the_ledger_pages_fifty_rows_at_a_time(client, cast, open_item):
    for n in range(51):
        open_item(title=f"事项{n:02d}")
    client.force_login(cast.call_taker)
    first = client.get(reverse("ledger:ledger")).text
    assert first.count('class="title-cell"') == 50 and "第 1 / 2 页" in first
    second = client.get(reverse("ledger:ledger"), {"page": 2}).text
    assert second.count('class="title-cell"') == 1


def test_the_measure_and_result_tabs_list_and_filter(client, cast, open_item, django_assert_max_num_queries):
    item = in_progress(cast, open_item())
    services.item_add_measure(item=item, actor=cast.handler, text="安排施工队修复", due=timezone.localdate())
    services.item_resolve(item=item, actor=cast.handler, result_kind="solved", result_text="路面已修复")
    client.force_login(cast.call_taker)
    url = reverse("ledger:ledger")
    assert "安排施工队修复" in client.get(url, {"tab": "measures"}).text
    assert "安排施工队修复" not in client.get(url, {"tab": "measures", "done": "true"}).text
    assert "路面已修复" in client.get(url, {"tab": "results", "kind": "solved"}).text
    assert "路面已修复" not in client.get(url, {"tab": "results", "kind": "policy_issued"}).text


def test_the_ledger_reads_a_page_in_a_fixed_number_of_queries(client, cast, open_item, django_assert_max_num_queries):
    for n in range(10):
        services.item_dispatch(
            item=open_item(title=f"事项{n}"), actor=cast.call_taker, department=cast.department, sponsor=cast.leader
        )
    client.force_login(cast.call_taker)
    with django_assert_max_num_queries(12):
        client.get(reverse("ledger:ledger"))
    with django_assert_max_num_queries(12):
        client.get(reverse("ledger:ledger"), {"tab": "measures"})


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_pages_render_in_the_other_languages(client, cast, open_item, language):
    item = in_progress(cast, open_item())
    client.force_login(cast.handler)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    for url in (reverse("ledger:inbox"), reverse("ledger:item", args=[item.pk]), reverse("ledger:ledger")):
        response = client.get(url)
        assert response.status_code == 200 and f'<html lang="{language}">' in response.text
    assert client.get(reverse("ledger:export", args=["items", "csv"])).status_code == 200
