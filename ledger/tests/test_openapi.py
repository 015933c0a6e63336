# The committed API schema (docs/openapi.yaml) must match the code, like Open Zaak's CI. After changing
# the API, regenerate it with:
#
#   DJANGO_SETTINGS_MODULE=grassroots.test_settings .venv/bin/python manage.py spectacular \
#       --lang zh-hans --validate --fail-on-warn --file docs/openapi.yaml
"""The OpenAPI 3 schema: generated without a warning, valid, and the same as the committed file."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
REGENERATE = (
    "DJANGO_SETTINGS_MODULE=grassroots.test_settings .venv/bin/python manage.py spectacular "
    "--lang zh-hans --validate --fail-on-warn --file docs/openapi.yaml"
)


def test_the_schema_is_valid_openapi_without_warnings_and_matches_the_committed_file(tmp_path):
    generated = tmp_path / "openapi.yaml"
    GENERATOR_STATS.reset()  # warnings from schema views served earlier in this process are not ours
    # --validate checks it against the OpenAPI 3 JSON schema; --fail-on-warn turns every warning into an error.
    call_command("spectacular", "--lang", "zh-hans", "--validate", "--fail-on-warn", "--file", str(generated))
    assert COMMITTED.exists(), f"docs/openapi.yaml is missing; generate it with:\n  {REGENERATE}"
    assert generated.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8"), (
        f"docs/openapi.yaml is out of date with the API; regenerate it with:\n  {REGENERATE}"
    )


def test_the_schema_and_its_documentation_are_served(cast, client):
    client.force_login(cast.call_taker)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
