"""Visits: recorded within scope, findings turned into ledger items in one step, linked both ways;
bad input refused with a clear message and nothing written."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.exceptions import ActionRefused
from core.figures import Where, figure
from core.models import ChangeRecord
from ledger.models import Channel, Item, Status, SubmitterType
from org.actor import SYSTEM
from visits import services
from visits.models import Finding, Visit

pytestmark = pytest.mark.django_db


def record(cast, **overrides):
    fields = dict(
        actor=cast.leader,
        visited_on=timezone.localdate(),
        officials=[cast.leader.person],
        enterprise=cast.enterprise,
        findings=[
            services.FindingInput("厂区门口道路破损，货车进出困难。", category=cast.category),
            services.FindingInput("希望简化用工备案手续。"),
        ],
    )
    fields.update(overrides)
    return services.visit_record(**fields)


def test_a_visit_turns_a_finding_with_a_category_into_an_item_linked_both_ways(factory):
    visit = record(factory)
    first, second = visit.findings.order_by("pk")
    item = first.item
    assert item.channel == Channel.VISIT and item.status == Status.OPEN
    assert item.submitter_type == SubmitterType.ENTERPRISE
    assert item.enterprise_credit_code == factory.enterprise.credit_code
    assert item.division == factory.village and item.first_receiver == factory.leader
    assert item.visit_finding == first and second.item is None
    assert visit.county_level  # the leader is county-level
    assert ChangeRecord.objects.filter(object_id=str(visit.pk), action="create").exists()


def test_a_finding_is_opened_later_once_and_its_history_shows_on_the_visit(factory):
    visit = record(factory)
    second = visit.findings.order_by("pk").last()
    item = services.finding_open_item(actor=factory.call_taker, finding=second, category=factory.category)
    assert item.title.startswith("希望简化用工备案手续")
    with pytest.raises(ActionRefused):
        services.finding_open_item(actor=factory.call_taker, finding=second, category=factory.category)
    assert Item.objects.count() == 2
    history = ChangeRecord.objects.filter(object_id=str(second.pk), parent_id=str(visit.pk), action="open_item")
    assert history.count() == 1 and history.get().actor == factory.call_taker


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"visited_on": timezone.localdate() + dt.timedelta(days=1)}, "visited_on", "走访日期不能晚于今天。"),
        ({"findings": [services.FindingInput("   ")]}, "findings", "第 1 条问题没有内容。"),
        ({"findings": [services.FindingInput("长" * 2001)]}, "findings", "第 1 条问题超过 2000 字。"),
        ({"officials": []}, "officials", "请至少选择一名走访干部。"),
        ({"enterprise": None}, "division", "请选择走访的企业或所在区划。"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_written(factory, overrides, field, message):
    with pytest.raises(ValidationError) as e:
        record(factory, **overrides)
    assert message in e.value.message_dict[field]
    assert not Visit.objects.exists() and not Item.objects.exists() and not ChangeRecord.objects.exists()


def test_a_place_or_an_official_outside_the_scope_is_refused(factory):
    with pytest.raises(PermissionDenied, match="走访地点不在您的管辖范围内"):
        record(factory, enterprise=factory.other_enterprise)
    with pytest.raises(PermissionDenied, match="走访干部不在您的管辖范围内：other_leader"):
        record(factory, officials=[factory.other_leader.person])
    with pytest.raises(PermissionDenied):
        record(factory, actor=factory.auditor)
    with pytest.raises(ValueError):
        record(factory, actor=None)
    assert not Visit.objects.exists()


def test_the_system_records_a_visit_anywhere_without_a_recorder(factory):
    visit = record(factory, actor=SYSTEM, enterprise=factory.other_enterprise, findings=[])
    assert visit.created_by is None
    assert ChangeRecord.objects.get(object_id=str(visit.pk)).actor is None


def test_another_county_cannot_see_or_open_the_visit(factory, client):
    visit = record(factory)
    second = visit.findings.order_by("pk").last()
    client.force_login(factory.other_leader)
    assert client.get(reverse("visits:detail", args=[visit.pk])).status_code == 404
    data = {f"{second.pk}-kind": "problem", f"{second.pk}-category": factory.category.pk}
    response = client.post(reverse("visits:finding-open", args=[second.pk]), data)
    assert response.status_code == 403 and not Finding.objects.get(pk=second.pk).item_id
    assert Visit.objects.restrict(factory.other_leader).count() == 0
    assert Visit.objects.restrict(factory.leader).count() == 1
    assert Visit.objects.restrict(factory.city_call_taker).count() == 1


def test_the_quick_entry_page_records_a_visit_with_two_findings(factory, client):
    client.force_login(factory.leader)
    page = client.get(reverse("visits:new"))
    assert page.status_code == 200 and "录入走访" in page.text
    response = client.post(reverse("visits:new"), {
        "enterprise": factory.enterprise.credit_code, "visited_on": timezone.localdate().isoformat(),
        "officials": [factory.leader.person.pk], "place": "", "summary": "座谈了解生产经营情况",
        "f-TOTAL_FORMS": "2", "f-INITIAL_FORMS": "0", "f-MIN_NUM_FORMS": "0", "f-MAX_NUM_FORMS": "20",
        "f-0-text": "用电增容审批慢", "f-0-kind": "problem", "f-0-category": factory.category.pk,
        "f-1-text": "招工难", "f-1-kind": "suggestion", "f-1-category": factory.category.pk,
    })  # fmt: skip
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == reverse("visits:detail", args=[visit.pk])
    assert Finding.objects.filter(item__isnull=False).count() == 2
    detail = client.get(response.url)
    assert "用电增容审批慢" in detail.text and "变更历史" in detail.text


def test_the_quick_entry_page_shows_errors_and_writes_nothing(factory, client):
    client.force_login(factory.leader)
    response = client.post(reverse("visits:new"), {
        "enterprise": "不存在的企业", "visited_on": "2999-01-01", "officials": [factory.leader.person.pk],
        "f-TOTAL_FORMS": "0", "f-INITIAL_FORMS": "0", "f-MIN_NUM_FORMS": "0", "f-MAX_NUM_FORMS": "20",
    })  # fmt: skip
    assert response.status_code == 400
    assert "在您的管辖范围内找不到该企业：不存在的企业" in response.text
    assert not Visit.objects.exists()


def test_the_api_records_a_visit_and_opens_a_finding(factory):
    api = APIClient()
    api.force_authenticate(factory.leader)
    response = api.post("/api/visits/", {
        "visited_on": timezone.localdate().isoformat(), "enterprise": factory.enterprise.credit_code,
        "officials": ["leader"], "findings": [{"text": "污水管网堵塞", "category": factory.category.code},
                                              {"text": "希望增加公交线路", "kind": "suggestion"}],
    }, format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["findings"][0]["item_number"] and body["findings"][1]["item"] is None
    second = body["findings"][1]["id"]
    opened = api.post(f"/api/visits/{body['id']}/findings/{second}/open-item/", {"category": factory.category.code})
    assert opened.status_code == 201 and opened.json()["item"]
    again = api.post(f"/api/visits/{body['id']}/findings/{second}/open-item/", {"category": factory.category.code})
    assert again.status_code == 409 and again.json()["code"] == "action_refused"
    bad = api.post("/api/visits/", {"visited_on": "2999-01-01", "officials": ["nobody"]}, format="json")
    assert bad.status_code == 400 and "officials" in bad.json()["errors"]
    assert api.get("/api/visits/").json()["count"] == 1


def test_the_export_lists_the_visits_and_findings_in_scope(factory, client):
    record(factory)
    client.force_login(factory.leader)
    csv = b"".join(client.get(reverse("visits:export", args=["findings", "csv"])).streaming_content).decode()
    assert "厂区门口道路破损" in csv and "希望简化用工备案手续" in csv
    xlsx = client.get(reverse("visits:export", args=["visits", "xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    client.force_login(factory.other_leader)
    csv = b"".join(client.get(reverse("visits:export", args=["findings", "csv"])).streaming_content).decode()
    assert "厂区门口道路破损" not in csv


def test_the_figures_count_what_their_links_list(factory, client):
    record(factory)
    record(factory, enterprise=None, division=factory.village, place="金山社区", findings=[])
    today = timezone.localdate()
    where = Where(start=today.replace(month=1, day=1), end=today, division_path=factory.county.path)
    client.force_login(factory.leader)
    for key, expected in [("visits.visits", 2), ("visits.enterprises_county_level", 1), ("visits.findings", 2),
                          ("visits.findings_solved", 0)]:  # fmt: skip
        f = figure(key)
        assert f.count(where) == expected, key
        page = client.get(f.link(where))
        assert page.status_code == 200 and page.context["page"].paginator.count == expected, key
    other = Where(start=where.start, end=today, division_path=factory.other_county.path)
    assert figure("visits.visits").count(other) == 0


def test_the_item_page_names_the_visit_it_came_from(factory, client):
    item = record(factory).findings.order_by("pk").first().item
    client.force_login(factory.leader)
    response = client.get(reverse("ledger:item", args=[item.pk]))
    assert "来源：走访企业" in response.text and "泉州示例纺织有限公司" in response.text
