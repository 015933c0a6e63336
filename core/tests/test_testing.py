"""The permission kit passes a right declaration and fails a wrong one: a kit that cannot fail
tests nothing."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User

from core.testing import Case, Endpoint, cases, check, permission_tests

from . import kit_urls

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def urls(settings):
    settings.ROOT_URLCONF = "core.tests.kit_urls"
    kit_urls.WRITES.clear()


@pytest.fixture
def people(db):
    return SimpleNamespace(**{n: User.objects.create_user(n) for n in ("clerk", "visitor", "stranger")})


def endpoint(url, name="e", **kw) -> Endpoint:
    return Endpoint(name, url, **({"events": lambda: len(kit_urls.WRITES), "cast": "people"} | kw))


GUARDED = dict(allowed=["clerk"], wrong_role=["visitor"], out_of_scope=["stranger"])

test_a_right_declaration_passes = permission_tests(
    endpoint("/guarded/", "read", **GUARDED),
    endpoint("/guarded/", "write", method="post", **GUARDED),
)


def test_the_cases_are_the_anonymous_then_each_member_of_each_group():
    assert [str(c) for c in cases(endpoint("/guarded/", **GUARDED))] == [
        "e-anonymous",
        "e-wrong_role-visitor",
        "e-out_of_scope-stranger",
        "e-allowed-clerk",
    ]


@pytest.mark.parametrize(
    "declared,kind,member,message",
    [
        (endpoint("/open/"), "anonymous", None, "answered 200"),  # a URL open to everybody
        (endpoint("/open/", wrong_role=["visitor"]), "wrong_role", "visitor", "answered 200"),
        (endpoint("/guarded/", out_of_scope=["visitor"]), "out_of_scope", "visitor", "answered 403"),
        (endpoint("/guarded/", allowed=["visitor"]), "allowed", "visitor", "answered 403"),
        (endpoint("/silent/", wrong_role=["visitor"]), "wrong_role", "visitor", "nothing on grassroots.security"),
        (endpoint("/leaky/", method="post", wrong_role=["visitor"]), "wrong_role", "visitor", "wrote an event"),
        (endpoint("/guarded/", method="post", allowed=["clerk"], events=lambda: 0), "allowed", "clerk", "no event"),
    ],
    ids=[
        "open-to-everybody",
        "open-to-a-wrong-role",
        "403-is-not-404",
        "refused",
        "not-logged",
        "leaks",
        "writes-no-event",
    ],  # fmt: skip
)
def test_a_wrong_declaration_fails(request, people, declared, kind, member, message):
    with pytest.raises(AssertionError, match=message):
        check(Case(declared, kind, member), request)
