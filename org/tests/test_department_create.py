"""A new department is recorded, naming who made it."""

import pytest

from core.history import history_of
from org.actor import SYSTEM
from org.models import Department
from org.services import department_create

pytestmark = pytest.mark.django_db


def test_a_new_department_is_recorded_with_its_actor_and_an_existing_one_is_not(cast):
    made = department_create(code="350502-SW", name="鲤城区水务局", division=cast.county, actor=cast.admin)
    again = department_create(code="350502-SW", name="鲤城区水务局", division=cast.county, actor=SYSTEM)
    assert again == made
    [row] = history_of(made)
    assert (row.action, row.actor, row.changes["name"]) == ("create", cast.admin, [None, "鲤城区水务局"])


def test_a_department_without_an_actor_is_refused(cast):
    with pytest.raises(ValueError, match="actor"):
        department_create(code="350502-SW", name="鲤城区水务局", division=cast.county, actor=None)
    assert not Department.objects.filter(code="350502-SW").exists()


def test_a_department_added_in_the_admin_names_the_administrator(cast, client):
    from django.urls import reverse

    client.force_login(cast.admin)
    response = client.post(
        reverse("admin:org_department_add"),
        {"code": "350502-SW", "name": "鲤城区水务局", "division": cast.county.pk, "email": "", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    department = Department.objects.get(code="350502-SW")
    assert department.active and [(r.action, r.actor) for r in history_of(department)] == [("create", cast.admin)]
