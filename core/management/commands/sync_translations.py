"""Refresh the message catalogues: extract messages, fill Traditional Chinese from the Simplified
source with OpenCC, keep the English translations, and compile.

    python manage.py sync_translations
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from core.script import to_traditional

APPS = ["core", "org", "workdays", "ledger", "grassroots", "templates"]


class Command(BaseCommand):
    help = "Extract messages, fill zh_Hant by OpenCC, report missing English translations, compile."

    def handle(self, *args, **options):
        root = Path(settings.BASE_DIR)
        call_command(
            "makemessages",
            locale=["zh_Hant", "en"],
            ignore_patterns=[".venv/*", "bench/*", "staticfiles/*", "*/tests/*", "conftest.py"],
            no_obsolete=True,
            verbosity=0,
        )
        hant = polib.pofile(str(root / "locale/zh_Hant/LC_MESSAGES/django.po"))
        filled = 0
        for entry in hant:
            want = to_traditional(entry.msgid)
            if entry.msgid_plural:
                entry.msgstr_plural = {0: to_traditional(entry.msgid_plural)}
            if entry.msgstr != want or "fuzzy" in entry.flags:
                entry.msgstr = want
                entry.flags = [f for f in entry.flags if f != "fuzzy"]
                filled += 1
        hant.save()
        en = polib.pofile(str(root / "locale/en/LC_MESSAGES/django.po"))
        missing = [e.msgid for e in en if not e.translated()]
        call_command("compilemessages", locale=["zh_Hant", "en"], verbosity=0, ignore=[".venv/*"])
        self.stdout.write(f"zh_Hant: {filled} filled by OpenCC; en: {len(missing)} untranslated")
        for msgid in missing:
            self.stdout.write(f"  en missing: {msgid}")
