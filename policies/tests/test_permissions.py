"""Who may open a draft policy, on the permission kit: the drafters (administrators, leaders,
handlers); to anyone else a draft does not exist (404); the anonymous are sent to log in."""

from django.urls import reverse

from core.testing import Endpoint, permission_tests
from policies.tests.catalogue_fixtures import draft_policy

DRAFT = dict(allowed=["admin", "leader", "handler"], out_of_scope=["call_taker", "auditor", "submitter"])

test_a_draft_is_seen_by_the_drafters_only = permission_tests(
    Endpoint(
        "page", lambda p: reverse("policies:catalogue-policy", args=[p.pk]), make=lambda cast: draft_policy(), **DRAFT
    ),  # fmt: skip
    Endpoint("api", lambda p: f"/api/policies/{p.code}/", make=lambda cast: draft_policy(), **DRAFT),
)
