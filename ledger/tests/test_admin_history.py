"""Reference data edited in the admin is recorded through the shared history, and the admin's 历史
page shows it: who changed which field, from what to what."""

import pytest
from django.urls import reverse

from core.models import ChangeRecord
from ledger.models import Category, TimeLimit

pytestmark = pytest.mark.django_db


def _form(category, **changes):
    data = {"code": category.code, "name": category.name, "keywords": category.keywords, "active": "on",
            "children-TOTAL_FORMS": "0", "children-INITIAL_FORMS": "0", "children-MIN_NUM_FORMS": "0",
            "children-MAX_NUM_FORMS": "1000"}  # fmt: skip
    if category.parent_id:
        data["parent"] = category.parent_id
    data.update(changes)
    return data


def test_an_admin_edit_of_a_category_is_recorded_and_shown_as_its_history(client, cast):
    client.force_login(cast.admin)
    category = cast.category
    url = reverse("admin:ledger_category_change", args=[category.pk])
    response = client.post(url, _form(category, name="道路养护"))
    assert response.status_code == 302, response.content.decode()[:2000]
    change = ChangeRecord.objects.get(object_id=str(category.pk), action="change")
    assert change.actor == cast.admin and change.changes["name"] == ["道路维修", "道路养护"]
    history = client.get(reverse("admin:ledger_category_history", args=[category.pk]))
    assert history.status_code == 200
    assert "道路维修 → 道路养护" in history.text and "admin" in history.text


def test_adding_and_deleting_a_time_limit_in_the_admin_is_recorded(client, cast):
    client.force_login(cast.admin)
    add = client.post(reverse("admin:ledger_timelimit_add"), {
        "category": cast.category.pk, "priority": "urgent", "acknowledge_within": 2, "acknowledge_unit": "hours",
        "resolve_within": 3, "resolve_unit": "working_days"})  # fmt: skip
    assert add.status_code == 302, add.content.decode()[:1500]
    limit = TimeLimit.objects.get(category=cast.category, priority="urgent")
    assert ChangeRecord.objects.filter(object_id=str(limit.pk), action="create").exists()
    delete = client.post(reverse("admin:ledger_timelimit_delete", args=[limit.pk]), {"post": "yes"})
    assert delete.status_code == 302
    gone = ChangeRecord.objects.get(object_id=str(limit.pk), action="delete")
    assert gone.changes["resolve_within"] == [3, None]
    assert Category.objects.filter(pk=cast.category.pk).exists()
