"""The message catalogues: complete, compiled, Traditional Chinese always OpenCC's conversion of the
source, up to date with the code; and the interface language follows the user's choice."""

import difflib
import re
import shutil
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils.translation import to_locale

from core.script import to_traditional

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
# Every interface language but the source one (the msgids are Simplified Chinese).
TRANSLATED = [to_locale(code) for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _po(locale: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / locale / "LC_MESSAGES/django.po"))


def _translations(catalogue) -> dict:
    def value(entry):
        if entry.msgid_plural:
            return tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        return entry.msgstr

    keep = [e for e in catalogue if e.msgid and not e.obsolete and not getattr(e, "fuzzy", False)]  # MOEntry: no fuzzy
    return {(e.msgctxt, e.msgid): value(e) for e in keep}


def test_the_translated_languages_are_traditional_chinese_and_english():
    assert sorted(TRANSLATED) == ["en", "zh_Hant"]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_catalogue_is_compiled_from_its_source(locale):
    po_path = LOCALE / locale / "LC_MESSAGES/django.po"
    mo_path = po_path.with_suffix(".mo")
    assert po_path.is_file() and mo_path.is_file(), f"run: python manage.py sync_translations ({locale})"
    po = _po(locale)
    assert len(po) > 100
    assert po.metadata["Language"] == locale and not po.metadata_is_fuzzy
    assert _translations(polib.mofile(str(mo_path))) == _translations(po), (
        f"{mo_path} is stale: run python manage.py sync_translations"
    )


def test_the_english_catalogue_has_no_untranslated_or_fuzzy_entry():
    po = _po("en")
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    obsolete = [e.msgid for e in po.obsolete_entries()]
    assert not untranslated, f"translate these in locale/en/LC_MESSAGES/django.po: {untranslated}"
    assert not fuzzy, f"check these fuzzy translations, then drop the fuzzy flag: {fuzzy}"
    assert not obsolete
    assert po.percent_translated() == 100


def test_the_english_translations_keep_every_placeholder():
    for entry in _po("en"):
        if "{字段" in entry.msgid:  # an example JSON shape in an API help text, not a placeholder
            continue
        want = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural))
        for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            assert set(PLACEHOLDER.findall(text)) == want, (entry.msgid, text)


def test_traditional_chinese_is_exactly_opencc_of_the_source():
    po = _po("zh_Hant")
    assert not po.fuzzy_entries() and not po.obsolete_entries()
    drift = []
    for entry in po:
        if entry.msgid_plural:
            if entry.msgstr_plural != {0: to_traditional(entry.msgid_plural)}:
                drift.append(entry.msgid)
        elif entry.msgstr != to_traditional(entry.msgid):
            drift.append(entry.msgid)
    assert not drift, f"zh_Hant drifted from OpenCC (never edit it by hand; run sync_translations): {drift}"
    assert _translations(po)[(None, "我的事项")] == "我的事項"


def test_every_msgid_has_the_same_entry_in_both_catalogues():
    assert {(e.msgctxt, e.msgid) for e in _po("en")} == {(e.msgctxt, e.msgid) for e in _po("zh_Hant")}


def _set_session_language(client, language):
    session = client.session
    session["language"] = language
    session.save()


def test_a_page_in_the_english_session_is_in_english(client, cast):
    client.force_login(cast.handler)
    _set_session_language(client, "en")
    response = client.get("/")
    page = response.text
    assert response.status_code == 200 and response["Content-Language"] == "en"
    assert '<html lang="en">' in page
    for text in ("My items", "Ledger", "Measures", "Results", "Sign out", "Handling department"):
        assert text in page, text
    assert "我的事项" not in page and "退出" not in page


def test_a_page_in_the_traditional_session_is_in_traditional_chinese(client, cast):
    client.force_login(cast.handler)
    _set_session_language(client, "zh-hant")
    page = client.get("/").text
    assert '<html lang="zh-hant">' in page
    assert "我的事項" in page and "措施清單" in page and "承辦部門" in page
    assert "我的事项" not in page and "措施清单" not in page


def test_without_a_choice_the_page_is_in_simplified_chinese(client, cast):
    client.force_login(cast.handler)
    page = client.get("/").text
    assert '<html lang="zh-hans">' in page and "我的事项" in page and "My items" not in page


def test_the_language_switcher_stores_the_choice_on_the_person(client, cast):
    client.force_login(cast.handler)
    response = client.post("/language/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    cast.handler.person.refresh_from_db()
    assert cast.handler.person.language == "en"
    assert "My items" in client.get("/").text

    client.logout()  # a fresh session: no language in it, so the person's choice applies
    fresh = Client()
    fresh.force_login(cast.handler)
    assert "language" not in fresh.session
    page = fresh.get("/").text
    assert '<html lang="en">' in page and "My items" in page

    fresh.post("/language/", {"language": "zh-hant", "next": "/"})
    cast.handler.person.refresh_from_db()
    assert cast.handler.person.language == "zh-hant"
    again = Client()
    again.force_login(cast.handler)
    assert "我的事項" in again.get("/").text


def test_the_language_switcher_ignores_an_unknown_language(client, cast):
    client.force_login(cast.handler)
    client.post("/language/", {"language": "fr", "next": "/"})
    cast.handler.person.refresh_from_db()
    assert cast.handler.person.language == "zh-hans"
    assert "我的事项" in client.get("/").text


# What the copy of the project for the catalogue check leaves out (sync_translations ignores it).
_NOT_SOURCE = {"node_modules", "staticfiles", "media", "bench", "test-artifacts", "__pycache__", "static", "docs"}


def _copy_source(src: Path, dst: Path) -> None:
    def ignore(folder, names):
        return [
            name
            for name in names
            if name.startswith(".")
            or name in _NOT_SOURCE
            or ((Path(folder) / name).is_file() and Path(name).suffix not in {".py", ".html", ".txt", ".po"})
        ]

    shutil.copytree(src, dst, ignore=ignore)


def _without_creation_date(text: str) -> list[str]:
    return [line for line in text.splitlines(keepends=True) if not line.startswith('"POT-Creation-Date:')]


def test_the_catalogues_are_up_to_date_with_the_code(settings, tmp_path):
    missing = [tool for tool in ("xgettext", "msgmerge", "msguniq", "msgattrib", "msgfmt") if not shutil.which(tool)]
    if missing:
        pytest.skip(f"gettext tools not on PATH ({', '.join(missing)}): install the gettext package (bin/test does)")
    copy = tmp_path / "project"
    _copy_source(ROOT, copy)
    settings.BASE_DIR = copy
    settings.LOCALE_PATHS = [copy / "locale"]
    out = StringIO()
    call_command("sync_translations", stdout=out)
    for locale in TRANSLATED:
        name = f"locale/{locale}/LC_MESSAGES/django.po"
        before = _without_creation_date((ROOT / name).read_text(encoding="utf-8"))
        after = _without_creation_date((copy / name).read_text(encoding="utf-8"))
        diff = "".join(difflib.unified_diff(before, after, name, f"{name} after sync_translations", n=1))
        if before != after:
            pytest.fail(f"the catalogues are out of date: run python manage.py sync_translations\n{diff}")
    assert "en: 0 untranslated" in out.getvalue(), out.getvalue()
