"""The clause editor in a real browser: the operators follow the attribute, the sentence follows the rows
(HTMX), the impact preview appears below, and saving writes the clause with its version."""

import pytest
from playwright.sync_api import expect

from core.testing import browser_login
from policies.models import PolicyClause
from policies.tests.catalogue_fixtures import draft_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_leader_builds_a_clause_from_rows(cast, page, artifacts, monkeypatch):
    from policies import testing

    frame = testing.register(120, seed=2)
    monkeypatch.setattr("policies.views.register_snapshot", lambda: frame)
    policy = draft_policy()
    page.set_viewport_size({"width": 1400, "height": 1000})
    browser_login(page, "leader")
    page.goto(f"/policies/{policy.pk}/clauses/new/")
    page.locator("#id_code").fill("draft-1-09")
    page.locator("#id_title").fill("外贸企业奖励")
    row = page.locator(".cond-row").first
    row.locator(".row-attr").select_option("tags")
    options = row.locator(".row-op option:not([hidden])")
    expect(options).to_have_count(2)  # "—" and 带有标签: the operators of a tag
    row.locator("input[name$=value]").fill("外贸")
    expect(page.locator("#clause-preview")).to_contain_text("带有“外贸”标签")
    page.locator("#id_fixed_amount").fill("5万")
    page.locator("#id_budget").fill("100万")
    expect(page.locator("#clause-preview")).to_contain_text("5万元")  # the benefit follows as it is typed
    expect(page.locator("#clause-preview .form-errors")).to_have_count(0)
    page.get_by_role("button", name="试算影响").click()
    expect(page.locator("#impact")).to_contain_text("惠及企业")
    page.screenshot(path=str(artifacts / "policy-clause-editor.png"), full_page=True)
    page.get_by_role("button", name="保存条款").click()
    expect(page.locator(".msg.success")).to_contain_text("已保存")
    clause = PolicyClause.objects.get(code="draft-1-09")
    assert clause.condition == {"has_tag": "外贸"} and clause.benefit == 50000
    assert clause.versions.get().created_by == cast.leader
