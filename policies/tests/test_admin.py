"""The policy admin is for looking things up: every list and page renders, and nothing can be
added, changed or deleted there (writes go through the services, which keep the history)."""

import pytest
from django.urls import reverse

from policies.models import Policy, PolicyClause
from policies.services import catalogue

MODELS = ["policy", "policyclause", "match", "notification", "grantbatch", "grant", "application", "consultation"]


@pytest.mark.parametrize("model", MODELS)
def test_every_list_renders(client, cast, model):
    catalogue.demo_load()
    client.force_login(cast.admin)
    assert client.get(reverse(f"admin:policies_{model}_changelist")).status_code == 200


def test_the_policy_and_clause_pages_are_read_only(client, cast):
    catalogue.demo_load()
    client.force_login(cast.admin)
    policy, clause = Policy.objects.first(), PolicyClause.objects.first()
    page = client.get(reverse("admin:policies_policy_change", args=[policy.pk]))
    assert page.status_code == 200 and policy.title in page.text and 'name="_save"' not in page.text
    assert client.get(reverse("admin:policies_policyclause_change", args=[clause.pk])).status_code == 200
    assert client.get(reverse("admin:policies_policy_add")).status_code == 403
    response = client.post(reverse("admin:policies_policy_delete", args=[policy.pk]), {"post": "yes"})
    assert response.status_code == 403 and Policy.objects.filter(pk=policy.pk).exists()
