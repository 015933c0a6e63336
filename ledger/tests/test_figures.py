"""The ledger's figures (ledger.figures): each equals the count of the list its link opens."""

import datetime as dt

import pytest
from django.utils import timezone

from core.figures import Where, evaluate
from ledger import services
from ledger.models import Item, ResultKind, Satisfaction

KEYS = [
    "ledger.items_opened",
    "ledger.items_dispatched",
    "ledger.items_resolved",
    "ledger.items_resolved_on_time",
    "ledger.items_closed",
    "ledger.items_overdue",
    "ledger.callbacks_satisfied",
]


def _resolved(cast, item):
    item = services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
    item = services.item_acknowledge(item=item, actor=cast.handler)
    return services.item_resolve(item=item, actor=cast.handler, result_kind=ResultKind.SOLVED, result_text="已解决")


@pytest.fixture
def ledger_items(cast, open_item):
    closed = _resolved(cast, open_item())
    closed = services.item_callback(
        item=closed, actor=cast.call_taker, satisfaction=Satisfaction.SATISFIED, solved=True
    )
    services.item_sign_off(item=closed, actor=cast.call_taker)
    late = _resolved(cast, open_item())
    Item.objects.filter(pk=late.pk).update(resolve_due=late.resolved_at - dt.timedelta(hours=1))
    overdue = services.item_dispatch(item=open_item(), actor=cast.call_taker, department=cast.department)
    Item.objects.filter(pk=overdue.pk).update(resolve_due=timezone.now() - dt.timedelta(hours=1))
    open_item()  # opened only
    elsewhere = open_item(actor=cast.other_call_taker, division=cast.other_village)
    services.item_dispatch(item=elsewhere, actor=cast.other_call_taker, department=cast.other_department)


def _listed(client, link: str) -> int:
    response = client.get(link)
    assert response.status_code == 200
    return response.context["page"].paginator.count


@pytest.mark.parametrize("scope", ["city", "county", "department"])
def test_each_figure_equals_the_count_of_the_list_it_links_to(client, cast, ledger_items, scope):
    today = timezone.localdate()
    where = {
        "city": Where(today, today),
        "county": Where(today, today, division_path=cast.county.path),
        "department": Where(today, today, department_id=cast.department.pk),
    }[scope]
    client.force_login(cast.admin)  # sees the whole city
    values = {figure.key: (value, link) for figure, value, link in evaluate(where, KEYS)}
    assert set(values) == set(KEYS)
    for key, (value, link) in values.items():
        assert value == _listed(client, link), key
    expected = {"city": 5, "county": 4, "department": 3}[scope]
    assert values["ledger.items_opened"][0] == expected
    assert [values[k][0] for k in KEYS[2:]] == [2, 1, 1, 1, 1]


def test_a_period_before_the_items_counts_nothing(client, cast, ledger_items):
    long_ago = timezone.localdate() - dt.timedelta(days=400)
    client.force_login(cast.admin)
    for figure, value, link in evaluate(Where(long_ago, long_ago), KEYS):
        expected = 1 if figure.key == "ledger.items_overdue" else 0  # overdue is "now", whatever the period
        assert value == _listed(client, link) == expected, figure.key
