from pathlib import Path

import pytest

from core.testing import make_cast


@pytest.fixture
def cast(db):
    _reseed()
    return make_cast()


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
    from ledger.models import Channel, Kind, SubmitterType
    from ledger.services import item_open

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
    import json
    import os

    path = os.environ.get("MARKER_REPORT")
    if path:
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
