"""Test kits of any app: the cast's password, an API client with a token, logging in through the
browser, and the permission matrix (``Endpoint``, ``permission_tests``). The cast itself (two
counties, their departments, people in every role) is the ``cast`` fixture of the root
``conftest.py``: it is made of org's and the ledger's models, and core imports no app."""

import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

PASSWORD = "pass-for-tests-1"


def api_client(user=None):
    """A DRF test client, authenticated as ``user`` by a token (anonymous without one)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page, as a user would, and land on 我的事项."""
    from playwright.sync_api import expect

    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的事项")).to_be_visible()


# ---------------------------------------------------------------------------------------------
# The permission matrix (NetBox's ViewTestCases): an app declares its endpoints, the kit tests them


@dataclass(frozen=True)
class Endpoint:
    """One URL and method, and who may pass. Members are named by their attribute on the ``cast``
    fixture (or on the fixture named by ``cast``, e.g. a test module's ``world``).

    ``make`` is the factory of the object the URL is about: its parameters are fixture names
    (``lambda cast, open_item: open_item()``); ``url`` and ``data`` may be functions of that object.
    ``events`` counts the history rows a write must add and a refusal must not (a model, or a
    function returning a count); by default every table built on ``core.models.Event``."""

    name: str
    url: str | Callable[[Any], str]
    make: Callable[..., Any] | None = None
    method: str = "get"
    data: dict | Callable[[Any], dict] | None = None
    allowed: Sequence[str] = ()  # pass: 2xx (a page's write may redirect), a write adds an event
    wrong_role: Sequence[str] = ()  # in scope, the role may not: 403, logged, nothing written
    out_of_scope: Sequence[str] = ()  # the object is not theirs (another county): 404 read, 403 write
    api: bool | None = None  # JSON and 401/403 for the anonymous; None: the URL starts with /api/
    events: Any = None
    logged: bool = True  # refusals of a wrong role (and of an outsider's write) on grassroots.security
    cast: str = "cast"

    @property
    def writes(self) -> bool:
        return self.method.lower() not in ("get", "head", "options")


@dataclass(frozen=True)
class Case:
    endpoint: Endpoint
    kind: str  # anonymous, wrong_role, out_of_scope, allowed
    member: str | None = None

    def __str__(self) -> str:
        return "-".join(p for p in (self.endpoint.name, self.kind, self.member) if p)


def cases(*endpoints: Endpoint) -> list[Case]:
    """Every case of the endpoints: the anonymous visitor, then each member of each group."""
    out = []
    for e in endpoints:
        out.append(Case(e, "anonymous"))
        for kind in ("wrong_role", "out_of_scope", "allowed"):
            out += [Case(e, kind, member) for member in getattr(e, kind)]
    return out


def permission_tests(*endpoints: Endpoint):
    """A test function, to assign to a ``test_*`` name of a test module, that runs every case of the
    endpoints::

        test_the_register_admits_only_whom_it_declares = permission_tests(
            Endpoint("detail", lambda e: f"/register/{e.pk}/", make=lambda cast: firm(cast),
                     allowed=["call_taker"], out_of_scope=["other_handler"]),
        )
    """

    @pytest.mark.django_db
    @pytest.mark.parametrize("case", cases(*endpoints), ids=str)
    def test(case: Case, request) -> None:
        check(case, request)

    return test


def check(case: Case, request) -> None:
    """Run one case: request the endpoint as the case's member and check the answer, the log and
    that a refusal wrote nothing."""
    from django.conf import settings
    from django.shortcuts import resolve_url
    from rest_framework.test import APIClient

    endpoint = case.endpoint
    obj = _call(endpoint.make, request) if endpoint.make else None
    url = endpoint.url(obj) if callable(endpoint.url) else endpoint.url
    data = endpoint.data(obj) if callable(endpoint.data) else dict(endpoint.data or {})
    api = url.startswith("/api/") if endpoint.api is None else endpoint.api
    client = APIClient()
    user = None
    if case.member:
        user = getattr(request.getfixturevalue(endpoint.cast), case.member)
        client.force_login(user)
    events, row = _events(endpoint.events), _row(obj)
    caplog = request.getfixturevalue("caplog")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="grassroots.security"):
        kwargs = {"format": "json"} if api and endpoint.writes else {}
        response = getattr(client, endpoint.method.lower())(url, data, **kwargs)
    status, where = response.status_code, f"{case}: {endpoint.method.upper()} {url} answered {response.status_code}"
    if case.kind == "allowed":
        assert 200 <= status < 300 or (not api and 300 <= status < 400), where
        if not api and 300 <= status < 400:
            assert not response["Location"].startswith(resolve_url(settings.LOGIN_URL)), where
        if endpoint.writes:
            assert _events(endpoint.events) > events, f"{where}, and wrote no event"
        return
    if case.kind == "anonymous":
        if api:  # 401: the API offers token authentication
            assert status == 401 and response.json()["code"] == "not_authenticated", where
        else:
            assert status == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL)), where
    elif case.kind == "out_of_scope" and not endpoint.writes:
        assert status == 404, where
        if api:
            assert response.json()["code"] == "not_found", where
    else:  # a wrong role, or an outsider's write
        assert status == 403, where
        if api:
            assert response.json()["code"] == "permission_denied", where
        if endpoint.logged:
            name = user.get_username()
            logged = [r for r in caplog.records if r.name == "grassroots.security" and name in r.getMessage()]
            assert logged, f"{where}, and nothing on grassroots.security names {name}"
    assert _events(endpoint.events) == events, f"{where}, and wrote an event"
    assert _row(obj) == row, f"{where}, and changed the object"


def _call(make: Callable[..., Any], request) -> Any:
    """Call the factory with the fixtures its parameters name (those with a default are its own)."""
    names = [p.name for p in inspect.signature(make).parameters.values() if p.default is inspect.Parameter.empty]
    return make(**{name: request.getfixturevalue(name) for name in names})


def _events(events) -> int:
    from django.apps import apps
    from django.db import models

    from core.models import Event

    if events is None:
        return sum(m._default_manager.count() for m in apps.get_models() if issubclass(m, Event))
    if isinstance(events, type) and issubclass(events, models.Model):
        return events._default_manager.count()
    return events()


def _row(obj) -> dict | None:
    """The object's row as stored, to tell that a refusal left it alone."""
    from django.db import models

    if not isinstance(obj, models.Model):
        return None
    return type(obj)._base_manager.filter(pk=obj.pk).values().first()
