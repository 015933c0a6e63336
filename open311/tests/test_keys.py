"""Making and revoking API keys names who did it, in the client's history."""

import pytest

from core.history import history_of
from open311 import services
from org.actor import SYSTEM

pytestmark = pytest.mark.django_db


def test_a_key_made_and_revoked_is_recorded_with_its_actor_on_the_clients_history(cast):
    client = services.client_create(name="泉州通", division=cast.city)
    key, raw = services.key_create(client=client, actor=cast.admin, reason="新接入")
    services.key_revoke(key=key, actor=SYSTEM, reason="泄露")
    rows = list(history_of(client))
    assert [(r.action, r.actor, r.reason) for r in rows] == [("create", cast.admin, "新接入"), ("revoke", None, "泄露")]
    assert raw not in str([r.changes for r in rows])  # the key itself is never recorded


def test_a_key_without_an_actor_is_refused_and_nothing_is_written(cast):
    client = services.client_create(name="泉州通", division=cast.city)
    with pytest.raises(ValueError, match="actor"):
        services.key_create(client=client, actor=None)
    assert not client.keys.exists()
    key, _raw = services.key_create(client=client, actor=SYSTEM)
    with pytest.raises(ValueError, match="actor"):
        services.key_revoke(key=key, actor=None)
    key.refresh_from_db()
    assert key.revoked_at is None


def test_the_admin_action_names_the_administrator(cast, client):
    from django.urls import reverse

    api_client = services.client_create(name="泉州通", division=cast.city)
    client.force_login(cast.admin)
    client.post(
        reverse("admin:open311_apiclient_changelist"), {"action": "make_key", "_selected_action": [api_client.pk]}
    )
    assert [(r.action, r.actor) for r in history_of(api_client)] == [("create", cast.admin)]
