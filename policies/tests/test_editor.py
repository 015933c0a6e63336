"""The clause editor: rows compile to JSON Logic, a stored clause reads back into rows, bad input is
refused in Chinese with nothing written, every accepted change is a version (who, when, why)."""

import pytest
from django.urls import reverse

from org.actor import SYSTEM
from policies.forms import ClauseForm, benefit_initial, rows_of
from policies.models import ClauseVersion, Policy, PolicyClause, PolicyStatus
from policies.services.catalogue import demo_load
from policies.tests.catalogue_fixtures import CONDITION, draft_policy

pytestmark = pytest.mark.django_db


def post_data(form: ClauseForm) -> dict:
    """What the browser posts for an unbound editor (its initial values), ready to be changed."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is not None:
            data[name] = value
    rows = form.rows
    data |= {
        "row-TOTAL_FORMS": len(rows.forms),
        "row-INITIAL_FORMS": rows.initial_form_count(),
        "row-MIN_NUM_FORMS": 0,
        "row-MAX_NUM_FORMS": 30,
    }
    for i, row in enumerate(rows.forms):
        for key, value in (row.initial or {}).items():
            data[f"row-{i}-{key}"] = value
    return data


def rows(*items, conj="and", **fields) -> dict:
    data = {
        "code": "t-01",
        "number": 1,
        "title": "测试条款",
        "conj": conj,
        "mode": "apply",
        "benefit_kind": "none",
        "row-TOTAL_FORMS": len(items),
        "row-INITIAL_FORMS": 0,
        "row-MIN_NUM_FORMS": 0,
        "row-MAX_NUM_FORMS": 30,
    }
    for i, item in enumerate(items):
        for key, value in item.items():
            data[f"row-{i}-{key}"] = value
    return data | fields


def test_rows_compile_to_the_expected_json_logic(db):
    data = rows(
        {"attr": "industry_code", "op": "prefix", "value": "c17, C18"},
        {"attr": "revenue_y1", "op": "gte", "value": "2000万"},
        {"attr": "growth:exports:-2:-1", "op": "gte", "value": "10"},
        {"attr": "founded_on", "op": "within", "value": "3"},
        {"attr": "srdi", "op": "is_not"},
        {"attr": "size_class", "op": "in", "value": "小型、中型"},
        {"attr": "employees", "op": "between", "value": "10", "value2": "300"},
        {"attr": "division_path", "op": "under", "value": "350582"},
        {"attr": "tags", "op": "has", "value": "外贸"},
        benefit_kind="formula",
        rate="5",
        rate_unit="percent",
        base="increase:exports:1:2",
        cap="50万",
        budget="500万",
    )
    form = ClauseForm(data)
    assert form.is_valid(), form.errors
    kwargs = form.save_kwargs()
    assert kwargs["condition"] == {
        "and": [
            {"industry_prefix": ["C17", "C18"]},
            {">=": [{"var": "revenue_y1"}, 20000000]},
            {">=": [{"growth": ["exports", -2, -1]}, 0.1]},
            {"within_years": [{"var": "founded_on"}, 3]},
            {"!": [{"certified": "srdi"}]},
            {"in": [{"var": "size_class"}, ["small", "medium"]]},
            {"<=": [10, {"var": "employees"}, 300]},
            {"division_under": ["350582"]},
            {"has_tag": "外贸"},
        ]
    }
    assert kwargs["benefit"] == {"max": [0, {"*": [0.05, {"-": [{"var": "exports_y1"}, {"var": "exports_y2"}]}]}]}
    assert (kwargs["cap"], kwargs["budget"]) == (500000, 5000000)
    preview = form.preview()
    assert preview["texts"]["hans"].startswith("行业属于C17纺织业或C18纺织服装、服饰业，且上年度营业收入不低于2000万元")
    assert "上年度出口额较前年度增加额" in preview["amount"] and "最高50万元" in preview["amount"]


def test_or_joins_the_rows(db):
    form = ClauseForm(rows({"attr": "srdi", "op": "is"}, {"attr": "little_giant", "op": "is"}, conj="or"))
    assert form.is_valid(), form.errors
    assert form.save_kwargs()["condition"] == {"or": [{"certified": "srdi"}, {"certified": "little_giant"}]}


def test_every_demo_clause_reads_back_into_rows_and_compiles_to_the_same_json(cast):
    demo_load()
    for clause in PolicyClause.objects.all():
        form = ClauseForm(post_data(ClauseForm(clause=clause)) | {"reason": "核对"}, clause=clause)
        assert form.is_valid(), (clause.code, form.errors, form.rows.errors)
        kwargs = form.save_kwargs()
        assert kwargs["condition"] == clause.condition, clause.code
        assert kwargs["benefit"] == clause.benefit, clause.code
        assert kwargs["cap"] == clause.cap and kwargs["budget"] == clause.budget


def test_nested_groups_are_kept_read_only():
    conj, parsed = rows_of(
        {"and": [{"industry_prefix": ["C17"]}, {"or": [{"certified": "srdi"}, {"certified": "little_giant"}]}]}
    )
    assert conj == "and" and parsed[0]["attr"] == "industry_code" and parsed[1]["attr"] == "raw"
    assert benefit_initial({"*": [0.002, {"var": "exports_y1"}]}) == {
        "benefit_kind": "formula",
        "base": "exports_y1",
        "rate": "0.2",
        "rate_unit": "percent",
    }


def test_editing_prefills_the_rows(cast, client):
    policy = draft_policy()
    clause = policy.clauses.get()
    client.force_login(cast.handler)
    page = client.get(reverse("policies:clause-edit", args=[policy.pk, clause.pk])).content.decode()
    assert (
        'value="C17"' in page
        and 'value="2000万"' in page
        and "行业属于C17纺织业，且上年度营业收入不低于2000万元" in page
    )


@pytest.mark.parametrize(
    "row,message",
    [
        ({"attr": "nope", "op": "gte", "value": "1"}, "选择一个有效的选项"),
        ({"attr": "founded_on", "op": "gte", "value": "100"}, "请填写日期"),
        ({"attr": "employees", "op": "gte", "value": "很多"}, "请填写数字"),
        ({"attr": "employees", "op": "prefix", "value": "C17"}, "该属性可用的运算"),
        ({"attr": "employees", "op": "between", "value": "300", "value2": "10"}, "范围不可能成立"),
        ({"attr": "industry_code", "op": "prefix", "value": "纺织"}, "行业代码格式不正确"),
    ],
)
def test_bad_rows_are_refused_in_chinese_and_nothing_is_written(cast, client, row, message):
    policy = draft_policy()
    client.force_login(cast.handler)
    before = (PolicyClause.objects.count(), ClauseVersion.objects.count())
    response = client.post(
        reverse("policies:clause-new", args=[policy.pk]), rows(row, benefit_kind="fixed", fixed_amount="1万")
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (PolicyClause.objects.count(), ClauseVersion.objects.count()) == before


def test_a_negative_budget_is_refused(cast, client):
    policy = draft_policy()
    client.force_login(cast.handler)
    data = rows({"attr": "srdi", "op": "is"}, benefit_kind="fixed", fixed_amount="1万", budget="-5")
    response = client.post(reverse("policies:clause-new", args=[policy.pk]), data)
    assert response.status_code == 400 and "资金预算不能为负数" in response.content.decode()
    assert not PolicyClause.objects.filter(code="t-01").exists()


def test_a_new_clause_is_saved_with_its_first_version(cast, client):
    policy = draft_policy()
    client.force_login(cast.handler)
    data = rows({"attr": "srdi", "op": "is"}, benefit_kind="fixed", fixed_amount="30万", budget="500万")
    response = client.post(reverse("policies:clause-new", args=[policy.pk]), data)
    assert response.status_code == 302
    clause = PolicyClause.objects.get(code="t-01")
    assert clause.condition == {"certified": "srdi"} and clause.benefit == 300000
    version = clause.versions.get()
    assert version.created_by == cast.handler and version.rule_version == clause.rule_version


def test_an_edit_needs_a_reason_and_writes_a_version(cast, client):
    policy = draft_policy()
    clause = policy.clauses.get()
    client.force_login(cast.leader)
    data = post_data(ClauseForm(clause=clause)) | {"row-1-value": "3000万"}
    url = reverse("policies:clause-edit", args=[policy.pk, clause.pk])
    response = client.post(url, data)
    assert response.status_code == 400 and "修改原因" in response.content.decode()
    response = client.post(url, data | {"reason": "门槛提高到3000万元"})
    assert response.status_code == 302
    clause.refresh_from_db()
    assert clause.condition["and"][1] == {">=": [{"var": "revenue_y1"}, 30000000]} and clause.version == 2
    latest = clause.versions.first()
    assert (latest.created_by, latest.reason, latest.rule_version) == (
        cast.leader,
        "门槛提高到3000万元",
        clause.rule_version,
    )
    assert clause.versions.count() == 2


def test_a_stale_editor_is_refused_with_409_and_writes_nothing(cast, client):
    policy = draft_policy()
    clause = policy.clauses.get()
    client.force_login(cast.handler)
    data = post_data(ClauseForm(clause=clause)) | {"row-1-value": "3000万", "reason": "调整"}
    PolicyClause.objects.filter(pk=clause.pk).update(version=clause.version + 1)  # saved by someone else meanwhile
    response = client.post(reverse("policies:clause-edit", args=[policy.pk, clause.pk]), data)
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    clause.refresh_from_db()
    assert clause.condition == CONDITION and clause.versions.count() == 1


def test_handlers_do_not_amend_a_published_policy_and_nobody_an_expired_one(cast, client):
    """Amendments are for leaders and administrators (test_amend.py); an expired policy stays as it was."""
    demo_load()
    clause = PolicyClause.objects.get(code="wgy-03")
    data = post_data(ClauseForm(clause=clause)) | {"reason": "改"}
    url = reverse("policies:clause-edit", args=[clause.policy_id, clause.pk])
    client.force_login(cast.handler)
    assert client.get(url).status_code == 403 and client.post(url, data).status_code == 403
    Policy.objects.filter(pk=clause.policy_id).update(status=PolicyStatus.EXPIRED)
    client.force_login(cast.leader)
    response = client.post(url, data)
    assert response.status_code == 409 and "该政策已失效" in response.content.decode()
    clause.refresh_from_db()
    assert clause.version == 1


def test_the_live_preview_renders_the_sentence_without_writing(cast, client):
    policy = draft_policy()
    client.force_login(cast.handler)
    data = rows(
        {"attr": "industry_code", "op": "prefix", "value": "C17"},
        {"attr": "revenue_y1", "op": "gte", "value": "2000万"},
    )
    response = client.post(reverse("policies:clause-preview", args=[policy.pk]), data, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200
    assert (
        "行业属于C17纺织业，且上年度营业收入不低于2000万元" in text
        and "行業屬於C17紡織業，且上年度營業收入不低於2000萬元" in text
    )
    assert not PolicyClause.objects.filter(code="t-01").exists()


def test_add_row_works_without_javascript(cast, client):
    policy = draft_policy()
    client.force_login(cast.handler)
    data = rows({"attr": "srdi", "op": "is"}, add_row="1")
    page = client.post(reverse("policies:clause-new", args=[policy.pk]), data).content.decode()
    assert 'name="row-TOTAL_FORMS" value="2"' in page and not PolicyClause.objects.filter(code="t-01").exists()


@pytest.mark.parametrize("role", ["call_taker", "auditor", "submitter"])
def test_others_may_not_open_the_editor(cast, client, role):
    policy = draft_policy()
    client.force_login(getattr(cast, role))
    assert client.get(reverse("policies:clause-new", args=[policy.pk])).status_code == 403


def test_a_condition_error_is_shown_next_to_its_row(cast, client):
    policy = draft_policy()
    client.force_login(cast.handler)
    data = rows(
        {"attr": "srdi", "op": "is"},
        {"attr": "employees", "op": "between", "value": "300", "value2": "10"},
        benefit_kind="fixed",
        fixed_amount="1万",
    )
    response = client.post(reverse("policies:clause-new", args=[policy.pk]), data)
    form = response.context["form"]
    assert response.status_code == 400
    assert not form.rows.forms[0].errors
    assert "范围不可能成立" in form.rows.forms[1].errors["value"][0]


def test_the_demo_loads_twice_with_one_version_per_clause(cast):
    demo_load()
    demo_load()
    assert ClauseVersion.objects.count() == PolicyClause.objects.count() == 75
    assert not ClauseVersion.objects.filter(created_by__isnull=False).exists()  # written by the system


def test_going_back_to_an_earlier_rule_is_a_new_version_with_the_earlier_rule(cast):
    from policies.services.catalogue import clause_save

    policy = draft_policy()
    clause = policy.clauses.get()
    first = clause.rule_version
    kwargs = dict(policy=policy, code=clause.code, number=1, title=clause.title, benefit=100000, actor=cast.handler)
    clause = clause_save(condition={"certified": "srdi"}, version=1, reason="只看专精特新", **kwargs)
    clause = clause_save(condition=CONDITION, version=2, reason="恢复原条件", **kwargs)
    assert clause.rule_version == first and clause.version == 3
    history = [(v.number, v.rule_version, v.reason) for v in clause.versions.all()]
    assert history[0] == (3, first, "恢复原条件") and history[2][1] == first and len(history) == 3


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_the_editor_renders_in_every_language(cast, client, language):
    policy = draft_policy()
    clause = policy.clauses.get()
    client.force_login(cast.handler)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    page = client.get(reverse("policies:clause-edit", args=[policy.pk, clause.pk]))
    assert page.status_code == 200
    expected = "行業屬於C17紡織業" if language == "zh-hant" else "行业属于C17纺织业"
    assert expected in page.content.decode()


def test_a_formula_the_fields_cannot_say_is_kept_as_it_is(cast):
    from policies.services.catalogue import clause_save

    policy = draft_policy()
    benefit = {"+": [1000, {"*": [0.01, {"var": "revenue_y1"}]}]}
    clause = clause_save(actor=SYSTEM,
        policy=policy, code="draft-1-05", number=5, title="基数加比例", condition={"certified": "srdi"},
        benefit=benefit, cap=80000,
    )  # fmt: skip
    editor = ClauseForm(clause=clause)
    assert editor.initial["benefit_kind"] == "raw" and "上年度营业收入" in editor.raw_benefit_text()
    form = ClauseForm(post_data(editor) | {"reason": "核对"}, clause=clause)
    assert form.is_valid(), form.errors
    assert form.save_kwargs()["benefit"] == benefit and form.save_kwargs()["cap"] == 80000
