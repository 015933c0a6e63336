"""The read-only API: policies and clauses with their JSON Logic and its Chinese rendering, and the
matches of one enterprise."""

import datetime as dt

import pytest

from policies import testing
from policies.services.catalogue import demo_load
from policies.services.matching import matches_recompute

pytestmark = pytest.mark.django_db


def test_it_requires_a_login(client):
    assert client.get("/api/policies/").status_code in (401, 403)


def test_clauses_come_with_their_json_and_their_sentence(cast, client):
    demo_load()
    client.force_login(cast.call_taker)
    policies = client.get("/api/policies/").json()
    assert policies["count"] == 6
    clause = client.get("/api/policy-clauses/wgy-03/").json()
    assert clause["condition"] == {"and": [{"certified": "srdi"}, {"industry_prefix": ["C"]}]}
    assert clause["condition_text"] == {"zh-hans": "获评专精特新中小企业，且行业属于C制造业",
                                        "zh-hant": "獲評專精特新中小企業，且行業屬於C製造業"}  # fmt: skip
    assert clause["benefit_text"]["zh-hans"] == "30万元"


def test_matches_of_one_enterprise(cast, client):
    demo_load()
    frame = testing.register(50, seed=2)
    matches_recompute(frame=frame, reference_date=dt.date(2026, 6, 30))
    client.force_login(cast.call_taker)
    code = frame["credit_code"][0]
    body = client.get("/api/policy-matches/", {"credit_code": code}).json()
    assert body["count"] > 0 and all(m["credit_code"] == code for m in body["results"])
    assert client.get("/api/policy-matches/").json()["count"] == 0
