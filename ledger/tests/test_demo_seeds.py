"""Demos of other sizes and seeds load whole, each into an empty database (test_demo.py shares one
demo between its tests)."""

import pytest

from ledger.models import Channel, Item
from ledger.tests.test_demo import load

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.mark.parametrize("items,seed", [(30, 30), (60, 60)])
def test_small_demos_load_with_any_seed(items, seed):
    load(items, seed)
    assert Item.objects.count() == items
    assert set(Item.objects.values_list("channel", flat=True)) == set(Channel.values)
