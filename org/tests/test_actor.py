"""The acting principal and the scope rule, on a model of the tests' own declaration (Division's
departments stand in: every app declares its own ``Scope`` the same way)."""

import pytest
from django.contrib.auth import get_user_model

from org.actor import ANONYMOUS, SYSTEM, Scope, actor_of, require_actor, scope_q
from org.models import Department, Role

pytestmark = pytest.mark.django_db


class _Scoped:
    """Departments scoped by their division's path, as a model would declare it."""

    scope = Scope(division="division__path", department="pk")
    _default_manager = Department.objects
    _meta = Department._meta


def test_a_handler_works_in_their_departments_division(cast):
    actor = actor_of(cast.handler)
    assert actor.role == Role.HANDLER and actor.division == cast.department.division
    assert actor.department == cast.department and actor_of(cast.handler) is actor  # resolved once


def test_a_superuser_without_a_person_is_an_administrator_of_the_whole_city(cast):
    root = get_user_model().objects.create_superuser("root", "root@example.test", "x")
    actor = actor_of(root)
    assert actor.role == Role.ADMIN and actor.division == cast.city and actor.is_superuser
    assert actor.within(cast.other_village)


def test_a_user_without_a_person_acts_as_nobody(cast):
    plain = get_user_model().objects.create_user("plain", "p@example.test", "x")
    assert actor_of(plain).role is None and not actor_of(plain).within(cast.village)
    assert actor_of(None) is ANONYMOUS


def test_the_system_is_an_explicit_actor_and_none_is_refused(cast):
    assert require_actor(SYSTEM).is_system and SYSTEM.within(cast.other_village)
    with pytest.raises(ValueError):
        require_actor(None)


def test_the_city_sees_every_row_and_a_county_its_own(cast):
    everything = Department.objects.filter(scope_q(_Scoped, cast.city_call_taker))
    assert set(everything) == set(Department.objects.all())
    county = set(Department.objects.filter(scope_q(_Scoped, cast.call_taker)))
    assert cast.department in county and cast.other_department not in county
    assert not Department.objects.filter(scope_q(_Scoped, cast.submitter)).exists()
    assert not Department.objects.filter(scope_q(_Scoped, None)).exists()


def test_an_action_needs_its_role(cast):
    assert not Department.objects.filter(scope_q(_Scoped, cast.leader, "change")).exists()  # admins only
    assert Department.objects.filter(scope_q(_Scoped, cast.admin, "change")).count() == Department.objects.count()


def test_a_model_without_a_department_scopes_handlers_by_their_working_division(cast):
    rows = set(Department.objects.filter(scope_q(type("S", (), {"scope": Scope(division="division__path"),
                                                                  "_default_manager": Department.objects}),
                                                   cast.handler)))  # fmt: skip
    assert cast.department in rows and cast.other_department not in rows
