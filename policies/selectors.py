"""Reads of the policy catalogue and the matches, and the explanations officials act on."""

import dataclasses
import datetime as dt
import decimal
from typing import Any

import polars as pl
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.figures import Where
from core.history import history_of
from enterprises.models import Enterprise, Industry
from enterprises.selectors import enterprise_get, enterprise_list, register_snapshot
from org.actor import actor_of
from org.models import Division, Role
from policies.jsonlogic import attributes as A
from policies.jsonlogic.compile_polars import Clause, Compiler, compile_plan, prepare
from policies.jsonlogic.reference import evaluate
from policies.jsonlogic.render import DIVISIONS as RENDER_DIVISIONS
from policies.jsonlogic.render import INDUSTRIES as RENDER_INDUSTRIES
from policies.jsonlogic.render import render_amount, render_both
from policies.jsonlogic.validate import attributes_used, op_of
from policies.models import (
    Application,
    ApplicationDecision,
    ClauseMode,
    ClauseVersion,
    Comment,
    Consultation,
    Grant,
    GrantBatch,
    GrantBatchLine,
    GrantBatchStatus,
    Match,
    MatchResult,
    Notification,
    Policy,
    PolicyClause,
    PolicyStatus,
)

OUTCOME = {True: "pass", False: "fail", None: "unknown"}


def amount_rule(benefit: Any, cap: Any = None) -> Any:
    """The amount as one JSON Logic formula: the benefit, capped."""
    if benefit is None:
        return None
    return {"min": [benefit, float(cap)]} if cap is not None else benefit


def consultation_invited_as(*, consultation: Consultation, user) -> dict[str, Any] | None:
    """How ``user`` was invited: {"direct": bool, "enterprises": [names]}, or None when not invited."""
    if not getattr(user, "is_authenticated", False):
        return None
    direct = consultation.invited_users.filter(pk=user.pk).exists()
    names = list(consultation.invited_enterprises.filter(members=user).order_by("name").values_list("name", flat=True))
    if not direct and not names:
        return None
    return {"direct": direct, "enterprises": names}


def policy_list() -> QuerySet[Policy]:
    return Policy.objects.prefetch_related("clauses")


def clause_list(*, published_only: bool = False) -> QuerySet[PolicyClause]:
    qs = PolicyClause.objects.select_related("policy")
    return qs.filter(policy__status=PolicyStatus.PUBLISHED) if published_only else qs


def matches_for_enterprise(*, credit_code: str) -> QuerySet[Match]:
    return Match.objects.filter(credit_code=credit_code).select_related("clause__policy").order_by("clause__code")


def conditions_of(rule: Any) -> list[Any]:
    """The conditions an official checks one by one: the parts of a top-level "and"."""
    parsed = op_of(rule)
    return list(parsed[1]) if parsed and parsed[0] == "and" else [rule]


def _actual(row: dict, name: str, reference_date: dt.date):
    value = row.get(A.resolve(name, reference_date))
    return value.isoformat() if isinstance(value, dt.date) else value


def clause_explain(*, row: dict, clause: PolicyClause, reference_date: dt.date) -> dict[str, Any]:
    """For one enterprise (a snapshot row) and one clause: each condition with the enterprise's
    actual values, pass / fail / unknown, and the overall result with the amount."""
    conditions = []
    for part in conditions_of(clause.condition):
        outcome = evaluate(part, row, reference_date)
        conditions.append({
            "condition": part,
            "text": render_both(part),
            "values": {name: _actual(row, name, reference_date) for name in attributes_used(part)},
            "outcome": OUTCOME[outcome.value],
            "missing": list(outcome.missing),
        })  # fmt: skip
    overall = evaluate(clause.condition, row, reference_date)
    amount = None
    if overall.value and clause.benefit is not None:
        amount = evaluate(amount_rule(clause.benefit, clause.cap), row, reference_date).value
    return {
        "clause": clause.code,
        "credit_code": row.get("credit_code"),
        "result": {True: "eligible", False: "ineligible", None: "unknown"}[overall.value],
        "amount": amount,
        "missing": list(overall.missing),
        "conditions": conditions,
    }


def near_misses(*, frame: pl.DataFrame, clause: PolicyClause, reference_date: dt.date) -> pl.DataFrame:
    """Enterprises eligible but for one condition: exactly one of the clause's conditions fails and
    every other one passes. Columns: credit_code, failed (the index of the failing condition),
    failed_text (the condition as a sentence)."""
    parts = conditions_of(clause.condition)
    compiler = Compiler(reference_date, frame.schema)
    exprs = [compiler.expr(p).alias(f"c{i}") for i, p in enumerate(parts)]
    wide = frame.lazy().select([pl.col("credit_code"), *exprs])
    fails = pl.sum_horizontal([(~pl.col(f"c{i}")).fill_null(False).cast(pl.Int32) for i in range(len(parts))])
    passes = pl.sum_horizontal([pl.col(f"c{i}").fill_null(False).cast(pl.Int32) for i in range(len(parts))])
    failed = pl.coalesce([pl.when(~pl.col(f"c{i}")).then(pl.lit(i)) for i in range(len(parts))])
    texts = pl.Series([render_both(p)["zh-hans"] for p in parts])
    out = (
        wide.filter((fails == 1) & (passes == len(parts) - 1))
        .select(pl.col("credit_code"), failed.alias("failed"))
        .collect()
    )
    return out.with_columns(
        pl.col("failed").map_elements(lambda i: texts[i], return_dtype=pl.Utf8).alias("failed_text")
    )


# ---------------------------------------------------------------------------------------------
# Catalogue: who may draft and publish, what each user sees, the impact preview

DRAFTER_ROLES = (Role.ADMIN, Role.LEADER, Role.HANDLER)  # draft, edit, consult, answer, draw batches
PUBLISHER_ROLES = (Role.ADMIN, Role.LEADER)


def may_draft(user) -> bool:
    """Draft, edit, open for comment and answer comments, draw a grant batch: administrators (a
    superuser acts as one), leaders and handlers."""
    return actor_of(user).has_role(*DRAFTER_ROLES)


def may_publish(user) -> bool:
    """Publish, amend, approve any grant batch: administrators and leaders."""
    return actor_of(user).has_role(*PUBLISHER_ROLES)


def policy_expired(policy: Policy, today: dt.date | None = None) -> bool:
    """已失效: expired, or published with its expiry date passed (before ``policies_expire`` ran)."""
    if policy.status == PolicyStatus.EXPIRED:
        return True
    return policy.expires_on is not None and policy.expires_on < (today or timezone.localdate())


def may_amend(user, policy: Policy) -> bool:
    """Amend a published policy's clauses (change one, add one): leaders and administrators, while
    the policy is in force."""
    return may_publish(user) and policy.status == PolicyStatus.PUBLISHED and not policy_expired(policy)


def policies_visible(*, user) -> QuerySet[Policy]:
    """Drafters see every policy, drafts included; everyone else the published and expired ones."""
    qs = Policy.objects.all()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs if may_draft(user) else qs.exclude(status=PolicyStatus.DRAFT)


def policy_get(*, user, pk: int) -> Policy:
    """One policy, or 404 (a draft, to anyone but the drafters)."""
    try:
        return policies_visible(user=user).get(pk=pk)
    except Policy.DoesNotExist:
        raise Http404 from None


def clauses_visible(*, user) -> QuerySet[PolicyClause]:
    return PolicyClause.objects.filter(policy__in=policies_visible(user=user)).select_related("policy")


def policies_in_force() -> QuerySet[Policy]:
    """The published policies (what the catalogue's 已发布 tab lists; ``policies_expire`` moves the
    ones past their date to 已失效)."""
    return Policy.objects.filter(status=PolicyStatus.PUBLISHED)


def policy_overview(*, user, status: str = "") -> list[dict[str, Any]]:
    """The list page: each visible policy with its number of clauses, eligible enterprises (stored
    matches, any clause) and total budget."""
    qs = policies_visible(user=user)
    if status:
        qs = qs.filter(status=status)
    qs = qs.annotate(n_clauses=Count("clauses", distinct=True), budget_total=Sum("clauses__budget"))
    drafts_first = Case(When(status=PolicyStatus.DRAFT, then=0), When(status=PolicyStatus.PUBLISHED, then=1), default=2)
    qs = qs.order_by(drafts_first, "-issued_on", "code")
    eligible = dict(
        Match.objects.filter(result=MatchResult.ELIGIBLE, clause__policy__in=qs)
        .values_list("clause__policy")
        .annotate(n=Count("credit_code", distinct=True))
        .values_list("clause__policy", "n")
    )
    today = timezone.localdate()
    return [{"policy": p, "eligible": eligible.get(p.pk, 0), "expired": policy_expired(p, today)} for p in qs]


def clause_rows(*, policy: Policy) -> list[dict[str, Any]]:
    """The clauses of a policy with their condition and benefit as sentences, stored eligible count and history."""
    clauses = list(policy.clauses.prefetch_related("versions__created_by__person"))
    counts = dict(
        Match.objects.filter(clause__in=clauses, result=MatchResult.ELIGIBLE)
        .values_list("clause")
        .annotate(n=Count("pk"))
        .values_list("clause", "n")
    )
    return [
        {
            "clause": c,
            "condition_text": render_both(c.condition),
            "benefit_text": render_both_amount(c.benefit),
            "eligible": counts.get(c.pk, 0),
            "versions": clause_history(clause=c),
        }
        for c in clauses
    ]


def amount_sentence(benefit: Any, cap: Any = None, *, traditional: bool = False) -> str:
    """The benefit as a sentence with its cap (“，最高30万元”) when it has one; "" for no benefit."""
    if benefit is None:
        return ""
    text = render_amount(benefit, traditional=traditional)
    if text and cap is not None:
        text += _("，最高%(cap)s") % {"cap": render_amount(float(cap), traditional=traditional)}
    return text


def _rule_texts(condition: Any, benefit: Any, cap: Any) -> dict[str, str]:
    """A wording's condition and amount as sentences in the active script."""
    amount = {"zh-hans": amount_sentence(benefit, cap), "zh-hant": amount_sentence(benefit, cap, traditional=True)}
    return {"condition": _text(render_both(condition)), "amount": _text(amount)}


def clause_history(*, clause: PolicyClause) -> list[dict[str, Any]]:
    """The clause's versions, newest first: who, when, why, and what changed: each version's condition
    and amount as sentences beside those of the version before it (``before``: None for the first)."""
    versions = list(clause.versions.all())  # newest first; prefetched by clause_rows
    texts = [_rule_texts(v.condition, v.benefit, v.cap) for v in versions]
    rows = []
    for i, v in enumerate(versions):
        before = texts[i + 1] if i + 1 < len(versions) else None
        rows.append({
            "version": v, "current": v.number == clause.version, "after": texts[i], "before": before,
            "condition_changed": before is not None and before["condition"] != texts[i]["condition"],
            "amount_changed": before is not None and before["amount"] != texts[i]["amount"],
            "other_changes": _other_changes(versions[i + 1], v) if i + 1 < len(versions) else [],
        })  # fmt: skip
    return rows


def _other_changes(old, new) -> list[str]:
    """What changed besides the rule, as "field: before → after" lines (title, mode, budget, department)."""

    def shown(version, field: str) -> str:
        value = getattr(version, field)
        if field == "mode":
            return str(ClauseMode(value).label) if value else "—"
        if field == "budget":
            return "—" if value is None else f"{value:,.2f}"
        return value or "—"

    return [
        f"{ClauseVersion._meta.get_field(f).verbose_name}：{shown(old, f)} → {shown(new, f)}"
        for f in ("title", "mode", "budget", "department")
        if getattr(old, f) != getattr(new, f)
    ]


HISTORY_ACTIONS = {
    "create": _lazy("新建"),
    "edit": _lazy("修改"),
    "publish": _lazy("发布"),
    "amend": _lazy("修改已发布条款"),
    "consult": _lazy("征求意见"),
    "expire": _lazy("失效"),
    "approve": _lazy("审批"),
    "reject": _lazy("退回"),
}


def policy_history(*, policy: Policy) -> list[dict[str, Any]]:
    """Who did what to the policy and its clauses, oldest first (``core.history``): when, who (系统 for
    the system), the action, the clause it concerned (None: the policy itself) and the reason."""
    records = history_of(policy).select_related("actor__person")
    policy_type = ContentType.objects.get_for_model(Policy)
    rows = []
    for r in records:
        who = "系统" if r.actor is None else getattr(getattr(r.actor, "person", None), "name", "") or r.actor.username
        on_clause = r.content_type_id != policy_type.pk
        rows.append({"at": r.at, "who": who, "action": HISTORY_ACTIONS.get(r.action, r.action), "reason": r.reason,
                     "clause": r.object_repr if on_clause else None})  # fmt: skip
    return rows


def render_both_amount(benefit: Any) -> dict[str, str]:
    return {"zh-hans": render_amount(benefit), "zh-hant": render_amount(benefit, traditional=True)}


def consultations_of(*, policy: Policy) -> QuerySet[Consultation]:
    return policy.consultations.prefetch_related("invited_users__person", "invited_enterprises")


def consultation_get(*, user, pk: int) -> Consultation:
    """A consultation, for the drafters and the invited (directly, or as a member of an invited
    enterprise); 404 for anyone else."""
    consultation = Consultation.objects.select_related("policy").filter(pk=pk).first()
    if consultation is None:
        raise Http404
    if may_draft(user) or consultation_invited_as(consultation=consultation, user=user) is not None:
        return consultation
    raise Http404


def consultations_invited(*, user) -> QuerySet[Consultation]:
    """The consultations ``user`` is invited to (directly or through an enterprise), on drafts."""
    if not getattr(user, "is_authenticated", False):
        return Consultation.objects.none()
    q = Q(invited_users=user) | Q(invited_enterprises__members=user)
    return (
        Consultation.objects.filter(q, policy__status=PolicyStatus.DRAFT)
        .select_related("policy")
        .distinct()
        .order_by("-closes_on")
    )


def comments_for(*, consultation: Consultation, user) -> QuerySet[Comment]:
    """Drafters see every comment; an invited user their own."""
    qs = consultation.comments.select_related("clause", "author__person", "answered_by__person")
    return qs if may_draft(user) else qs.filter(author=user)


@dataclasses.dataclass(frozen=True)
class Draft:
    """A clause as it would be published: saved, or still in the editor."""

    key: str
    label: str
    condition: Any
    benefit: Any = None
    cap: Any = None
    budget: Any = None


def draft_of(clause: PolicyClause) -> Draft:
    return Draft(clause.code, f"{clause.code} {clause.title}", clause.condition, clause.benefit,
                 clause.cap, clause.budget)  # fmt: skip


def _num(value) -> float | None:
    return None if value is None else float(value)


def impact_preview(*, frame: pl.DataFrame, drafts: list[Draft], reference_date: dt.date) -> dict[str, Any]:
    """How many enterprises the clauses would reach and at what cost, on a register snapshot, with the
    vectorised engine: per clause (eligible, unknown for missing data with the attributes missing most
    often, cost against budget), and all clauses together by county and by industry (GB/T 4754
    section and division). An enterprise is counted once however many clauses it meets; its cost is
    the sum of its amounts. Amounts that cannot be computed (missing figures) are counted apart."""
    clauses = [Clause(d.key, d.condition, amount_rule(d.benefit, d.cap)) for d in drafts]
    prepared = prepare(frame)
    plan = compile_plan(clauses, reference_date, prepared.schema, missing="apart")
    wide, amounts = plan.run_sparse(prepared) if clauses else (pl.DataFrame(), pl.DataFrame(schema={"row": pl.UInt32}))
    text = pl.col("industry_code").cast(pl.Utf8) if "industry_code" in frame.columns else pl.lit(None, pl.Utf8)
    county = pl.col("division_code").cast(pl.Utf8) if "division_code" in frame.columns else pl.lit(None, pl.Utf8)
    per_clause = []
    for i, d in enumerate(drafts):
        r = wide.get_column(f"r{i}")
        eligible, unknown = int(r.fill_null(False).sum()), int(r.is_null().sum())
        if i in plan.formulas:
            a = amounts.get_column(f"a{i}")  # null where not eligible, or where a figure is missing
            cost, cost_unknown = float(a.sum() or 0.0), eligible - int(a.is_not_null().sum())
        else:
            fixed = clauses[i].amount
            cost, cost_unknown = (0.0 if fixed is None else float(fixed) * eligible), 0
        budget = _num(d.budget)
        per_clause.append({
            "key": d.key,
            "label": d.label,
            "eligible": eligible,
            "unknown": unknown,
            "cost": round(cost, 2),
            "cost_unknown": cost_unknown,
            "budget": budget,
            "over_budget": budget is not None and cost > budget,
            "budget_share": None if not budget else round(cost / budget * 100, 1),
            "missing": _missing_top(prepared, r, plan.traces[i]) if unknown else [],
        })  # fmt: skip
    # all clauses together: an enterprise reached once, with the sum of its amounts
    fixed_parts = [
        pl.when(pl.col(f"r{i}").fill_null(False)).then(pl.lit(float(c.amount))).otherwise(pl.lit(0.0))
        for i, c in enumerate(clauses) if i not in plan.formulas and c.amount is not None
    ]  # fmt: skip
    results = [pl.col(f"r{i}") for i in range(len(clauses))]
    per_row = wide.select(
        (pl.any_horizontal([r.fill_null(False) for r in results]) if results else pl.lit(False)).alias("reached"),
        (pl.sum_horizontal(fixed_parts) if fixed_parts else pl.lit(0.0)).alias("amount"),
    ) if results else pl.DataFrame({"reached": [False] * frame.height, "amount": [0.0] * frame.height})  # fmt: skip
    located = frame.select(
        county.str.slice(0, 6).alias("county"), text.str.slice(0, 1).alias("section"),
        text.str.slice(0, 3).alias("industry_division"),
    ).hstack(per_row.get_columns()).with_row_index("row")  # fmt: skip
    if plan.formulas:
        money = amounts.select(pl.col("row"), pl.sum_horizontal([pl.col(f"a{i}") for i in plan.formulas]).alias("f"))
        located = located.join(money, on="row", how="left").with_columns(pl.col("amount") + pl.col("f").fill_null(0.0))
    located = located.filter(pl.col("reached"))
    unknown_any = wide.select(pl.any_horizontal([r.is_null() for r in results])).to_series().sum() if results else 0
    budgets = [c["budget"] for c in per_clause]
    cost_total = round(sum(c["cost"] for c in per_clause), 2)
    budget_total = None if not budgets or any(b is None for b in budgets) else sum(budgets)
    return {
        "enterprises": frame.height,
        "reference_date": reference_date,
        "clauses": per_clause,
        "reached": located.height,
        "unknown": int(unknown_any),
        "cost": cost_total,
        "budget": budget_total,
        "over_budget": budget_total is not None and cost_total > budget_total,
        "by_county": _breakdown(located, "county", _county_names),
        "by_section": _breakdown(located, "section", _industry_names),
        "by_industry": _breakdown(located, "industry_division", _industry_names),
    }


MISSING_SAMPLE_ROWS = 200_000


def _missing_top(frame: pl.DataFrame, result: pl.Series, trace: pl.Expr, top: int = 5) -> list[tuple[str, int]]:
    """The attributes whose missing values most often left the clause unknown (the missing trace, run on
    the unknown rows only; on the first 200,000 of them when there are more)."""
    needed = sorted(set(trace.meta.root_names()) & set(frame.columns))
    rows = pl.DataFrame([result]).hstack(frame.select(needed).get_columns()).filter(pl.col(result.name).is_null())
    names = rows.head(MISSING_SAMPLE_ROWS).select(trace).to_series().str.split(";").explode().drop_nulls()
    counts = names.filter(names != "").value_counts(sort=True).head(top)
    return [(A.get(n).label if A.get(n) else n, c) for n, c in counts.rows()]


def _breakdown(located: pl.DataFrame, key: str, names) -> list[dict[str, Any]]:
    grouped = (
        located.group_by(key)
        .agg(pl.len().alias("eligible"), pl.col("amount").sum().alias("cost"))
        .sort(["eligible", key], descending=[True, False], nulls_last=True)
    )
    codes = [c for c in grouped.get_column(key).to_list() if c]
    labels = names(codes)
    return [
        {"code": code or "", "name": labels.get(code, "") if code else _("未知"), "eligible": n,
         "cost": round(float(cost or 0.0), 2)}
        for code, n, cost in grouped.select(key, "eligible", "cost").rows()
    ]  # fmt: skip


def _county_names(codes: list[str]) -> dict[str, str]:
    names = dict(RENDER_DIVISIONS)
    names.update(dict(Division.objects.filter(code__in=codes).values_list("code", "name")))
    return names


def _industry_names(codes: list[str]) -> dict[str, str]:
    names = dict(RENDER_INDUSTRIES)
    names.update(dict(Industry.objects.filter(full_code__in=codes).values_list("full_code", "name")))
    return names


def impact_compare(*, frame: pl.DataFrame, before: Draft, after: Draft, reference_date: dt.date) -> dict[str, Any]:
    """An amendment's impact: the clause as it stands (``before``) and as edited (``after``), on the same
    snapshot: reach, unknown, cost and budget before → after, and by county (the counties of either,
    the largest change first). ``after`` is the edited clause's whole preview."""
    frame = prepare(frame)  # once for both wordings (a prepared frame passes through)
    old = impact_preview(frame=frame, drafts=[before], reference_date=reference_date)
    new = impact_preview(frame=frame, drafts=[after], reference_date=reference_date)

    def pair(a, b) -> dict[str, Any]:
        return {"before": a, "after": b, "delta": None if a is None or b is None else round(b - a, 2)}

    counties: dict[str, dict[str, Any]] = {}
    for side, impact in (("before", old), ("after", new)):
        for r in impact["by_county"]:
            row = counties.setdefault(r["code"], {"code": r["code"], "name": r["name"], "before": 0, "after": 0,
                                                  "cost_before": 0.0, "cost_after": 0.0})  # fmt: skip
            row[side], row[f"cost_{side}"] = r["eligible"], r["cost"]
    rows = []
    for row in counties.values():
        row["delta"], row["cost_delta"] = row["after"] - row["before"], round(row["cost_after"] - row["cost_before"], 2)
        rows.append(row)
    rows.sort(key=lambda r: (-abs(r["delta"]), -abs(r["cost_delta"]), r["code"] or "~"))
    return {
        "before": old, "after": new,
        "reached": pair(old["reached"], new["reached"]), "unknown": pair(old["unknown"], new["unknown"]),
        "cost": pair(old["cost"], new["cost"]), "budget": pair(old["budget"], new["budget"]),
        "by_county": rows,
    }  # fmt: skip


def impact_of_policy(*, policy: Policy, frame: pl.DataFrame | None = None, reference_date: dt.date | None = None):
    """The impact preview of every clause of a policy on the register snapshot (read now unless given)."""
    if frame is None:
        frame = register_snapshot()
    return impact_preview(frame=frame, drafts=[draft_of(c) for c in policy.clauses.all()],
                          reference_date=reference_date or timezone.localdate())  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Delivery
# Who sees what: enterprise users (Person role SUBMITTER, members of an enterprise) see their own
# enterprise's matches, explanations, notifications and grants; staff see the eligible lists, the
# explanations and the near misses of the enterprises in their division's subtree (enterprises'
# own scope, ``enterprises.selectors.visible_q``). Reads outside the scope are 404.

UNACTIONABLE = {"division_code", "division_path", "industry_code"}


def _text(both: dict[str, str]) -> str:
    """A rendered sentence in the script of the active language."""
    language = (get_language() or "zh-hans").lower()
    return both["zh-hant"] if language.startswith(("zh-hant", "zh-hk", "zh-tw")) else both["zh-hans"]


def attribute_label(name: str) -> str:
    attr = A.get(name)
    return attr.label if attr else name


def display_value(name: str, value: Any) -> str | None:
    """An attribute's value as people read it: size classes in words, money with separators and
    unit, yes/no, tags joined; None stays None (missing)."""
    if value is None:
        return None
    attr = A.get(name)
    if isinstance(value, bool):
        return "是" if value else "否"
    if attr is not None and attr.choices and value in attr.choices:
        return attr.choices[value]
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value) or "—"
    if isinstance(value, int | float | decimal.Decimal):
        unit = attr.unit if attr is not None else ""
        text = f"{value:,.0f}" if unit == "人" or float(value).is_integer() else f"{value:,.2f}"
        return f"{text} {unit}".strip()
    return str(value)


def reference_today() -> dt.date:
    return timezone.localdate()


def is_staff_user(user) -> bool:
    """Officials (every role but enterprises and residents; a superuser acts as an administrator)."""
    return actor_of(user).is_staff_role


def enterprises_of(*, user) -> QuerySet[Enterprise]:
    """The enterprises ``user`` acts for (their enterprise user accounts)."""
    if not getattr(user, "is_authenticated", False):
        return Enterprise.objects.none()
    return Enterprise.objects.filter(members=user).select_related("division", "industry").order_by("name")


def is_enterprise_user(user) -> bool:
    return enterprises_of(user=user).exists()


def my_enterprise(*, user, pk: int | None = None) -> Enterprise | None:
    """The enterprise ``user`` acts for (``pk`` picks one of several); 404 for another's."""
    qs = enterprises_of(user=user)
    if pk is None:
        return qs.first()
    try:
        return qs.get(pk=pk)
    except Enterprise.DoesNotExist:
        raise Http404 from None


def enterprise_row(*, enterprise: Enterprise) -> dict[str, Any]:
    """The enterprise's row of the register snapshot (the same columns and values as
    ``register_snapshot``), read from its own rows: one enterprise does not pay for the snapshot."""
    division = enterprise.division
    row: dict[str, Any] = {
        "credit_code": enterprise.credit_code,
        "name": enterprise.name,
        "industry_code": enterprise.industry.full_code if enterprise.industry_id else None,
        "division_code": division.code if division else None,
        "division_path": division.path if division else None,
        "founded_on": enterprise.founded_on,
        "size_class": enterprise.size_class or None,
        "employees": enterprise.employees,
        "above_scale": enterprise.above_scale,
        "high_tech": enterprise.high_tech,
        "srdi": enterprise.srdi,
        "little_giant": enterprise.little_giant,
        "tags": list(enterprise.tags or []),
    }
    for year in enterprise.years.all():
        for what in ("revenue", "exports", "tax"):
            value = getattr(year, what)
            row[f"{what}_{year.year}"] = None if value is None else float(value)
    return row


def clause_get(*, pk: int, published_only: bool = True) -> PolicyClause:
    qs = clause_list(published_only=published_only)
    try:
        return qs.get(pk=pk)
    except PolicyClause.DoesNotExist:
        raise Http404 from None


def clause_effective_version(clause: PolicyClause) -> str:
    """The rule version the stored matches reflect (the clause's own until the first recompute says)."""
    return clause.matched_version or clause.rule_version


def explanation(*, enterprise: Enterprise, clause: PolicyClause, reference_date: dt.date | None = None) -> dict:
    """``clause_explain`` for a stored enterprise, with labels and sentences in the active script."""
    row = enterprise_row(enterprise=enterprise)
    result = clause_explain(row=row, clause=clause, reference_date=reference_date or reference_today())
    for c in result["conditions"]:
        c["sentence"] = _text(c["text"])
        c["value_list"] = [(attribute_label(k), k, display_value(k, v)) for k, v in c["values"].items()]
        c["missing_labels"] = [attribute_label(m) for m in c["missing"]]
    result["missing_labels"] = [attribute_label(m) for m in result["missing"]]
    result["condition_text"] = _text(render_both(clause.condition))
    return result


def figures_used(*, enterprise: Enterprise, clause: PolicyClause, reference_date: dt.date | None = None) -> list:
    """(label, value) of every attribute the clause's condition and amount read: the figures an
    application carries."""
    ref = reference_date or reference_today()
    row = enterprise_row(enterprise=enterprise)
    names = list(attributes_used(clause.condition))
    if clause.benefit is not None and not isinstance(clause.benefit, int | float):
        names += [n for n in attributes_used(clause.benefit) if n not in names]
    return [(attribute_label(n), display_value(n, _actual(row, n, ref))) for n in names]


def mine_overview(*, enterprise: Enterprise, reference_date: dt.date | None = None) -> dict[str, Any]:
    """ "Policies for me" (我的政策): the enterprise's eligible clauses of published policies with
    amounts, applications and grants; the unknown ones with the data to supply; and the near misses
    (every condition passes but one), from its own row."""
    ref = reference_date or reference_today()
    row = enterprise_row(enterprise=enterprise)
    clauses = [c for c in clause_list(published_only=True) if not policy_expired(c.policy)]  # expiry date passed
    matches = {m.clause_id: m for m in Match.objects.filter(credit_code=enterprise.credit_code, clause__in=clauses)}
    applications = {
        a.clause_id: a for a in Application.objects.filter(enterprise=enterprise).select_related("item", "clause")
    }
    grants = {g.clause_id: g for g in Grant.objects.filter(enterprise=enterprise).select_related("clause")}
    pending = set(
        GrantBatchLine.objects.filter(enterprise=enterprise, batch__status=GrantBatchStatus.DRAFT).values_list(
            "batch__clause_id", flat=True
        )
    )
    eligible, unknown, near = [], [], []
    for clause in clauses:
        match = matches.get(clause.pk)
        entry = {
            "clause": clause,
            "match": match,
            "condition_text": _text(render_both(clause.condition)),
            "application": applications.get(clause.pk),
            "grant": grants.get(clause.pk),
            "pending_batch": clause.pk in pending,
        }
        if match is not None and match.result == MatchResult.ELIGIBLE:
            eligible.append(entry)
        elif match is not None:
            entry["missing_labels"] = [attribute_label(m) for m in match.missing.split(";") if m]
            unknown.append(entry)
        else:
            parts = conditions_of(clause.condition)
            outcomes = [evaluate(p, row, ref).value for p in parts]
            if len(parts) > 1 and outcomes.count(False) == 1 and outcomes.count(True) == len(parts) - 1:
                failed = parts[outcomes.index(False)]
                if set(attributes_used(failed)) <= UNACTIONABLE:
                    continue  # where it is registered, or its trade: nothing the enterprise can act on
                entry["failed_text"] = _text(render_both(failed))
                entry["failed_values"] = [
                    (attribute_label(n), display_value(n, _actual(row, n, ref))) for n in attributes_used(failed)
                ]
                near.append(entry)
    total = sum((e["match"].amount or 0) for e in eligible)
    return {"eligible": eligible, "unknown": unknown, "near": near, "total": total,
            "grants": list(grants.values()), "applications": list(applications.values())}  # fmt: skip


# -- officials: the eligible enterprises of a clause, by division


def scope_root(*, user) -> Division | None:
    """The division whose subtree an official's lists cover: the actor's working division (a
    handler's is their department's division; the city for a superuser without a person); None for
    anybody but staff."""
    actor = actor_of(user)
    return actor.division if actor.is_staff_role else None


def review_scope(actor) -> Division | None:
    """The division whose subtree's enterprises a reviewer decides on: the actor's working division
    (a handler's department's, a leader's own); None (everywhere) for administrators."""
    resolved = actor_of(actor)
    return None if resolved.has_role(Role.ADMIN) else resolved.division


def division_in_scope(*, user, code: str | None) -> Division:
    """The division an official drills down to: within their subtree, else 404."""
    root = scope_root(user=user)
    if root is None:
        raise Http404
    if not code:
        return root
    division = Division.objects.filter(code=code).first()
    if division is None or not division.path.startswith(root.path):
        raise Http404
    return division


def _division_totals(clause: PolicyClause, path_prefix: str) -> list[tuple[str, str, int, decimal.Decimal]]:
    """(division path, result, count, amount) of the clause's stored matches in a subtree."""
    m, e, d = Match._meta.db_table, Enterprise._meta.db_table, Division._meta.db_table
    sql = (
        f"SELECT d.path, m.result, COUNT(*), SUM(m.amount) FROM {m} m "
        f"JOIN {e} e ON e.credit_code = m.credit_code JOIN {d} d ON d.id = e.division_id "
        f"WHERE m.clause_id = %s AND d.path LIKE %s GROUP BY d.path, m.result"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [clause.pk, path_prefix + "%"])
        return [(p, r, int(n), decimal.Decimal(str(s or 0))) for p, r, n, s in cursor.fetchall()]


def clause_division_summary(*, clause: PolicyClause, division: Division) -> dict[str, Any]:
    """The clause's eligible and unknown enterprises in ``division``'s subtree, by its child
    divisions (the counties, from the city): counts and amount totals, against the clause's budget
    (over budget when the eligible total of the whole clause exceeds it)."""
    children = list(Division.objects.filter(parent=division).order_by("code"))
    rows: dict[str, dict[str, Any]] = {
        c.path: {"division": c, "eligible": 0, "amount": decimal.Decimal(0), "unknown": 0} for c in children
    }
    own = {"division": division, "eligible": 0, "amount": decimal.Decimal(0), "unknown": 0}
    for path, result, count, amount in _division_totals(clause, division.path):
        target = own
        for child_path, entry in rows.items():
            if path.startswith(child_path):
                target = entry
                break
        if result == MatchResult.ELIGIBLE:
            target["eligible"] += count
            target["amount"] += amount
        else:
            target["unknown"] += count
    lines = [r for r in rows.values() if r["eligible"] or r["unknown"]]
    if own["eligible"] or own["unknown"]:
        lines.append(own)  # enterprises registered at this level itself
    eligible = sum(r["eligible"] for r in lines)
    amount = sum((r["amount"] for r in lines), decimal.Decimal(0))
    unknown = sum(r["unknown"] for r in lines)
    clause_total = Match.objects.filter(clause=clause, result=MatchResult.ELIGIBLE).aggregate(s=Sum("amount"))["s"]
    clause_total = clause_total or decimal.Decimal(0)
    granted = Grant.objects.filter(clause=clause).aggregate(s=Sum("amount"))["s"] or decimal.Decimal(0)
    budget = clause.budget
    return {
        "lines": lines,
        "eligible": eligible,
        "amount": amount,
        "unknown": unknown,
        "clause_total": clause_total,
        "granted": granted,
        "budget": budget,
        "over_budget": budget is not None and clause_total > budget,
        "shortfall": (clause_total - budget) if budget is not None and clause_total > budget else None,
        "share": (float(clause_total / budget * 100) if budget else None),
    }


def clause_eligible_enterprises(*, clause: PolicyClause, division: Division, result: str = MatchResult.ELIGIBLE):
    """The enterprises of ``division``'s subtree with a stored ``result`` for the clause, with the
    amount and the missing data (annotated), by credit code."""
    matches = Match.objects.filter(clause=clause, result=result, credit_code=OuterRef("credit_code"))
    codes = Match.objects.filter(clause=clause, result=result).values("credit_code")
    return (
        Enterprise.objects.filter(division__path__startswith=division.path, credit_code__in=codes)
        .select_related("division", "industry")
        .annotate(
            match_amount=Subquery(matches.values("amount")[:1]), match_missing=Subquery(matches.values("missing")[:1])
        )
        .order_by("division__path", "credit_code")
    )


def enterprise_for_official(*, user, pk: int) -> Enterprise:
    """An enterprise an official (or its own enterprise user) may see; 404 outside the scope."""
    return enterprise_get(user=user, pk=pk)


def clause_near_misses(*, clause: PolicyClause, division: Division, reference_date: dt.date | None = None) -> list:
    """The clause's near misses in ``division``'s subtree: (enterprise, failing condition text)."""
    frame = register_snapshot()
    frame = frame.filter(pl.col("division_path").str.starts_with(division.path))
    if frame.height == 0 or len(conditions_of(clause.condition)) < 2:
        return []
    out = near_misses(frame=frame, clause=clause, reference_date=reference_date or reference_today())
    texts = {i: _text(render_both(p)) for i, p in enumerate(conditions_of(clause.condition))}
    failed = dict(zip(out["credit_code"].to_list(), out["failed"].to_list(), strict=True))
    enterprises = Enterprise.objects.filter(credit_code__in=list(failed)).select_related("division")
    return [(e, texts[failed[e.credit_code]]) for e in enterprises.order_by("division__path", "credit_code")]


# -- notifications


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(enterprise__members=user).select_related("clause__policy", "enterprise")


def notification_unread_count(*, user) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).count()


# -- grant batches


may_create_batch = may_draft  # draw a grant batch: the drafters (handlers, leaders, administrators)


def may_approve_batch(user, clause: PolicyClause) -> bool:
    """Leaders and administrators approve any batch; a handler only the batches of a clause whose
    paying department (``clause.department``) is their own department, by id (names are not unique)."""
    if may_publish(user):
        return True
    actor = actor_of(user)
    return (
        actor.has_role(Role.HANDLER)
        and actor.department is not None
        and clause.department_id is not None
        and actor.department.pk == clause.department_id
    )


def batch_list(*, clause: PolicyClause | None = None) -> QuerySet[GrantBatch]:
    """Grant batches (of one clause, or all), newest first, with their line count, total and
    number of grants made (as subqueries: a join on grants would multiply the lines' sum)."""
    granted = Grant.objects.filter(batch=OuterRef("pk")).values("batch").annotate(n=Count("pk")).values("n")
    qs = GrantBatch.objects.filter(clause=clause) if clause is not None else GrantBatch.objects.all()
    return (
        qs.select_related("clause__policy", "created_by__person", "reviewed_by__person")
        .annotate(line_count=Count("lines"), total=Sum("lines__amount"), granted_count=Coalesce(Subquery(granted), 0))
        .order_by("-created_at", "-pk")
    )


def batch_get(*, pk: int) -> GrantBatch:
    try:
        return GrantBatch.objects.select_related("clause__policy", "created_by__person", "reviewed_by__person").get(
            pk=pk
        )
    except GrantBatch.DoesNotExist:
        raise Http404 from None


def batch_totals(*, batch: GrantBatch) -> dict[str, Any]:
    sums = batch.lines.aggregate(s=Sum("amount"), n=Count("pk"))
    total = sums["s"] or decimal.Decimal(0)
    granted = Grant.objects.filter(clause_id=batch.clause_id).aggregate(s=Sum("amount"))["s"] or decimal.Decimal(0)
    budget = batch.clause.budget
    remaining = None if budget is None else budget - granted
    return {"total": total, "count": sums["n"], "granted": granted, "budget": budget, "remaining": remaining,
            "over": remaining is not None and batch.status == GrantBatchStatus.DRAFT and total > remaining}  # fmt: skip


# -- applications (依申请) and their decisions


def application_list(*, user) -> QuerySet[Application]:
    """The applications ``user`` may read: of the enterprises in their scope (staff: their
    division's subtree; an enterprise user: their own enterprises)."""
    return (
        Application.objects.filter(enterprise__in=enterprise_list(user=user))
        .select_related(
            "clause__policy",
            "enterprise__division",
            "item",
            "submitted_by",
            "grant",
            "decided_by__person__department",
            "decided_by__person__division",
        )  # decider_label, no N+1
        .order_by("-submitted_at", "-pk")
    )


def application_get(*, user, pk: int) -> Application:
    """One application, or 404 when it does not exist or lies outside the user's scope."""
    try:
        return application_list(user=user).get(pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None


def clause_applications(*, clause: PolicyClause, division: Division) -> QuerySet[Application]:
    """The clause's applications from the enterprises of ``division``'s subtree."""
    return (
        Application.objects.filter(clause=clause, enterprise__division__path__startswith=division.path)
        .select_related("enterprise__division", "item", "grant")
        .order_by("-submitted_at", "-pk")
    )


def decider_label(actor) -> str:
    """How a reviewer is named on a decision: name and department (or division)."""
    person = actor_of(actor).person
    if person is None:
        return actor.get_username()
    where = person.department.name if person.department_id else person.division.name
    return f"{person.name}（{where}）"


def application_decision(application: Application) -> dict[str, Any] | None:
    """The decision on an application (approved, amount, reason, by_name, at), or None."""
    if not application.decision:
        return None
    return {
        "approved": application.decision == ApplicationDecision.APPROVED,
        "amount": application.decided_amount,
        "reason": application.decision_reason,
        "by": application.decided_by_id,
        "by_name": decider_label(application.decided_by),
        "at": application.decided_at,
        "recorded_as": application.decision_recorded_as,
    }


def batch_outside_scope(user, batch: GrantBatch) -> bool:
    """Whether the batch has enterprises outside the reviewer's division subtree (a county leader or
    handler reviews only batches that lie wholly within their county; the city reviews any)."""
    scope = review_scope(user)
    return scope is not None and batch.lines.exclude(enterprise__division__path__startswith=scope.path).exists()


def may_decide_application(user, application: Application) -> bool:
    """Whether ``user`` may decide the application now: a reviewer of its clause (as for batches)
    with the enterprise in their subtree, and no decision yet."""
    if application_decision(application) is not None or not may_approve_batch(user, application.clause):
        return False
    scope = review_scope(user)
    division = application.enterprise.division
    return scope is None or (division is not None and division.path.startswith(scope.path))


def clause_overview(*, division: Division) -> list[dict[str, Any]]:
    """Every published clause with its eligible and unknown counts and eligible total in
    ``division``'s subtree, and the clause's budget (over budget: the whole clause's eligible total
    exceeds it)."""
    m, e, d = Match._meta.db_table, Enterprise._meta.db_table, Division._meta.db_table
    sql = (
        f"SELECT m.clause_id, m.result, COUNT(*), SUM(m.amount) FROM {m} m "
        f"JOIN {e} e ON e.credit_code = m.credit_code JOIN {d} d ON d.id = e.division_id "
        f"WHERE d.path LIKE %s GROUP BY m.clause_id, m.result"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [division.path + "%"])
        rows = cursor.fetchall()
    totals = dict(Match.objects.filter(result=MatchResult.ELIGIBLE).values_list("clause_id").annotate(s=Sum("amount")))
    counts: dict[int, dict[str, Any]] = {}
    for clause_id, result, n, s in rows:
        entry = counts.setdefault(clause_id, {"eligible": 0, "amount": decimal.Decimal(0), "unknown": 0})
        if result == MatchResult.ELIGIBLE:
            entry["eligible"] = int(n)
            entry["amount"] = decimal.Decimal(str(s or 0))
        else:
            entry["unknown"] = int(n)
    out = []
    for clause in clause_list(published_only=True):
        entry = counts.get(clause.pk, {"eligible": 0, "amount": decimal.Decimal(0), "unknown": 0})
        total = totals.get(clause.pk) or decimal.Decimal(0)
        over = clause.budget is not None and total > clause.budget
        out.append({"clause": clause, **entry, "clause_total": total, "over_budget": over})
    return out


# -- figures (policies/figures.py): the records behind each delivery figure, by period and division

FIGURE_RECORDS = ("notified", "applications", "grants")


def figure_records(*, what: str, where: Where) -> QuerySet:
    """The records a delivery figure counts, for ``where`` (period, division subtree): the enterprises
    notified of an eligible match (each once), the applications submitted, the grants made."""
    if what == "notified":
        notified = Notification.objects.filter(where.q(at="created_at")).values("enterprise_id")
        return (
            Enterprise.objects.filter(where.q(division="division__path"), pk__in=notified)
            .select_related("division")
            .order_by("division__path", "credit_code")
        )
    if what == "applications":
        return (
            Application.objects.filter(where.q(division="enterprise__division__path", at="submitted_at"))
            .select_related("clause__policy", "enterprise__division")
            .order_by("-submitted_at", "-pk")
        )
    if what == "grants":
        return (
            Grant.objects.filter(where.q(division="enterprise__division__path", at="granted_at"))
            .select_related("clause__policy", "enterprise__division")
            .order_by("-granted_at", "-pk")
        )
    raise Http404
