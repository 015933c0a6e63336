"""The superuser rule (org.actor): a superuser without a person acts as an administrator of the
whole city. Before, the ledger showed them nothing and refused every action."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from ledger.models import ItemEvent, Status
from ledger.tests.test_pages import act


@pytest.fixture
def root(cast):
    return User.objects.create_superuser("root", "root@example.test", "pass-for-tests-1")


def test_a_superuser_without_a_person_lists_every_item_of_the_city(client, cast, open_item, root):
    here, there = open_item(), open_item(actor=cast.other_call_taker, division=cast.other_village)
    client.force_login(root)
    page = client.get(reverse("ledger:ledger")).text
    assert here.number in page and there.number in page


def test_a_superuser_without_a_person_opens_the_item_page(client, cast, open_item, root):
    item = open_item(actor=cast.other_call_taker, division=cast.other_village)
    client.force_login(root)
    response = client.get(reverse("ledger:item", args=[item.pk]))
    assert response.status_code == 200 and item.title in response.text


def test_a_superuser_without_a_person_dispatches_as_an_administrator(client, cast, open_item, root):
    item = open_item()
    client.force_login(root)
    response = act(client, item, "dispatch", department=cast.department.pk)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.DISPATCHED
    assert ItemEvent.objects.filter(item=item, action="dispatch", actor=root).exists()
