"""Fixtures of every app's tests. The cast: two counties, their departments and people in every role.

cast.call_taker      # 鲤城区 call-taker/dispatcher
cast.handler         # handler of 鲤城区住建局
cast.other_handler   # handler of 丰泽区住建局 (another county: out of scope)

Not an app, this module may import any app (core.testing may not)."""

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from pytest_django.plugin import blocking_manager_key

from core.testing import PASSWORD
from ledger.models import Category, Channel, Kind, SubmitterType
from ledger.services import item_open
from org.models import Department, Division, Role
from org.services import person_create


def _division(code, name, level, parent=None):
    path = (parent.path if parent else "") + code + "/"
    return Division.objects.create(code=code, name=name, level=level, parent=parent, path=path)


@dataclass
class Cast:
    city: Division
    county: Division
    other_county: Division
    township: Division
    village: Division
    other_village: Division
    department: Department
    other_department: Department
    city_department: Department
    category: Category
    call_taker: User
    handler: User
    leader: User
    auditor: User
    admin: User
    submitter: User
    other_call_taker: User
    other_handler: User
    other_leader: User
    city_call_taker: User


def make_cast() -> Cast:
    city = _division("350500", "泉州市", Division.Level.CITY)
    county = _division("350502", "鲤城区", Division.Level.COUNTY, city)
    other_county = _division("350503", "丰泽区", Division.Level.COUNTY, city)
    township = _division("350502001", "海滨街道", Division.Level.TOWNSHIP, county)
    village = _division("350502001001", "金山社区居委会", Division.Level.VILLAGE, township)
    other_township = _division("350503001", "东海街道", Division.Level.TOWNSHIP, other_county)
    other_village = _division("350503001001", "东海社区", Division.Level.VILLAGE, other_township)
    department = Department.objects.create(code="350502-ZJ", name="鲤城区住建局", division=county, email="zj@lc.test")
    other_department = Department.objects.create(code="350503-ZJ", name="丰泽区住建局", division=other_county)
    city_department = Department.objects.create(code="350500-GXJ", name="市工信局", division=city)
    parent = Category.objects.create(code="01", name="城乡建设")
    category = Category.objects.create(code="0101", name="道路维修", parent=parent)

    def person(username, role, division, dept=None, **kw):
        return person_create(
            username=username,
            password=PASSWORD,
            name=username,
            role=role,
            division=division,
            department=dept,
            email=f"{username}@example.test",
            **kw,
        ).user

    return Cast(
        city=city,
        county=county,
        other_county=other_county,
        township=township,
        village=village,
        other_village=other_village,
        department=department,
        other_department=other_department,
        city_department=city_department,
        category=category,
        call_taker=person("calltaker", Role.CALL_TAKER, county),
        handler=person("handler", Role.HANDLER, county, department),
        leader=person("leader", Role.LEADER, county, rank="county"),
        auditor=person("auditor", Role.AUDITOR, county),
        admin=person("admin", Role.ADMIN, city),
        submitter=person("resident", Role.SUBMITTER, village),
        other_call_taker=person("other_calltaker", Role.CALL_TAKER, other_county),
        other_handler=person("other_handler", Role.HANDLER, other_county, other_department),
        other_leader=person("other_leader", Role.LEADER, other_county),
        city_call_taker=person("city_calltaker", Role.CALL_TAKER, city),
    )


@pytest.fixture
def cast(db):
    _reseed()
    return make_cast()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (browser, PostgreSQL, the demo) ends by flushing every table, the rows the
    data migrations wrote included (the holiday calendar, the default time limits): write them again
    at once, so the tests after it on the same worker find them, whichever tests those are."""
    result = yield
    if nextitem is None:  # the session's teardown has just dropped the test database: nothing to seed
        return result
    marker = item.get_closest_marker("django_db")
    if "transactional_db" in getattr(item, "fixturenames", ()) or (marker and marker.kwargs.get("transaction")):
        with item.config.stash[blocking_manager_key].unblock():
            _reseed()
    return result


def _reseed():
    """Transactional tests (browser, PostgreSQL) flush every table, including the rows the data
    migrations wrote (the holiday calendar, the default time limits): write them again if gone."""
    from importlib import import_module

    from django.apps import apps

    for module in ("workdays.migrations.0002_seed_calendar", "ledger.migrations.0002_default_time_limits"):
        import_module(module).seed(apps, None)


@pytest.fixture
def open_item(cast):
    """Open an item as the call-taker; keyword arguments override the defaults."""

    def make(**overrides):
        fields = dict(
            actor=cast.call_taker,
            title="金山路路面塌陷",
            description="金山路128号门口路面塌陷，存在安全隐患。",
            kind=Kind.PROBLEM,
            channel=Channel.HOTLINE,
            category=cast.category,
            division=cast.village,
            submitter_type=SubmitterType.RESIDENT,
            submitter_name="王小明",
            submitter_phone="13812345678",
        )
        fields.update(overrides)
        return item_open(**fields)

    return make


def pytest_collection_modifyitems(config, items):
    """PostgreSQL tests skip on SQLite (the CI run on PostgreSQL checks that they ran)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


_passed: dict[str, int] = {}


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        for marker in ("postgres", "browser"):
            if marker in report.keywords:
                _passed[marker] = _passed.get(marker, 0) + 1
        _passed["all"] = _passed.get("all", 0) + 1


def pytest_sessionfinish(session, exitstatus):
    """Under pytest-xdist the workers' reports reach this process's pytest_runtest_logreport too:
    the controller counts every worker's tests and writes the report; a worker writes nothing."""
    import json
    import os

    path = os.environ.get("MARKER_REPORT")
    if path and not hasattr(session.config, "workerinput"):
        with open(path, "w") as f:
            json.dump(_passed, f)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (its own browser download does not work here)."""
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A page of a fresh browser context, in Chinese, on the live server (``page.goto("/login/")``)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    """Where browser tests leave their screenshots, to look at (git-ignored)."""
    path = Path(__file__).resolve().parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
