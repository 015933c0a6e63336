"""The counts page and the figures API read one registry (core.figures), within the user's scope."""

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core import figures as registry
from core.figures import Figure, Where
from ledger.models import Item

pytestmark = pytest.mark.django_db


@pytest.fixture
def items_figure(monkeypatch):
    """A figure of the test's own: items opened in the period and the division."""
    seen: list[Where] = []

    def count(where: Where) -> int:
        seen.append(where)
        return Item.objects.filter(where.q(division="division_path", at="opened_at")).count()

    figure = Figure(
        key="test.items",
        label="受理事项（测试）",
        unit="件",
        definition="期间内受理的事项。",
        count=count,
        link=lambda where: reverse("ledger:ledger") + "?" + where.query(start="opened_after", end="opened_before"),
        group="台账",
    )
    registry.figures()  # discover the apps' own figures first, then add this one
    monkeypatch.setitem(registry._registry, figure.key, figure)
    return seen


def test_a_leader_sees_each_figure_with_its_definition_and_a_link_to_its_records(client, cast, open_item, items_figure):
    open_item()
    open_item(actor=cast.other_call_taker, division=cast.other_village)  # another county: not counted here
    client.force_login(cast.leader)
    response = client.get(reverse("cockpit:counts"))
    assert response.status_code == 200
    row = response.context["rows"][[r.key for r in response.context["rows"]].index("test.items")]
    assert row.value == 1
    year = timezone.localdate().replace(month=1, day=1)
    assert row.link == f"/ledger/?opened_after={year.isoformat()}&opened_before={timezone.localdate().isoformat()}"
    content = response.content.decode()
    assert "期间内受理的事项。" in content and f'href="{row.link.replace("&", "&amp;")}"' in content
    assert items_figure[-1].division_path == cast.county.path


def test_the_city_sees_the_whole_city_and_may_narrow_to_a_county(client, cast, open_item, items_figure):
    open_item()
    open_item(actor=cast.other_call_taker, division=cast.other_village)
    client.force_login(cast.city_call_taker)
    rows = client.get(reverse("cockpit:counts")).context["rows"]
    assert next(r for r in rows if r.key == "test.items").value == 2
    rows = client.get(reverse("cockpit:counts"), {"division": cast.other_county.code}).context["rows"]
    assert next(r for r in rows if r.key == "test.items").value == 1


def test_the_api_gives_the_same_figures(cast, open_item, items_figure):
    open_item()
    api = APIClient()
    api.force_authenticate(cast.leader)
    response = api.get("/api/figures/")
    assert response.status_code == 200
    row = next(r for r in response.json() if r["key"] == "test.items")
    assert row["value"] == 1 and row["unit"] == "件" and row["link"].startswith("/ledger/?")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2026-03-01", "end": "2026-02-01"}, "end", "结束日期不能早于开始日期。"),
        ({"start": "2999-01-01"}, "start", "开始日期不能晚于今天。"),
        ({"division": "999999"}, "division", "未知的区划代码：999999"),
        ({"department": "nope"}, "department", "未知的部门代码：nope"),
        ({"start": "not-a-date"}, "start", None),
    ],
)
def test_bad_input_is_a_clear_error_on_the_page_and_in_the_api(client, cast, items_figure, params, field, message):
    client.force_login(cast.leader)
    response = client.get(reverse("cockpit:counts"), params)
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert message is None or message in errors
    api = APIClient()
    api.force_authenticate(cast.leader)
    body = api.get("/api/figures/", params).json()
    assert field in body["errors"] and (message is None or body["errors"][field] == [message])
    assert not items_figure  # nothing counted


def test_another_county_is_refused_and_logged(client, cast, items_figure, caplog):
    client.force_login(cast.leader)
    with caplog.at_level(logging.WARNING, logger="grassroots.security"):
        response = client.get(reverse("cockpit:counts"), {"division": cast.other_county.code})
    assert response.status_code == 403
    assert any("refused figures" in r.message for r in caplog.records)
    assert APIClient().get("/api/figures/").status_code in (401, 403)


def test_a_handler_sees_the_figures_of_their_own_department_only(client, cast, items_figure):
    client.force_login(cast.handler)
    assert client.get(reverse("cockpit:counts")).status_code == 200
    assert items_figure[-1].department_id == cast.department.pk
    response = client.get(reverse("cockpit:counts"), {"department": cast.other_department.code})
    assert response.status_code == 403


def test_residents_see_no_figures(client, cast):
    client.force_login(cast.submitter)
    assert client.get(reverse("cockpit:counts")).status_code == 403


def test_a_period_bounds_the_count_in_local_time(cast, open_item, items_figure):
    now = timezone.localtime()
    open_item(opened_at=now - dt.timedelta(days=400))
    open_item()
    where = Where(start=now.date() - dt.timedelta(days=30), end=now.date(), division_path=cast.county.path)
    assert registry.figure("test.items").count(where) == 1
