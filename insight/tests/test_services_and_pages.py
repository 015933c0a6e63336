import pytest
from django.urls import reverse

from insight import selectors, services
from insight.models import HotIssue, RoutingModel, Suggestion, Target
from ledger.models import Category, Item, Status
from org.actor import SYSTEM
from org.models import Department

ROADS = [
    "金山路路灯坏了",
    "路灯不亮晚上出行不便",
    "小区门口路面塌陷",
    "道路坑洼需要修补",
    "人行道砖破损",
    "路灯损坏无人维修",
]
NOISE = [
    "工厂夜间噪音扰民",
    "餐馆油烟污染",
    "工地深夜施工噪音",
    "河道污水排放",
    "养猪场臭气熏天",
    "工厂排放黑烟污染空气",
]


@pytest.fixture
def trained(cast, open_item, model_dir, settings):
    """Twelve resolved items in two categories and two departments, and models trained on them."""
    settings.INSIGHT_RETRAIN_MIN_ITEMS = 10
    settings.INSIGHT_SUGGEST_MIN_CONFIDENCE = 0.0
    env_cat = Category.objects.create(code="0201", name="环境污染", parent=cast.category.parent)
    env_dep = Department.objects.create(code="350502-HB", name="鲤城区环保局", division=cast.county)
    for texts, category, department in ((ROADS, cast.category, cast.department), (NOISE, env_cat, env_dep)):
        for i, text in enumerate(texts * 2):
            item = open_item(title=text, description=f"{text}，请尽快处理。", submitter_phone=f"139000000{i:02d}")
            Item.objects.filter(pk=item.pk).update(status=Status.RESOLVED, category=category, department=department)
    services.routing_retrain(target=Target.CATEGORY, actor=SYSTEM)
    services.routing_retrain(target=Target.DEPARTMENT, actor=SYSTEM)
    return {"env_cat": env_cat, "env_dep": env_dep}


def test_retraining_needs_enough_resolved_items(cast, model_dir):
    from insight.errors import InsightError

    with pytest.raises(InsightError, match="resolved items"):
        services.routing_retrain(target=Target.CATEGORY, actor=SYSTEM)
    assert not RoutingModel.objects.exists()


def test_versions_are_stored_with_figures_and_can_be_rolled_back(trained):
    first = RoutingModel.objects.get(target=Target.CATEGORY)
    assert first.active and first.n_train == 24 and "macro_f1" in first.metrics
    second = services.routing_retrain(target=Target.CATEGORY, actor=SYSTEM)
    assert second.version == 2 and RoutingModel.objects.get(target=Target.CATEGORY, active=True) == second
    assert services.routing_rollback(target=Target.CATEGORY, actor=SYSTEM).version == 1
    assert RoutingModel.objects.get(target=Target.CATEGORY, active=True).version == 1


def test_it_suggests_the_department_and_nothing_under_the_threshold(trained, settings):
    s = selectors.suggest(title="夜间工地施工噪音", description="噪音太大", target=Target.DEPARTMENT)
    assert s["value"] == str(trained["env_dep"].pk) and 0 <= s["confidence"] <= 1
    settings.INSIGHT_SUGGEST_MIN_CONFIDENCE = 1.01
    assert selectors.suggest(title="夜间工地施工噪音", description="噪音太大", target=Target.DEPARTMENT) is None


def test_a_dispatcher_who_chooses_otherwise_overrules_the_suggestion(
    trained, cast, client, django_capture_on_commit_callbacks
):
    client.force_login(cast.call_taker)
    item = services_open(cast)
    Suggestion.objects.filter(item=item, target=Target.DEPARTMENT).update(value=str(trained["env_dep"].pk))
    with django_capture_on_commit_callbacks(execute=True):  # insight settles on the ledger's signal, on commit
        response = client.post(
            reverse("ledger:act", args=[item.pk, "dispatch"]),
            {"dispatch-department": cast.department.pk, "dispatch-version": 1},
        )
    assert response.status_code in (200, 302), response.content.decode()[-3000:]
    settled = Suggestion.objects.get(item=item, target=Target.DEPARTMENT)
    assert settled.chosen == str(cast.department.pk) and settled.overruled is True
    rates = {r["target"]: r for r in selectors.overrule_rates()}
    assert rates["department"]["settled"] == 1 and rates["department"]["rate"] == 1.0


def services_open(cast):
    from ledger.models import Channel, Kind, SubmitterType
    from ledger.services import item_open

    item = item_open(
        actor=cast.call_taker, title="工厂夜间噪音扰民", description="每晚噪音很大", kind=Kind.COMPLAINT,
        channel=Channel.HOTLINE, category=cast.category, division=cast.village,
        submitter_type=SubmitterType.RESIDENT, submitter_name="李四", submitter_phone="13700000000",
    )  # fmt: skip
    services.suggestion_record(item=item)
    return item


def test_the_item_page_shows_the_suggestion_and_the_intake_fragment_answers(trained, cast, client):
    client.force_login(cast.call_taker)
    item = services_open(cast)
    page = client.get(reverse("ledger:item", args=[item.pk]))
    assert "智能分拨建议" in page.content.decode()
    fragment = client.get(reverse("insight:suggest"), {"title": "路灯坏了", "description": "晚上很黑"})
    assert fragment.status_code == 200 and "鲤城区住建局" in fragment.content.decode()


def test_repeats_are_found_by_submitter_and_similar_text(cast, open_item, client):
    first = open_item(title="金山路128号路灯坏了", description="路灯坏了一个月没人修")
    second = open_item(title="金山路128号路灯还是坏的", description="路灯坏了一个多月，没人修")
    open_item(title="社保卡无法使用", description="医保报销问题", submitter_phone="13500000000")
    found = selectors.repeats_for(item=second, user=cast.call_taker)
    assert [r["item"] for r in found] == [first] and "submitter" in found[0]["reasons"]
    client.force_login(cast.call_taker)
    assert "可能的重复件" in client.get(reverse("ledger:item", args=[second.pk])).content.decode()


def test_a_leader_turns_a_hot_cluster_into_one_supervised_item(cast, open_item, client):
    for i in range(4):
        open_item(title=f"金山路路灯坏了{i}", description="金山路路灯坏了很久", submitter_phone=f"1380000000{i}")
    clusters = selectors.hot_clusters(user=cast.leader)
    assert clusters and clusters[0].volume >= 2
    ids = [i.pk for i in clusters[0].items]
    client.force_login(cast.call_taker)
    assert client.post(reverse("insight:hot_convert"), {"items": ids, "label": "路灯"}).status_code == 403
    client.force_login(cast.leader)
    assert "热点问题" in client.get(reverse("insight:hot")).content.decode()
    response = client.post(reverse("insight:hot_convert"), {"items": ids, "label": "金山路路灯", "reason": "限期修复"})
    hot = HotIssue.objects.get()
    assert (
        response.status_code == 302
        and hot.item.supervised
        and set(hot.sources.values_list("pk", flat=True)) == set(ids)
    )
    assert hot.item.events.filter(action="supervise").exists()


def test_the_overview_shows_versions_to_leaders_and_not_to_handlers(trained, cast, client):
    client.force_login(cast.leader)
    assert "v1" in client.get(reverse("insight:overview")).content.decode()
    client.force_login(cast.handler)
    assert client.get(reverse("insight:overview")).status_code == 403


def test_the_recurring_task_retrains_and_skips_quietly_without_data(trained):
    from insight.tasks import retrain

    retrain.enqueue()
    assert RoutingModel.objects.filter(target=Target.CATEGORY).count() == 2
    RoutingModel.objects.all().delete()
    Item.objects.all().delete()
    retrain.enqueue()
    assert not RoutingModel.objects.exists()


def test_the_intake_page_asks_for_suggestions_as_the_text_is_typed(cast, client):
    client.force_login(cast.call_taker)
    page = client.get(reverse("ledger:intake")).content.decode()
    assert reverse("insight:suggest") in page and 'id="insight-suggestion"' in page


def _open(cast):
    from ledger.models import Channel, Kind, SubmitterType
    from ledger.services import item_open

    return item_open(
        actor=cast.call_taker, title="工厂夜间噪音扰民", description="每晚噪音很大", kind=Kind.COMPLAINT,
        channel=Channel.HOTLINE, category=cast.category, division=cast.village,
        submitter_type=SubmitterType.RESIDENT, submitter_name="李四", submitter_phone="13700000000",
    )  # fmt: skip


def test_the_receivers_record_a_suggestion_when_an_item_opens_and_settle_it_when_it_is_dispatched(trained, cast):
    from insight import receivers

    item = _open(cast)
    Suggestion.objects.filter(item=item).delete()
    receivers.on_item_opened(Item, item=item, actor=cast.call_taker)
    suggestion = Suggestion.objects.get(item=item, target=Target.DEPARTMENT)
    assert suggestion.overruled is None  # not dispatched yet
    Item.objects.filter(pk=item.pk).update(department=trained["env_dep"])
    receivers.on_item_dispatched(Item, item=item, actor=cast.call_taker)  # reads the item as dispatched
    suggestion.refresh_from_db()
    assert suggestion.chosen == str(trained["env_dep"].pk)
    assert suggestion.overruled is (suggestion.value != str(trained["env_dep"].pk))


def test_a_receiver_that_fails_never_blocks_the_ledger(cast, open_item, monkeypatch, caplog):
    from insight import receivers

    def boom(**kwargs):
        raise RuntimeError("model file gone")

    monkeypatch.setattr(services, "suggestion_record", boom)
    receivers.on_item_opened(Item, item=open_item(), actor=cast.call_taker)
    assert "insight suggestion for item" in caplog.text


def test_an_item_opened_and_dispatched_through_the_services_has_its_suggestion_recorded_and_settled(
    trained, cast, django_capture_on_commit_callbacks
):
    """Not only the page: the API, Open311, policy applications and the demo dispatch through the
    services, and their dispatches count in the overrule rate (needs the ledger's signals, sent on
    commit by ``ledger.services``)."""
    from ledger.services import item_dispatch

    with django_capture_on_commit_callbacks(execute=True):
        item = _open(cast)
    assert Suggestion.objects.filter(item=item, target=Target.DEPARTMENT).exists()
    with django_capture_on_commit_callbacks(execute=True):
        item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
    settled = Suggestion.objects.get(item=item, target=Target.DEPARTMENT)
    assert settled.chosen == str(cast.department.pk)
    assert {r["target"]: r for r in selectors.overrule_rates()}["department"]["settled"] == 1


def test_a_superuser_without_a_person_sees_the_overview(trained, client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    assert "v1" in client.get(reverse("insight:overview")).content.decode()


def test_activating_and_rolling_back_a_version_are_recorded_with_their_actor(trained, cast, client):
    from core.history import history_of

    second = services.routing_retrain(target=Target.CATEGORY, actor=SYSTEM)
    client.force_login(cast.admin)
    client.post(reverse("insight:rollback", args=["category"]))
    first = RoutingModel.objects.get(target=Target.CATEGORY, version=1)
    assert first.active
    assert [(r.action, r.actor) for r in history_of(first)][-1] == ("rollback", cast.admin)
    assert [(r.action, r.actor) for r in history_of(second)] == [("activate", None)]


def test_activating_or_rolling_back_without_an_actor_is_refused(trained):
    with pytest.raises(ValueError, match="actor"):
        services.routing_activate(target=Target.CATEGORY, version=1, actor=None)
    with pytest.raises(ValueError, match="actor"):
        services.routing_rollback(target=Target.CATEGORY, actor=None)
    with pytest.raises(ValueError, match="actor"):
        services.routing_retrain(target=Target.CATEGORY, actor=None)
