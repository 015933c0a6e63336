"""The policies' figures (policies/figures.py on core.figures): each equals the list it links to."""

import datetime as dt

import pytest
from django.utils import timezone

from core.figures import Where, evaluate
from policies.models import Grant
from policies.services import delivery
from policies.tests.test_delivery_services import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    w = make_world(cast)
    delivery.notify_matches()
    delivery.application_submit(clause=w.apply, enterprise=w.a, actor=w.user_a)
    w.revenue.budget = None
    w.revenue.save(update_fields=["budget"])
    batch = delivery.grant_batch_create(clause=w.revenue, actor=cast.admin)
    delivery.grant_batch_approve(batch=batch, actor=cast.admin, version=batch.version)
    return w


KEYS = ["policies.in_force", "policies.clauses", "policies.notified", "policies.applications", "policies.grants",
        "policies.grants_amount"]  # fmt: skip


def test_each_figure_equals_the_records_it_links_to(client, world):
    today = timezone.localdate()
    where = Where(start=today - dt.timedelta(days=1), end=today, division_path=world.cast.county.path)
    values = {f.key: (value, link) for f, value, link in evaluate(where, KEYS)}
    assert set(values) == set(KEYS)
    assert values["policies.in_force"][0] == 1 and values["policies.clauses"][0] == 3
    client.force_login(world.cast.admin)
    for key in ("policies.notified", "policies.applications", "policies.grants"):
        value, link = values[key]
        page = client.get(link)
        assert page.status_code == 200, key
        assert page.context["count"] == value > 0, key
        assert len(page.context["page"].object_list) == value, key
    grants_in_county = Grant.objects.filter(enterprise__division__path__startswith=world.cast.county.path)
    assert values["policies.grants"][0] == grants_in_county.count() < Grant.objects.count()  # c is in 丰泽区
    amount, link = values["policies.grants_amount"]
    assert client.get(link).context["total"] == sum(g.amount for g in grants_in_county) == amount
    catalogue = client.get(values["policies.in_force"][1])
    assert catalogue.status_code == 200 and world.policy.title in catalogue.content.decode()


def test_the_records_page_keeps_to_the_official_s_scope(client, world):
    client.force_login(world.cast.leader)  # 鲤城区
    assert client.get("/policies/delivery/figures/grants/?division=350503").status_code == 404
    assert client.get("/policies/delivery/figures/nothing/").status_code == 404
