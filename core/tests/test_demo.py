"""The project's demo loader: every installed app's demo module in INSTALLED_APPS order, and a
second run adds nothing to any table."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from core.demo import demo_steps

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def rows() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def test_the_steps_are_the_apps_demo_modules_in_installed_apps_order():
    labels = [label for label, _module in demo_steps()]
    order = [config.label for config in apps.get_app_configs()]
    assert labels == sorted(labels, key=order.index)
    assert {"org", "ledger", "enterprises", "policies"} <= set(labels)
    assert [label for label, _module in demo_steps(["ledger", "org"])] == ["org", "ledger"]


def test_loading_the_whole_demo_twice_adds_nothing():
    out = StringIO()
    call_command("load_demo", items=12, enterprises=150, seed=3, stdout=out)
    assert "/login/" in out.getvalue() and "enterprises: 150 (150 new)" in out.getvalue()
    before = rows()
    call_command("load_demo", items=12, enterprises=150, seed=3, stdout=StringIO())
    assert rows() == before


def test_an_unknown_app_is_refused():
    with pytest.raises(CommandError, match="no demo in: nowhere"):
        call_command("load_demo", apps=["nowhere"], stdout=StringIO())
