"""Delivery pages per role: policies for me, explanations, the application, notifications, the
officials' eligible lists with export and near misses, grant batches."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.models import Enterprise
from ledger.models import Item
from policies.models import Application, Grant, GrantBatch, GrantBatchStatus, Notification
from policies.services import delivery
from policies.tests.test_delivery_services import make_world


@pytest.fixture
def world(cast):
    return make_world(cast)


def login(client, user):
    client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------
# Enterprise users


def test_policies_for_me_shows_amounts_apply_buttons_and_enjoy_without_applying(client, world):
    page = login(client, world.user_a).get(reverse("policies:mine"))
    assert page.status_code == 200
    html = page.content.decode()
    assert world.a.name in html and "测试条款1" in html and "3,000.00" in html
    assert reverse("policies:apply", args=[world.apply.pk]) in html
    assert "无需申请，审核后直接兑现" in html
    assert reverse("policies:explain", args=[world.a.pk, world.apply.pk]) in html


def test_policies_for_me_shows_the_grant_once_approved(client, world):
    batch = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)
    delivery.grant_batch_approve(batch=batch, actor=world.cast.admin, version=batch.version)
    html = login(client, world.user_a).get(reverse("policies:mine")).content.decode()
    assert "已兑现 2,000.00 元" in html


def test_a_user_without_an_enterprise_is_told_so(client, world):
    html = login(client, world.cast.submitter).get(reverse("policies:mine")).content.decode()
    assert "尚未关联企业" in html


def test_an_enterprise_user_sees_the_explanation_of_their_own_enterprise(client, world):
    page = login(client, world.user_a).get(reverse("policies:explain", args=[world.a.pk, world.apply.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "从业人数不低于10人" in html and "30 人" in html and "满足" in html and "一键申请" in html


def test_an_enterprise_user_cannot_see_another_enterprises_explanation(client, world):
    page = login(client, world.user_a).get(reverse("policies:explain", args=[world.c.pk, world.apply.pk]))
    assert page.status_code == 404


def test_an_enterprise_user_cannot_apply_for_another_enterprise(client, world):
    url = reverse("policies:apply", args=[world.apply.pk]) + f"?enterprise={world.c.pk}"
    assert login(client, world.user_a).get(url).status_code == 404
    assert not Application.objects.exists()


def test_the_application_form_is_prefilled_and_applying_opens_a_ledger_item(client, world):
    login(client, world.user_a)
    url = reverse("policies:apply", args=[world.apply.pk]) + f"?enterprise={world.a.pk}"
    form = client.get(url)
    assert (
        form.status_code == 200 and "陈经理" in form.content.decode() and world.a.credit_code in form.content.decode()
    )
    unconfirmed = client.post(url, {"contact_name": "陈经理", "contact_phone": "13812345678", "enterprise": world.a.pk})
    assert unconfirmed.status_code == 400 and not Application.objects.exists()
    data = {"contact_name": "陈经理", "contact_phone": "13812345678", "confirm": "on", "enterprise": world.a.pk}
    done = client.post(url, data)
    item = Item.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("ledger:item", args=[item.pk])
    assert client.get(done["Location"]).status_code == 200  # the submitter sees their item
    again = client.post(url, data, follow=True)
    assert "不能重复申请" in again.content.decode() and Application.objects.count() == 1


def test_notifications_show_unread_in_the_nav_and_are_marked_read(client, world):
    delivery.notify_matches()
    login(client, world.user_a)
    html = client.get(reverse("policies:notifications")).content.decode()
    assert "政策消息" in html and '<span class="count" title="未读">3</span>' in html
    one = Notification.objects.filter(enterprise=world.a).first()
    client.post(reverse("policies:notifications-read"), {"pk": one.pk})
    assert Notification.objects.filter(enterprise=world.a, read_at__isnull=True).count() == 2
    other = Notification.objects.filter(enterprise=world.c).first()
    assert client.post(reverse("policies:notifications-read"), {"pk": other.pk}).status_code == 404
    client.post(reverse("policies:notifications-read"))
    assert not Notification.objects.filter(enterprise=world.a, read_at__isnull=True).exists()
    assert Notification.objects.filter(enterprise=world.c, read_at__isnull=True).exists()
    assert len(mail.outbox) == 2


def test_staff_have_no_notification_badge_but_the_delivery_link(client, world):
    html = login(client, world.cast.leader).get(reverse("ledger:inbox")).content.decode()
    assert reverse("policies:delivery") in html and reverse("policies:notifications") not in html


# ---------------------------------------------------------------------------------------------
# Officials


def test_an_enterprise_user_may_not_open_the_officials_lists(client, world):
    login(client, world.user_a)
    for url in (
        reverse("policies:delivery"),
        reverse("policies:delivery-clause", args=[world.auto.pk]),
        reverse("policies:delivery-export", args=[world.auto.pk]),
        reverse("policies:grant-batches", args=[world.auto.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_the_eligible_list_groups_by_division_against_the_budget(client, world):
    login(client, world.cast.admin)
    html = client.get(reverse("policies:delivery-clause", args=[world.auto.pk])).content.decode()
    assert "鲤城区" in html and "丰泽区" in html and "3,000.00" in html and "超预算" in html
    assert "缺口 500.00 元" in html
    drill = client.get(reverse("policies:delivery-clause", args=[world.auto.pk]) + "?division=350502").content.decode()
    assert world.a.name in drill and world.c.name not in drill


def test_the_eligible_list_is_scoped_to_the_officials_subtree(client, world):
    login(client, world.cast.leader)
    html = client.get(reverse("policies:delivery-clause", args=[world.auto.pk])).content.decode()
    assert world.a.name in html and world.c.name not in html
    assert client.get(reverse("policies:delivery-clause", args=[world.auto.pk]) + "?division=350503").status_code == 404
    assert client.get(reverse("policies:explain", args=[world.c.pk, world.auto.pk])).status_code == 404
    assert client.get(reverse("policies:explain", args=[world.a.pk, world.auto.pk])).status_code == 200


def test_the_unknown_list_names_the_missing_data(client, world):
    login(client, world.cast.leader)
    url = reverse("policies:delivery-clause", args=[world.revenue.pk]) + "?result=unknown"
    html = client.get(url).content.decode()
    assert world.b.name in html and world.a.name not in html


def test_the_eligible_list_exports_as_csv(client, world):
    login(client, world.cast.admin)
    response = client.get(reverse("policies:delivery-export", args=[world.apply.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff统一社会信用代码,企业名称")
    assert f"{world.a.credit_code},{world.a.name}" in text and "3000.00" in text
    assert text.count("\n") == 2


def test_an_enterprise_name_that_looks_like_a_formula_is_exported_as_text(client, world):
    formula = '=HYPERLINK("http://x")'
    Enterprise.objects.filter(pk=world.a.pk).update(name=formula)
    login(client, world.cast.admin)
    csv_text = b"".join(client.get(reverse("policies:delivery-export", args=[world.apply.pk])).streaming_content)
    assert '\'=HYPERLINK(""http://x"")' in csv_text.decode("utf-8")  # quoted, after the text marker
    response = client.get(reverse("policies:delivery-export", args=[world.apply.pk, "xlsx"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == world.a.credit_code)
    assert cell.value == formula and cell.data_type == "s"  # a string, never a formula
    assert next(sheet.iter_rows(min_row=2, max_row=2))[5].value == 3000  # the amount stays a number


def test_the_near_miss_list_shows_the_failing_condition(client, world):
    login(client, world.cast.admin)
    html = client.get(reverse("policies:delivery-near", args=[world.apply.pk])).content.decode()
    assert world.b.name in html and "带有“外贸”标签" in html  # b: 12 employees, no tag
    assert world.c.name in html and "从业人数不低于10人" in html  # c: tag, 8 employees


def test_the_delivery_index_lists_clauses_with_counts(client, world):
    html = login(client, world.cast.admin).get(reverse("policies:delivery")).content.decode()
    assert "测试条款2" in html and "超预算" in html


def test_a_handler_draws_a_batch_and_a_leader_approves_it(client, world):
    login(client, world.cast.handler)
    response = client.post(reverse("policies:grant-batches", args=[world.revenue.pk]))
    batch = GrantBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("policies:grant-batch", args=[batch.pk])
    html = client.get(response["Location"]).content.decode()
    assert world.a.name in html and "2,000.00" in html
    login(client, world.cast.auditor)
    assert client.post(reverse("policies:grant-batch-approve", args=[batch.pk]), {"version": 1}).status_code == 403
    login(client, world.cast.leader)
    done = client.post(reverse("policies:grant-batch-approve", args=[batch.pk]), {"version": 1}, follow=True)
    assert "已记录兑现 1 笔" in done.content.decode() and Grant.objects.count() == 1
    twice = client.post(reverse("policies:grant-batch-approve", args=[batch.pk]), {"version": 1}, follow=True)
    assert "已被他人处理" in twice.content.decode() and Grant.objects.count() == 1


def test_an_over_budget_batch_is_refused_on_the_page(client, world):
    login(client, world.cast.admin)
    client.post(reverse("policies:grant-batches", args=[world.auto.pk]))
    batch = GrantBatch.objects.get()
    html = client.get(reverse("policies:grant-batch", args=[batch.pk])).content.decode()
    assert "超过剩余预算" in html
    page = client.post(reverse("policies:grant-batch-approve", args=[batch.pk]), {"version": 1}, follow=True)
    assert "缺口 500.00 元" in page.content.decode() and not Grant.objects.exists()


def test_a_batch_is_rejected_with_a_reason(client, world):
    login(client, world.cast.admin)
    client.post(reverse("policies:grant-batches", args=[world.revenue.pk]))
    batch = GrantBatch.objects.get()
    url = reverse("policies:grant-batch-reject", args=[batch.pk])
    assert "退回须说明理由" in client.post(url, {"version": 1, "note": ""}, follow=True).content.decode()
    client.post(url, {"version": 1, "note": "金额待核实"})
    batch.refresh_from_db()
    assert batch.status == GrantBatchStatus.REJECTED
    html = client.get(reverse("policies:grant-batches", args=[world.revenue.pk])).content.decode()
    assert "已退回" in html


@pytest.mark.parametrize("role", ["admin", "leader", "handler", "call_taker", "auditor", "other_leader"])
def test_the_officials_pages_render_for_every_staff_role(client, world, role):
    login(client, getattr(world.cast, role))
    batch = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)
    for url in (
        reverse("policies:delivery"),
        reverse("policies:delivery-clause", args=[world.auto.pk]),
        reverse("policies:delivery-near", args=[world.apply.pk]),
        reverse("policies:grant-batches", args=[world.revenue.pk]),
        reverse("policies:grant-batch", args=[batch.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_a_resident_without_an_enterprise_may_not_open_the_officials_pages(client, world):
    login(client, world.cast.submitter)
    assert client.get(reverse("policies:delivery")).status_code == 403
    assert client.get(reverse("policies:explain", args=[world.a.pk, world.apply.pk])).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, world):
    for url in (reverse("policies:mine"), reverse("policies:delivery"), reverse("policies:notifications")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_county_leader_is_not_offered_to_approve_a_batch_reaching_beyond_the_county(client, world):
    from policies.services import delivery

    batch = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)  # 鲤城区 and 丰泽区
    client.force_login(world.cast.leader)
    html = client.get(reverse("policies:grant-batch", args=[batch.pk])).content.decode()
    assert "该批次含有您管辖范围以外的企业，请由上级审批。" in html and "审批通过，记录兑现" not in html
    client.force_login(world.cast.admin)
    assert "审批通过，记录兑现" in client.get(reverse("policies:grant-batch", args=[batch.pk])).content.decode()
