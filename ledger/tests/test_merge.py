"""Merging repeats (重复件合并): the repeat is closed as merged with a link to the item it joins,
which keeps every submitter of both (through chains of merges too) and calls each of them back;
both timelines say so; refused merges say why in Chinese and write nothing."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ActionRefused, VersionConflict
from core.testing import api_client
from ledger import reconcile, services
from ledger.machine import Action
from ledger.models import Callback, Item, ItemEvent, ItemSubmitter, ResultKind, Satisfaction, Status, SubmitterType
from ledger.scope import available_actions
from ledger.selectors import item_inbox, overdue_q
from ledger.submitters import PRIMARY, item_parties, pending_callbacks
from ledger.tests.factories import bring

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(cast, open_item):
    """The first item (王小明) and a later repeat of it from another resident (李四, with an ID number)."""
    first = open_item(title="金山路128号路灯坏了", description="路灯坏了一个月没人修")
    repeat = open_item(
        title="金山路128号路灯还是坏的",
        description="路灯坏了一个多月，没人修",
        submitter_name="李四",
        submitter_phone="13900001111",
        submitter_id_number="11010519491231002X",
    )
    return first, repeat


def merge(cast, item, into, **kw):
    item.refresh_from_db()
    return services.item_merge(item=item, actor=cast.call_taker, into=into, reason="同一路灯重复来电", **kw)


def resolve(cast, item):
    item = bring(cast, item, "in_progress")
    return services.item_resolve(item=item, actor=cast.handler, result_kind=ResultKind.SOLVED, result_text="已修复")


def written():
    return ItemEvent.objects.count(), ItemSubmitter.objects.count(), Callback.objects.count()


# ---------------------------------------------------------------------------------------------
# The merge


def test_merging_keeps_every_submitter_and_closes_the_repeat_as_merged(cast, pair):
    first, repeat = pair
    repeat = merge(cast, repeat, first)
    first.refresh_from_db()
    assert repeat.status == Status.MERGED and repeat.merged_into == first
    assert [p.name for p in item_parties(first)] == ["王小明", "李四"]
    extra = ItemSubmitter.objects.get(item=first)
    assert (extra.submitter_phone, extra.submitter_id_number, extra.merged_from) == (
        "13900001111",
        "11010519491231002X",
        repeat,
    )
    assert first.status == Status.OPEN and first.version == 2


def test_both_timelines_record_the_merge_with_a_link_to_the_other(cast, pair):
    first, repeat = pair
    merge(cast, repeat, first)
    left = repeat.events.latest("id")
    joined = first.events.latest("id")
    assert (left.action, left.from_status, left.to_status) == (Action.MERGE, Status.OPEN, Status.MERGED)
    assert left.changes["merged_into_id"] == [None, first.pk] and left.reason == "同一路灯重复来电"
    assert (joined.action, joined.to_status) == (Action.MERGED_IN, Status.OPEN)
    assert joined.changes["merged_from_id"] == [None, repeat.pk] and joined.changes["submitters"] == [1, 2]
    assert left.actor == joined.actor == cast.call_taker


def test_a_chain_of_merges_keeps_every_submitter_with_where_they_asked(cast, pair, open_item):
    first, repeat = pair
    third = open_item(title="金山路路灯不亮", submitter_name="赵五", submitter_phone="13700002222")
    merge(cast, third, repeat)
    merge(cast, repeat, first)
    parties = item_parties(first)
    assert [(p.name, p.merged_from) for p in parties] == [
        ("王小明", None),
        ("李四", Item.objects.get(pk=repeat.pk)),
        ("赵五", Item.objects.get(pk=third.pk)),
    ]
    repeat.refresh_from_db()
    assert repeat.status == Status.MERGED and repeat.merged_into_id == first.pk


def test_the_same_person_asking_twice_is_kept_once_and_an_anonymous_one_is_kept(cast, pair, open_item):
    first, _repeat = pair
    again = open_item(title="金山路128号路灯坏了，再次反映")  # 王小明 again, same phone
    anonymous = open_item(submitter_type=SubmitterType.ANONYMOUS, submitter_name="", submitter_phone="")
    merge(cast, again, first)
    merge(cast, anonymous, first)
    assert [p.submitter_type for p in item_parties(first)] == [SubmitterType.RESIDENT, SubmitterType.ANONYMOUS]
    assert [p.name for p in pending_callbacks(first)] == ["王小明"]


def test_a_merged_item_leaves_the_inbox_the_overdue_list_and_the_reconcile_run(cast, pair):
    first, repeat = pair
    repeat = bring(cast, repeat, "in_progress")
    Item.objects.filter(pk=repeat.pk).update(resolve_due=timezone.now() - dt.timedelta(days=3))
    now = timezone.now()
    assert Item.objects.filter(overdue_q(now), pk=repeat.pk).exists()
    assert repeat in item_inbox(user=cast.handler)
    merge(cast, repeat, first)
    assert not Item.objects.filter(overdue_q(now), pk=repeat.pk).exists()
    assert repeat not in item_inbox(user=cast.handler) and repeat not in item_inbox(user=cast.call_taker)
    assert first in item_inbox(user=cast.call_taker)
    reconcile.ledger_reconcile(now=now)
    assert not repeat.notices.exists()
    assert available_actions(cast.call_taker, Item.objects.get(pk=repeat.pk)) == []


def test_a_merged_item_takes_no_action_at_all(cast, pair):
    first, repeat = pair
    repeat = merge(cast, repeat, first)
    for user in (cast.call_taker, cast.handler, cast.leader, cast.auditor, cast.admin):
        assert available_actions(user, repeat) == []
    with pytest.raises(ActionRefused, match="事项当前状态为“已合并”"):
        services.item_urge(item=repeat, actor=cast.call_taker, reason="再催")


def test_a_resident_whose_repeat_was_merged_follows_the_first_item_and_sees_only_their_own_phone(
    client, cast, open_item
):
    first = open_item(title="金山路128号路灯坏了")
    mine = open_item(
        title="金山路128号路灯坏了很久",
        submitter_name="居民甲",
        submitter_phone="13600003333",
        submitter_user=cast.submitter,
    )
    merge(cast, mine, first)
    rows = api_client(cast.submitter).get(f"/api/items/{first.pk}/").json()["submitters"]
    assert [(r["name"], r["phone"]) for r in rows] == [("王小明", "138****5678"), ("居民甲", "13600003333")]
    listed = api_client(cast.submitter).get("/api/items/").json()["results"]
    assert {r["id"] for r in listed} == {first.pk, mine.pk}
    assert api_client(cast.other_leader).get(f"/api/items/{first.pk}/").status_code == 404


def test_the_problem_list_export_shows_a_merged_item_with_the_item_it_joined(client, cast, pair):
    from ledger.tests.test_export import column, csv_rows, export

    first, repeat = pair
    merge(cast, bring(cast, repeat, "in_progress"), first)
    client.force_login(cast.call_taker)
    rows = csv_rows(export(client, "items", "csv"))
    cells = [column(rows, header) for header in ("编号", "状态", "合并至", "已超期")]
    by_number = {number: rest for number, *rest in zip(*cells, strict=True)}
    assert by_number == {first.number: ["已受理", "", "否"], repeat.number: ["已合并", first.number, "否"]}


# ---------------------------------------------------------------------------------------------
# Each submitter gets the callback


def test_every_submitter_is_called_back_before_the_item_is_called_back_and_signed_off(cast, pair):
    first, repeat = pair
    merge(cast, repeat, first)
    first = resolve(cast, Item.objects.get(pk=first.pk))
    extra = ItemSubmitter.objects.get(item=first)
    with pytest.raises(ActionRefused):  # two named submitters: no sign-off without their callbacks
        services.item_sign_off(item=first, actor=cast.call_taker)
    assert Action.SIGN_OFF not in available_actions(cast.call_taker, first)

    first = services.item_callback(
        item=first, actor=cast.call_taker, satisfaction=Satisfaction.SATISFIED, solved=True, submitter=PRIMARY
    )
    assert first.status == Status.RESOLVED and [p.name for p in pending_callbacks(first)] == ["李四"]
    assert first.events.latest("id").changes["callback_for"] == [None, "王小明"]
    with pytest.raises(ActionRefused, match="本轮已回访"):
        services.item_callback(
            item=first, actor=cast.call_taker, satisfaction=Satisfaction.SATISFIED, solved=True, submitter=PRIMARY
        )
    first = services.item_callback(
        item=first, actor=cast.call_taker, satisfaction=Satisfaction.BASICALLY_SATISFIED, solved=True
    )  # by default: the next one not yet asked
    assert first.status == Status.CALLED_BACK and first.satisfaction == Satisfaction.BASICALLY_SATISFIED
    assert Callback.objects.get(item=first, submitter=extra).satisfaction == Satisfaction.BASICALLY_SATISFIED
    first = services.item_sign_off(item=first, actor=cast.call_taker)
    assert first.status == Status.CLOSED


def test_one_unsatisfied_submitter_reopens_the_item_and_everyone_is_asked_again(cast, pair):
    first, repeat = pair
    merge(cast, repeat, first)
    first = resolve(cast, Item.objects.get(pk=first.pk))
    key = str(ItemSubmitter.objects.get(item=first).pk)
    first = services.item_callback(
        item=first, actor=cast.call_taker, satisfaction=Satisfaction.UNSATISFIED, solved=False, submitter=key
    )
    assert first.status == Status.REDO and first.redo_count == 1
    first = services.item_resolve(item=first, actor=cast.handler, result_kind=ResultKind.SOLVED, result_text="已更换")
    assert [p.name for p in pending_callbacks(first)] == ["王小明", "李四"]


def test_merging_into_a_called_back_item_asks_for_the_new_submitters_callback(cast, pair):
    first, repeat = pair
    first = bring(cast, first, "called_back")
    merge(cast, repeat, first)
    first.refresh_from_db()
    assert first.status == Status.RESOLVED and [p.name for p in pending_callbacks(first)] == ["李四"]
    assert first.events.latest("id").changes["status"] == [Status.CALLED_BACK, Status.RESOLVED]


def test_an_anonymous_item_with_a_named_repeat_merged_in_is_called_back_before_sign_off(cast, open_item):
    first = open_item(submitter_type=SubmitterType.ANONYMOUS, submitter_name="", submitter_phone="")
    merge(cast, open_item(submitter_name="李四", submitter_phone="13900001111"), first)
    first = resolve(cast, Item.objects.get(pk=first.pk))
    assert Action.SIGN_OFF not in available_actions(cast.call_taker, first)
    first = services.item_callback(item=first, actor=cast.call_taker, satisfaction=Satisfaction.SATISFIED, solved=True)
    assert first.status == Status.CALLED_BACK and Callback.objects.get().submitter.submitter_name == "李四"


# ---------------------------------------------------------------------------------------------
# Refused merges: a clear reason, nothing written


def _refused(cast, item, into, error, match, actor=None, **kw):
    before = written(), Item.objects.get(pk=item.pk).version, Item.objects.get(pk=into.pk).version
    with pytest.raises(error, match=match):
        services.item_merge(
            item=Item.objects.get(pk=item.pk), actor=actor or cast.call_taker, into=into, reason="重复", **kw
        )
    assert before == (written(), Item.objects.get(pk=item.pk).version, Item.objects.get(pk=into.pk).version)


def test_an_item_cannot_be_merged_into_itself(cast, pair):
    first, _ = pair
    _refused(cast, first, first, ValidationError, "不能将事项合并到它自身")


def test_a_merge_needs_a_reason(cast, pair):
    first, repeat = pair
    with pytest.raises(ValidationError, match="合并须说明理由"):
        services.item_merge(item=repeat, actor=cast.call_taker, into=first, reason=" ")


def test_a_closed_item_cannot_be_merged_nor_merged_into(cast, pair, open_item):
    first, repeat = pair
    closed = bring(cast, open_item(), "closed")
    _refused(cast, closed, first, ActionRefused, "事项当前状态为“已销号”，不能执行“合并”")
    _refused(cast, repeat, closed, ActionRefused, "合并目标 .* 当前状态为“已销号”，不能并入")


def test_nothing_is_merged_into_a_merged_item_so_merges_make_no_cycle(cast, pair, open_item):
    first, repeat = pair
    merge(cast, repeat, first)
    third = open_item(title="金山路路灯", submitter_name="赵五", submitter_phone="13700002222")
    _refused(cast, third, repeat, ActionRefused, f"已合并至 {first.number}，请改为合并至 {first.number}")
    _refused(cast, repeat, third, ActionRefused, "事项当前状态为“已合并”")


def test_only_dispatchers_of_both_items_scope_may_merge(cast, pair, open_item):
    first, repeat = pair
    _refused(cast, repeat, first, PermissionDenied, "您的角色不能", actor=cast.leader)
    _refused(cast, repeat, first, PermissionDenied, "管辖范围", actor=cast.other_call_taker)
    elsewhere = open_item(actor=cast.other_call_taker, division=cast.other_village)
    _refused(cast, repeat, elsewhere, PermissionDenied, "合并目标不在您的管辖范围内")


def test_a_stale_version_of_either_item_is_a_conflict(cast, pair):
    first, repeat = pair
    _refused(cast, repeat, first, VersionConflict, None, version=repeat.version + 1)
    _refused(cast, repeat, first, VersionConflict, None, into_version=first.version + 1)


# ---------------------------------------------------------------------------------------------
# The API


def test_the_api_merges_and_shows_every_submitter_masked_by_role(cast, pair):
    first, repeat = pair
    client = api_client(cast.call_taker)
    body = {"into": first.pk, "version": repeat.version, "into_version": first.version, "reason": "重复来电"}
    response = client.post(f"/api/items/{repeat.pk}/merge/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "merged" and response.json()["merged_into"] == first.pk
    detail = client.get(f"/api/items/{first.pk}/").json()
    assert [(s["name"], s["phone"], s["merged_from"]) for s in detail["submitters"]] == [
        ("王小明", "13812345678", None),
        ("李四", "13900001111", repeat.pk),
    ]
    seen_by_leader = api_client(cast.leader).get(f"/api/items/{first.pk}/").json()["submitters"][1]
    assert (seen_by_leader["phone"], seen_by_leader["id_number"]) == ("139****1111", "110105********002X")
    timeline = client.get(f"/api/items/{first.pk}/timeline/").json()
    assert timeline[-1]["action"] == "merged_in" and timeline[-1]["action_display"] == "并入重复件"


def test_the_api_callback_names_the_submitter(cast, pair):
    first, repeat = pair
    merge(cast, repeat, first)
    first = resolve(cast, Item.objects.get(pk=first.pk))
    client = api_client(cast.call_taker)
    keys = [s["key"] for s in client.get(f"/api/items/{first.pk}/").json()["submitters"]]
    body = {"satisfaction": "satisfied", "solved": True, "submitter": keys[1]}
    data = client.post(f"/api/items/{first.pk}/callback/", body, format="json").json()
    assert data["status"] == "resolved" and [s["called_back"] for s in data["submitters"]] == [False, True]
    assert data["callbacks"][0]["submitter"] == int(keys[1])
    response = client.post(f"/api/items/{first.pk}/callback/", body | {"submitter": "999999"}, format="json")
    assert response.status_code == 400 and response.json()["errors"]["submitter"] == ["该事项没有这位诉求人。"]


@pytest.mark.parametrize(
    "case,status,code",
    [
        ("self", 400, "invalid"),
        ("missing", 400, "invalid"),
        ("stale", 409, "conflict"),
        ("closed", 409, "action_refused"),
        ("outsider", 403, "permission_denied"),
    ],
)
def test_the_api_refuses_a_bad_merge_with_the_standard_error_body(cast, pair, open_item, case, status, code):
    first, repeat = pair
    body = {"into": first.pk, "version": repeat.version, "reason": "重复来电"}
    user = cast.call_taker
    if case == "self":
        body["into"] = repeat.pk
    elif case == "missing":
        body["into"] = 999999
    elif case == "stale":
        body["version"] = repeat.version + 1
    elif case == "closed":
        body["into"] = bring(cast, open_item(), "closed").pk
    else:
        user = cast.other_call_taker
    before = written()
    response = api_client(user).post(f"/api/items/{repeat.pk}/merge/", body, format="json")
    assert response.status_code == status, response.json()
    data = response.json()
    assert data["code"] == code and data["detail"] and set(data) == {"detail", "code", "errors"}
    if status == 400:
        assert "into" in data["errors"]
    assert written() == before and Item.objects.get(pk=repeat.pk).status == Status.OPEN


# ---------------------------------------------------------------------------------------------
# The pages


def test_the_repeats_panel_offers_to_merge_the_later_item_into_the_first(client, cast, pair):
    first, repeat = pair
    client.force_login(cast.call_taker)
    page = client.get(reverse("ledger:item", args=[first.pk])).text
    assert "可能的重复件" in page
    assert f'action="{reverse("ledger:act", args=[repeat.pk, "merge"])}"' in page
    assert f'name="merge-into" value="{first.pk}"' in page and "hx-confirm=" in page
    client.force_login(cast.leader)  # sees the repeat, may not merge
    page = client.get(reverse("ledger:item", args=[first.pk])).text
    assert "可能的重复件" in page and 'name="merge-into"' not in page


def test_merging_from_the_page_leads_to_the_first_item_with_all_submitters(client, cast, pair):
    first, repeat = pair
    client.force_login(cast.call_taker)
    data = {
        "merge-version": repeat.version,
        "merge-into": first.pk,
        "merge-into_version": first.version,
        "merge-reason": "同一路灯",
    }
    response = client.post(reverse("ledger:act", args=[repeat.pk, "merge"]), data)
    assert response.status_code == 302 and response["Location"] == reverse("ledger:item", args=[first.pk])
    page = client.get(response["Location"]).text
    assert "已合并至" in page and "全部诉求人" in page and "李四" in page and "11010519491231002X" in page
    assert "并入重复件" in page and f'href="{reverse("ledger:item", args=[repeat.pk])}"' in page
    merged = client.get(reverse("ledger:item", args=[repeat.pk])).text
    assert "本事项是重复件，已合并至" in merged and f'href="{reverse("ledger:item", args=[first.pk])}"' in merged
    client.force_login(cast.leader)
    assert "110105********002X" in client.get(reverse("ledger:item", args=[first.pk])).text


def test_the_merge_form_takes_the_other_items_number_and_says_when_it_is_unknown(client, cast, pair):
    first, repeat = pair
    client.force_login(cast.call_taker)
    url = reverse("ledger:act", args=[repeat.pk, "merge"])
    response = client.post(
        url, {"merge-version": repeat.version, "merge-into": "20990101999999", "merge-reason": "重复"}
    )
    assert response.status_code == 400 and "找不到事项 20990101999999" in response.text
    response = client.post(url, {"merge-version": repeat.version, "merge-into": first.number, "merge-reason": "重复"})
    assert response.status_code == 302 and Item.objects.get(pk=repeat.pk).status == Status.MERGED


def test_the_callback_form_lets_the_call_taker_choose_the_submitter(client, cast, pair):
    first, repeat = pair
    merge(cast, repeat, first)
    first = resolve(cast, Item.objects.get(pk=first.pk))
    client.force_login(cast.call_taker)
    page = client.get(reverse("ledger:item", args=[first.pk])).text
    assert 'name="callback-submitter"' in page and "回访对象" in page and "待回访" in page
    key = str(ItemSubmitter.objects.get(item=first).pk)
    data = {"callback-version": first.version, "callback-submitter": key, "callback-satisfaction": "satisfied"}
    assert client.post(reverse("ledger:act", args=[first.pk, "callback"]), data).status_code == 302
    assert [p.key for p in pending_callbacks(Item.objects.get(pk=first.pk))] == [PRIMARY]


# ---------------------------------------------------------------------------------------------
# PostgreSQL: two merges of the same pair at once, in opposite directions


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_opposite_merges_at_once_do_not_deadlock_and_one_is_refused(cast, pair):
    first, repeat = pair
    results = {}
    barrier = threading.Barrier(2)

    def run(key, item, into):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                results[key] = services.item_merge(
                    item=Item.objects.get(pk=item.pk),
                    actor=cast.call_taker,
                    into=Item.objects.get(pk=into.pk),
                    reason="重复",
                    version=item.version,
                    into_version=into.version,
                )
        except Exception as e:  # the test inspects what each side got
            results[key] = e
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=("a", repeat, first)),
        threading.Thread(target=run, args=("b", first, repeat)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes in (["ActionRefused", "Item"], ["Item", "VersionConflict"]), results
    refusal = next(r for r in results.values() if not isinstance(r, Item))
    assert "deadlock" not in str(refusal).lower()
    statuses = sorted(Item.objects.filter(pk__in=[first.pk, repeat.pk]).values_list("status", flat=True))
    assert statuses == [Status.MERGED, Status.OPEN]
    assert ItemEvent.objects.filter(action=Action.MERGE).count() == 1


# ---------------------------------------------------------------------------------------------
# In the browser: the repeats panel's merge button, with its confirmation


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_call_taker_merges_a_repeat_from_the_item_page_in_the_browser(cast, pair, page, artifacts):
    from playwright.sync_api import expect

    from core.testing import browser_login

    first, repeat = pair
    page.set_viewport_size({"width": 1280, "height": 1100})
    browser_login(page, "calltaker")
    page.goto(reverse("ledger:item", args=[first.pk]))
    panel = page.locator("section.insight")
    panel.get_by_text("合并", exact=True).click()
    panel.get_by_label("合并理由").fill("同一路灯，两位居民先后来电")
    panel.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "merge-button.png", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    panel.get_by_role("button", name=f"合并 {repeat.number} → {first.number}").click()
    expect(page.get_by_text(f"已合并至 {first.number}。")).to_be_visible()
    expect(page.get_by_role("heading", name="全部诉求人")).to_be_visible()
    page.screenshot(path=artifacts / "merge-survivor.png", full_page=True)
    page.get_by_role("link", name=repeat.number).first.click()
    expect(page.get_by_text("本事项是重复件，已合并至")).to_be_visible()
    page.screenshot(path=artifacts / "merge-merged.png", full_page=True)
    assert Item.objects.get(pk=repeat.pk).status == Status.MERGED


def test_a_refused_merge_from_the_repeats_panel_answers_on_the_page_it_came_from(client, cast, pair):
    first, repeat = pair
    client.force_login(cast.call_taker)
    stale = {
        "merge-version": repeat.version,
        "merge-into": first.pk,
        "merge-into_version": first.version + 1,
        "merge-reason": "同一路灯",
        "merge-back": first.pk,
    }
    url = reverse("ledger:act", args=[repeat.pk, "merge"])
    response = client.post(url, stale, headers={"HX-Request": "true"})
    assert response.status_code == 409 and "该事项已被他人修改" in response.text
    assert first.title in response.text and "<html" not in response.text
    response = client.post(url, stale | {"merge-reason": "", "merge-into_version": first.version})
    assert response.status_code == 400 and "合并：合并须说明理由。" in response.text and first.title in response.text
    assert Item.objects.get(pk=repeat.pk).status == Status.OPEN
