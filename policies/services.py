"""Every write to the policy catalogue and to the matches.

Recompute has three modes, all writing only what changed (new, changed and vanished matches):
full (every published clause over the whole snapshot), one enterprise (its row only) and one clause
(its column only). Only eligible and unknown results are stored (an absent row means not eligible).
"""

import dataclasses
import datetime as dt
import decimal
import hashlib
import io
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from core.exceptions import ActionRefused, VersionConflict
from org.models import Role
from policies.jsonlogic.compile_polars import Clause, compile_plan, prepare
from policies.jsonlogic.validate import RuleError, check_amount, check_condition
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
    Notification,
    Policy,
    PolicyClause,
    PolicyStatus,
)

DEMO = Path(__file__).resolve().parent / "demo" / "clauses.json"
DRAFTER_ROLES = (Role.ADMIN, Role.LEADER, Role.HANDLER)  # draft, edit, consult, answer
PUBLISHER_ROLES = (Role.ADMIN, Role.LEADER)
security_log = logging.getLogger("grassroots.security")
policy_log = logging.getLogger("grassroots.policies")


def rule_version(condition: Any, benefit: Any, cap: Any = None) -> str:
    """A clause's rule version: a hash of its condition and benefit JSON (16 hex digits)."""
    text = json.dumps({"condition": condition, "benefit": benefit, "cap": None if cap is None else f"{float(cap):.2f}"},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def amount_rule(benefit: Any, cap: Any = None) -> Any:
    """The amount as one JSON Logic formula: the benefit, capped."""
    if benefit is None:
        return None
    return {"min": [benefit, float(cap)]} if cap is not None else benefit


def clause_check(*, condition: Any, benefit: Any = None, cap: Any = None, budget: Any = None) -> None:
    """Raise ValidationError (by field, in Chinese) when a clause cannot be accepted."""
    errors: dict[str, list[str]] = {}
    try:
        check_condition(condition)
    except RuleError as e:
        errors["condition"] = [rule_message(e)]
    try:
        check_amount(benefit)
    except RuleError as e:
        errors["benefit"] = [rule_message(e)]
    for field, value, label in (("cap", cap, _("最高金额")), ("budget", budget, _("资金预算"))):
        if value is not None and decimal.Decimal(str(value)) < 0:
            errors[field] = [_("%(field)s不能为负数。") % {"field": label}]
    if errors:
        raise ValidationError(errors)


_TYPE_NAMES = {  # lazy: translated in the language of the request that shows them
    "number": gettext_lazy("数字"),
    "date": gettext_lazy("日期"),
    "string": gettext_lazy("文本"),
    "boolean": gettext_lazy("是/否判断"),
    "list": gettext_lazy("列表"),
}


def rule_message(error: RuleError) -> str:
    """The validator's message for an editor, in Chinese (the JSON location kept for the advanced view)."""
    m, where = error.message, error.path
    patterns: list[tuple[str, Any]] = [
        (r"cannot compare a date with a (\w+)",
         lambda g: _("不能把日期与%(type)s比较（日期请写作 YYYY-MM-DD）") % {"type": _TYPE_NAMES.get(g[0], g[0])}),
        (r"cannot compare (\w+) with (\w+)",
         lambda g: _("不能把%(a)s与%(b)s比较") % {"a": _TYPE_NAMES.get(g[0], g[0]), "b": _TYPE_NAMES.get(g[1], g[1])}),
        (r"unknown attribute '?([^' ]*)'?", lambda g: _("未知的企业属性“%(name)s”") % {"name": g[0]}),
        (r"unknown operation '?([^' ;]*)'?", lambda g: _("未知的运算“%(op)s”") % {"op": g[0]}),
        (r"the divisor can be zero", lambda g: _("除数可能为零：只能除以非零的固定数（两年之比请用增长率）")),
        (r"impossible range", lambda g: _("范围不可能成立：下限高于上限")),
        (r"is not one of|not among", lambda g: _("取值不在可选范围内")),
        (r"a condition must be true or false", lambda g: _("条件必须是成立或不成立的判断")),
        (r"an amount must be a number", lambda g: _("金额必须是数字或计算公式")),
        (r"a fixed amount cannot be negative", lambda g: _("固定金额不能为负数")),
        (r"GB/T 4754", lambda g: _("行业代码格式不正确（如 C、C17、C171、C1711）")),
        (r"division codes", lambda g: _("区划代码格式不正确（6、9或12位数字）")),
        (r"unknown certification", lambda g: _("未知的认定类型")),
        (r"has_tag takes one tag", lambda g: _("请填写标签")),
        (r"number of years", lambda g: _("年数须为1至100的整数")),
        (r"growth runs from an earlier", lambda g: _("增长率须从较早的年度算到较晚的年度")),
        (r"years are relative|both years", lambda g: _("年度须同为相对年度（本年度、上年度……）或同为具体年份")),
        (r"null|defaults are not allowed", lambda g: _("不能使用空值或默认值（缺失数据不能当作某个值）")),
        (r"only numbers and dates are ordered", lambda g: _("只有数字和日期可以比较大小")),
        (r"takes .* arguments", lambda g: _("参数个数不正确")),
        (r"takes numbers", lambda g: _("计算只能用数字")),
    ]  # fmt: skip
    for pattern, text in patterns:
        found = re.search(pattern, m)
        if found:
            return f"{text(found.groups())}（{where}）"
    return _("规则无法接受：%(message)s") % {"message": str(error)}


def _person(actor):
    from org.selectors import person_of

    return person_of(actor)


def _require(actor, roles, message) -> None:
    """403 (logged) unless the actor holds one of ``roles`` (a superuser without a person may act)."""
    person = _person(actor)
    if person is None and getattr(actor, "is_superuser", False):
        return
    if person is None or person.role not in roles:
        security_log.warning("refused policy action by %s", getattr(actor, "username", actor))
        raise PermissionDenied(message)


def _clause_version_write(clause: PolicyClause, actor, reason: str) -> None:
    """The clause as saved, as its version ``clause.version``: the whole wording, who and why."""
    ClauseVersion.objects.create(
        clause=clause, number=clause.version, rule_version=clause.rule_version, condition=clause.condition,
        benefit=clause.benefit, cap=clause.cap, title=clause.title, mode=clause.mode, budget=clause.budget,
        department=clause.department, created_by=actor, reason=reason,
    )  # fmt: skip


_CLAUSE_STALE = gettext_lazy("该条款已被他人修改，您的修改未保存。请刷新页面查看最新内容后再试。")
_POLICY_STALE = gettext_lazy("该政策已被他人修改，您的操作未保存。请刷新页面查看最新内容后再试。")


def clause_save(*, policy: Policy, code: str, number: int, title: str, condition: Any, benefit: Any = None,
                cap: Any = None, mode: str = ClauseMode.APPLY, budget: Any = None, department: str = "",
                is_example: bool = False, actor=None, reason: str = "", version: int | None = None,
                create: bool = False, today: dt.date | None = None) -> PolicyClause:  # fmt: skip
    """Create or update a clause after validation, in one transaction; its rule version follows its
    condition and benefit, and each new rule is kept as a ClauseVersion (who, when, why).

    With an ``actor`` (pages, API): the actor must be a drafter, the policy a draft, an edit names the
    ``version`` of the clause it started from (stale → VersionConflict, nothing written) and, with
    ``create``, the code must be new. Without one (the demo loader, benchmarks) the clause is upserted.

    An **amendment** (the policy published and not expired; a changed clause or a new one): only a
    leader or an administrator, always with a reason; after commit, when the rule changed or the
    clause is new, its matches are recomputed in the background (one-clause mode), which then
    notifies under the new version. A handler edits drafts only; an expired policy is not changed."""
    clause_check(condition=condition, benefit=benefit, cap=cap, budget=budget)
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": [_("修改原因不能超过200字。")]})
    amend = False
    with transaction.atomic():
        locked_policy = Policy.objects.select_for_update().get(pk=policy.pk)
        if actor is not None:
            _require(actor, DRAFTER_ROLES, _("您的角色不能起草或修改政策条款。"))
            amend = locked_policy.status == PolicyStatus.PUBLISHED
            if amend:
                _amend_check(locked_policy, actor, reason, today or timezone.localdate())
            elif locked_policy.status != PolicyStatus.DRAFT:
                raise ActionRefused(_("该政策已失效，条款不能再修改。"))
        clause = PolicyClause.objects.select_for_update().filter(code=code).first()
        if clause is not None and (create or clause.policy_id != locked_policy.pk) and actor is not None:
            raise ValidationError({"code": [_("条款编号“%(code)s”已被使用。") % {"code": code}]})
        if version is not None and (clause is None or clause.version != version):
            raise VersionConflict(_CLAUSE_STALE)
        new_rule = rule_version(condition, benefit, cap)
        values = dict(policy=locked_policy, number=number, title=title, condition=condition, benefit=benefit,
                      cap=cap, mode=mode, budget=budget, department=department, is_example=is_example,
                      rule_version=new_rule)  # fmt: skip
        if clause is None:
            clause = PolicyClause.objects.create(code=code, **values)
            _clause_version_write(clause, actor, reason or _("新建条款"))
            if amend:
                _amend_recompute(clause)
            return clause
        if actor is not None and version is not None and not reason:
            raise ValidationError({"reason": [_("请填写修改原因。")]})
        if not _clause_differs(clause, values):
            return clause  # saved as it stands: no new version
        rule_changed = clause.rule_version != new_rule
        current = clause.version
        for k, v in values.items():
            setattr(clause, k, v)
        clause.version = current + 1
        fields = {k: getattr(clause, k) for k in values} | {"version": clause.version}
        if PolicyClause.objects.filter(pk=clause.pk, version=current).update(**fields) != 1:
            raise VersionConflict(_CLAUSE_STALE)
        clause.refresh_from_db()
        _clause_version_write(clause, actor, reason)
        if rule_changed and amend:
            _amend_recompute(clause)  # a budget, title or department change alone leaves the matches as they are
    return clause


def _clause_differs(clause: PolicyClause, values: dict[str, Any]) -> bool:
    def same(field: str, new: Any) -> bool:
        old = getattr(clause, field)
        if field in ("cap", "budget"):
            as_money = lambda v: None if v is None else decimal.Decimal(str(v)).quantize(decimal.Decimal("0.01"))  # noqa: E731
            return as_money(old) == as_money(new)
        return old == new or (field == "policy" and old.pk == new.pk)

    return not all(same(k, v) for k, v in values.items())


def _amend_check(policy: Policy, actor, reason: str, today: dt.date) -> None:
    """Refuse an amendment of a published policy's clauses, nothing written: not a leader or an
    administrator (403), the policy's expiry date passed (409), or no reason given (400)."""
    _require(actor, PUBLISHER_ROLES, _("已发布政策的条款只有领导或管理员可以修改。"))
    if policy.expires_on is not None and policy.expires_on < today:
        raise ActionRefused(_("该政策已于%(date)s失效，条款不能再修改。") % {"date": policy.expires_on.isoformat()})
    if not reason:
        raise ValidationError({"reason": [_("修改已发布的条款须填写修改原因。")]})


def _amend_recompute(clause: PolicyClause) -> None:
    """After commit: recompute the amended clause's matches (and notify under its new version)."""
    pk = clause.pk
    transaction.on_commit(lambda: clauses_recompute_enqueue(clause_ids=[pk]))


def policy_save(*, actor, code: str, title: str, issuer: str, issued_on: dt.date, document_number: str = "",
                expires_on: dt.date | None = None, full_text: str = "", policy: Policy | None = None,
                version: int | None = None) -> Policy:  # fmt: skip
    """Create a draft policy, or change a draft's text (``policy`` with the ``version`` the editor saw)."""
    _require(actor, DRAFTER_ROLES, _("您的角色不能起草或修改政策。"))
    errors: dict[str, list[str]] = {}
    if expires_on is not None and expires_on < issued_on:
        errors["expires_on"] = [_("失效日期不能早于发布日期。")]
    if policy is None and Policy.objects.filter(code=code).exists():
        errors["code"] = [_("政策编号“%(code)s”已被使用。") % {"code": code}]
    if errors:
        raise ValidationError(errors)
    values = dict(title=title, issuer=issuer, document_number=document_number, issued_on=issued_on,
                  expires_on=expires_on, full_text=full_text)  # fmt: skip
    with transaction.atomic():
        if policy is None:
            return Policy.objects.create(code=code, status=PolicyStatus.DRAFT, **values)
        locked = Policy.objects.select_for_update().get(pk=policy.pk)
        if version is not None and locked.version != version:
            raise VersionConflict(_POLICY_STALE)
        if locked.status != PolicyStatus.DRAFT:
            raise ActionRefused(_("只有草稿状态的政策可以修改。"))
        Policy.objects.filter(pk=locked.pk).update(version=locked.version + 1, **values)
        locked.refresh_from_db()
    return locked


def policy_publish(*, policy: Policy, actor=None, version: int | None = None, today: dt.date | None = None,
                   recompute: bool = False) -> Policy:  # fmt: skip
    """Publish a draft: every clause is checked again first. With an ``actor`` (a leader or an
    administrator): only a draft, not expired, at the ``version`` the actor saw; every clause's present
    rule is recorded as a version; with ``recompute``, its clauses' matches are enqueued after commit."""
    if actor is not None:
        _require(actor, PUBLISHER_ROLES, _("只有领导或管理员可以发布政策。"))
    today = today or timezone.localdate()
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        if version is not None and policy.version != version:
            raise VersionConflict(_POLICY_STALE)
        if actor is not None:
            if policy.status != PolicyStatus.DRAFT:
                raise ActionRefused(_("只有草稿状态的政策可以发布；该政策的状态为“%(status)s”。")
                                    % {"status": PolicyStatus(policy.status).label})  # fmt: skip
            if policy.expires_on is not None and policy.expires_on < today:
                raise ActionRefused(_("该政策已于%(date)s失效，不能发布。") % {"date": policy.expires_on.isoformat()})
        clauses = list(policy.clauses.all())
        if actor is not None and not clauses:
            raise ActionRefused(_("该政策还没有条款，不能发布。"))
        kept = set(ClauseVersion.objects.filter(clause__in=clauses).values_list("clause_id", "rule_version"))
        for clause in clauses:
            clause_check(condition=clause.condition, benefit=clause.benefit, cap=clause.cap, budget=clause.budget)
            if actor is not None and (clause.pk, clause.rule_version) not in kept:
                _clause_version_write(clause, actor, _("发布"))
        policy.status = PolicyStatus.PUBLISHED
        policy.version += 1
        policy.save(update_fields=["status", "version"])
        if recompute and clauses:
            ids = [c.pk for c in clauses]
            transaction.on_commit(lambda: clauses_recompute_enqueue(clause_ids=ids))
    return policy


def clauses_recompute_enqueue(*, clause_ids: list[int]) -> None:
    """Recompute these clauses' matches in the background (``policies.tasks.recompute``)."""
    from policies.tasks import recompute  # the task module imports this one

    recompute.enqueue(clause_ids=list(clause_ids))


def policies_expire(today: dt.date | None = None) -> int:
    """Expire the published policies whose expiry date has passed (``expires_on`` < today): status
    已失效 and the policy's version bumped, each logged (``grassroots.policies``). Running it again
    changes nothing. Returns how many were expired now. What runs ``manage.py policies expire`` and
    the recurring task ``policies.tasks.expire``."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(
            Policy.objects.select_for_update()
            .filter(status=PolicyStatus.PUBLISHED, expires_on__lt=today)
            .order_by("code")
            .values_list("pk", "code", "expires_on")
        )
        Policy.objects.filter(pk__in=[pk for pk, _code, _on in due]).update(
            status=PolicyStatus.EXPIRED, version=F("version") + 1
        )
        for _pk, code, expires_on in due:
            policy_log.info("policy %s expired on %s (run of %s)", code, expires_on.isoformat(), today.isoformat())
    return len(due)


# Consultation (征求意见)


def consultation_open(*, policy: Policy, actor, opens_on: dt.date, closes_on: dt.date, users=(),
                      enterprises=(), today: dt.date | None = None) -> Consultation:  # fmt: skip
    """Open a draft for comment by invited users (associations) and enterprises (their members)."""
    _require(actor, DRAFTER_ROLES, _("您的角色不能发起征求意见。"))
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if closes_on < opens_on:
        errors["closes_on"] = [_("截止日期不能早于开始日期。")]
    elif closes_on < today:
        errors["closes_on"] = [_("截止日期不能早于今天。")]
    if not users and not enterprises:
        errors["invited_users"] = [_("请至少邀请一个用户或一家企业。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Policy.objects.select_for_update().get(pk=policy.pk)
        if locked.status != PolicyStatus.DRAFT:
            raise ActionRefused(_("只有草稿状态的政策可以征求意见。"))
        consultation = Consultation.objects.create(policy=locked, opens_on=opens_on, closes_on=closes_on,
                                                   created_by=actor)  # fmt: skip
        consultation.invited_users.set(users)
        consultation.invited_enterprises.set(enterprises)
    return consultation


def comment_add(*, consultation: Consultation, actor, text: str, clause: PolicyClause | None = None,
                on_behalf_of: str = "", today: dt.date | None = None) -> Comment:  # fmt: skip
    """An invited user's comment on the draft or on one of its clauses, while the consultation is open.
    An enterprise's member comments on behalf of that enterprise; a user invited directly names the
    association they speak for (or none)."""
    today = today or timezone.localdate()
    invited_for = consultation_invited_as(consultation=consultation, user=actor)
    if invited_for is None:
        raise PermissionDenied(_("您未受邀对该政策草案提出意见。"))
    if today < consultation.opens_on:
        raise ActionRefused(
            _("征求意见将于%(date)s开始，届时才能提交意见。") % {"date": consultation.opens_on.isoformat()}
        )
    if today > consultation.closes_on:
        raise ActionRefused(
            _("征求意见已于%(date)s截止，不再接收意见。") % {"date": consultation.closes_on.isoformat()}
        )
    text = (text or "").strip()
    on_behalf_of = (on_behalf_of or "").strip()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["text"] = [_("请填写意见。")]
    elif len(text) > 5000:
        errors["text"] = [_("意见不能超过5000字。")]
    if clause is not None and clause.policy_id != consultation.policy_id:
        errors["clause"] = [_("该条款不属于本政策。")]
    enterprise_names = invited_for["enterprises"]
    if enterprise_names and not invited_for["direct"]:
        on_behalf_of = on_behalf_of or enterprise_names[0]
        if on_behalf_of not in enterprise_names:
            errors["on_behalf_of"] = [_("只能代表您所在的受邀企业提出意见。")]
    if len(on_behalf_of) > 200:
        errors["on_behalf_of"] = [_("代表单位不能超过200字。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Policy.objects.select_for_update().get(pk=consultation.policy_id)
        if locked.status != PolicyStatus.DRAFT:
            raise ActionRefused(_("该政策已不是草稿，征求意见已结束。"))
        return Comment.objects.create(consultation=consultation, clause=clause, author=actor,
                                      on_behalf_of=on_behalf_of, text=text)  # fmt: skip


def comment_answer(*, comment: Comment, actor, answer: str, adopted: bool | None) -> Comment:
    """The drafters' answer to a comment, and whether it was adopted."""
    _require(actor, DRAFTER_ROLES, _("您的角色不能答复意见。"))
    answer = (answer or "").strip()
    errors: dict[str, list[str]] = {}
    if not answer:
        errors["answer"] = [_("请填写答复。")]
    if adopted is None:
        errors["adopted"] = [_("请选择是否采纳。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        locked.answer, locked.adopted = answer, adopted
        locked.answered_at, locked.answered_by = timezone.now(), actor
        locked.save(update_fields=["answer", "adopted", "answered_at", "answered_by"])
    return locked


def consultation_invited_as(*, consultation: Consultation, user) -> dict[str, Any] | None:
    """How ``user`` was invited: {"direct": bool, "enterprises": [names]}, or None when not invited."""
    if not getattr(user, "is_authenticated", False):
        return None
    direct = consultation.invited_users.filter(pk=user.pk).exists()
    names = list(consultation.invited_enterprises.filter(members=user).order_by("name").values_list("name", flat=True))
    if not direct and not names:
        return None
    return {"direct": direct, "enterprises": names}


def demo_load(*, path: Path = DEMO, publish: bool = True) -> list[Policy]:
    """The six demo packages (75 clauses), written for the demo and marked as examples."""
    data = json.loads(path.read_text())
    policies = []
    with transaction.atomic():
        for p in data["policies"]:
            policy, _ = Policy.objects.update_or_create(
                code=p["code"],
                defaults=dict(
                    title=p["title"],
                    issuer=p["issuer"],
                    document_number=p.get("document_number", ""),
                    issued_on=dt.date.fromisoformat(p["issued_on"]),
                    full_text=p.get("full_text", ""),
                    is_example=True,
                ),  # fmt: skip
            )
            for c in p["clauses"]:
                clause_save(policy=policy, code=c["id"], number=c["number"], title=c["title"],
                            condition=c["condition"], benefit=c.get("benefit"), cap=c.get("cap"),
                            mode=c.get("mode", ClauseMode.APPLY), budget=c.get("budget"),
                            department=c.get("department", ""), is_example=True)  # fmt: skip
            if publish:
                policy_publish(policy=policy)
            policies.append(policy)
    return policies


# ---------------------------------------------------------------------------------------------
# Recompute
#
# A clause's stored rows are summed up by ``matches_digest`` (order-independent hashes of their
# content: clause, enterprise, result, amount, missing) and ``matched_version`` (the rule version
# they reflect). A row's ``rule_version`` is the version under which it was last written: a row
# whose result, amount and missing data stay the same under a new version is not rewritten.
#
# To know what changed without reading the stored rows back, the recompute evaluates what it can
# prove is stored: when the clause changed since its last recompute, its previous wording (the
# ClauseVersion of ``matched_version``) on the same snapshot; when that computation's digest equals
# the stored digest, the diff is in memory. Else (the register changed too, or no earlier version
# is kept) the clause's rows are read back. A whole recompute goes by groups of clauses (about
# GROUP_ROWS matches each), each evaluated, diffed and written in turn, so that memory holds one
# group's matches at a time.

GROUP_ROWS = 1_500_000  # matches per group in a whole recompute (as last stored; a clause never split)
GROUP_CLAUSES = 25


@dataclasses.dataclass(frozen=True)
class _Rule:
    """An earlier wording of a clause (a ClauseVersion), evaluated under the clause's id."""

    pk: int
    rule_version: str
    condition: Any
    benefit: Any = None
    cap: Any = None


def engine_clauses(clauses) -> list[Clause]:
    return [Clause(str(c.pk), c.condition, amount_rule(c.benefit, c.cap)) for c in clauses]


class _Evaluated:
    """Every rule's result over the snapshot, from one compiled plan (so that what rules share, such as
    a clause's old and new wordings, is evaluated once); each rule's stored form is then built on
    demand, with the missing trace run on its stored rows only."""

    def __init__(self, frame: pl.DataFrame, rules, reference_date: dt.date):
        self.rules = list(rules)
        self.frame = prepare(frame)
        self.plan = compile_plan(engine_clauses(self.rules), reference_date, self.frame.schema, missing="apart")
        self.wide, self.amounts = self.plan.run_sparse(self.frame)

    def stored_counts(self) -> list[int]:
        """How many rows each rule stores (eligible or unknown)."""
        if not self.rules:
            return []
        row = self.wide.select(
            [(pl.col(f"r{i}").is_null() | pl.col(f"r{i}").fill_null(False)).sum() for i in range(len(self.rules))]
        ).row(0)
        return [int(n) for n in row]

    def parts(self, indices) -> list[pl.DataFrame]:
        """The stored form (clause_id, credit_code, result, amount, missing) of these rules, after
        ``row``: the enterprise's row in the snapshot."""
        plan, frame, wide = self.plan, self.frame, self.wide
        codes = frame.get_column("credit_code")  # the snapshot's (one block), not the result's (chunked)
        parts = []
        for i in indices:
            r = wide.get_column(f"r{i}")
            rows = (r.is_null() | r.fill_null(False)).arg_true().alias("row")  # stored: eligible or unknown
            trace = plan.traces[i]
            needed = sorted(set(trace.meta.root_names()) & set(frame.columns))
            picked = [r.gather(rows).alias(f"r{i}"), codes.gather(rows)]
            picked += [frame.get_column(n).gather(rows) for n in needed]
            sub = pl.DataFrame([rows, *picked])  # the trace runs on these rows only
            part = sub.lazy().select(
                pl.col("row"),
                pl.lit(self.rules[i].pk, dtype=pl.Int64).alias("clause_id"),
                pl.col("credit_code"),
                pl.when(pl.col(f"r{i}")).then(pl.lit("eligible")).otherwise(pl.lit("unknown")).alias("result"),
                (pl.lit(None, dtype=pl.Float64) if i in plan.formulas else plan.amount_of(i)).alias("amount"),
                trace.alias("missing"),
            )
            if i in plan.formulas:
                money = self.amounts.lazy().select(pl.col("row"), pl.col(f"a{i}").alias("formula"))
                part = part.join(money, on="row", how="left").with_columns(pl.col("formula").alias("amount"))
            parts.append(
                part.select(
                    pl.col("row"), pl.col(_KEYS), pl.col("result"), pl.col("amount").round(2), pl.col("missing")
                )
            )
        return pl.collect_all(parts) if parts else []

    def pair(self, i: int, o: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """A clause (rule ``i``) and its previous wording (rule ``o``) in one pass over the rows
        either stores: (new part, old part, rows to write, keys to delete), the parts as ``parts``
        gives them and the diff as ``matches_diff`` on them."""
        plan, frame, wide = self.plan, self.frame, self.wide
        rn, ro = wide.get_column(f"r{i}"), wide.get_column(f"r{o}")
        rows = ((rn.is_null() | rn.fill_null(False)) | (ro.is_null() | ro.fill_null(False))).arg_true().alias("row")
        roots = set(plan.traces[i].meta.root_names()) | set(plan.traces[o].meta.root_names())
        picked = [rn.gather(rows).alias(f"r{i}"), ro.gather(rows).alias(f"r{o}")]
        picked += [frame.get_column(n).gather(rows) for n in sorted({"credit_code"} | (roots & set(frame.columns)))]
        lazy = pl.DataFrame([rows, *picked]).lazy()
        formulas = [k for k in (i, o) if k in plan.formulas]
        if formulas:
            lazy = lazy.join(self.amounts.lazy().select("row", *[f"a{k}" for k in formulas]), on="row", how="left")

        def columns(k: int, tag: str) -> list[pl.Expr]:
            r = pl.col(f"r{k}")
            stored = r.is_null() | r.fill_null(False)
            amount = pl.col(f"a{k}") if k in plan.formulas else plan.amount_of(k)
            return [
                stored.alias(f"s_{tag}"),
                pl.when(r).then(pl.lit("eligible")).otherwise(pl.lit("unknown")).alias(f"result_{tag}"),
                pl.when(stored).then(amount.round(2)).alias(f"amount_{tag}"),
                pl.when(stored).then(plan.traces[k]).alias(f"missing_{tag}"),
            ]

        both = lazy.select("row", "credit_code", *columns(i, "new"), *columns(o, "old")).collect()
        clause_id = pl.lit(self.rules[i].pk, dtype=pl.Int64).alias("clause_id")

        def part(tag: str, where: pl.Expr, *extra: pl.Expr) -> pl.DataFrame:
            return both.filter(where).select(
                pl.col("row"),
                clause_id,
                pl.col("credit_code"),
                *[pl.col(f"{v}_{tag}").alias(v) for v in _VALUES],
                *extra,
            )

        new, old = pl.col("s_new"), pl.col("s_old")
        changed = ~old
        for v in _VALUES:
            changed = changed | pl.col(f"{v}_new").ne_missing(pl.col(f"{v}_old"))
        upserts = part("new", new & changed, old.alias("_update")).drop("row")
        deletes = both.filter(old & ~new).select(clause_id, pl.col("credit_code"))
        return part("new", new), part("old", old), upserts, deletes


def matches_compute(frame: pl.DataFrame, clauses, reference_date: dt.date) -> pl.DataFrame:
    """The stored form of the results: clause_id, credit_code, result, amount, missing, for eligible
    and unknown results only."""
    clauses = list(clauses)
    parts = _Evaluated(frame, clauses, reference_date).parts(range(len(clauses))) if clauses else []
    return pl.concat(parts).drop("row") if parts else _empty()


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=_SCHEMA)


_SCHEMA = {"clause_id": pl.Int64, "credit_code": pl.Utf8, "result": pl.Utf8, "amount": pl.Float64,
           "missing": pl.Utf8}  # fmt: skip
_KEYS = ["clause_id", "credit_code"]
_VALUES = ["result", "amount", "missing"]


def _existing(clause_ids: list[int], credit_codes: list[str] | None) -> pl.DataFrame:
    if connection.vendor == "postgresql" and credit_codes is None:
        ids = ",".join(str(int(i)) for i in clause_ids) or "NULL"
        sql = (f"COPY (SELECT clause_id, credit_code, result, amount::float8, missing FROM "
               f"policies_match WHERE clause_id IN ({ids})) TO STDOUT WITH (FORMAT csv)")  # fmt: skip
        buf = io.BytesIO()
        with connection.cursor() as cur, cur.connection.cursor().copy(sql) as copy:
            for block in copy:
                buf.write(block)
        if not buf.tell():
            return _empty()
        buf.seek(0)
        frame = pl.read_csv(buf, has_header=False, new_columns=list(_SCHEMA), schema_overrides=_SCHEMA)
        del buf
        return frame.with_columns(pl.col("missing").fill_null(""))
    qs = Match.objects.filter(clause_id__in=clause_ids)
    if credit_codes is not None:
        qs = qs.filter(credit_code__in=credit_codes)
    rows = list(qs.values_list("clause_id", "credit_code", "result", "amount", "missing"))
    rows = [(a, b, c, None if d is None else float(d), e) for a, b, c, d, e in rows]
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row") if rows else _empty()


def matches_diff(new: pl.DataFrame, old: pl.DataFrame, on: list[str] = _KEYS) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows to write: new or changed, keys to delete: stored but no longer eligible nor unknown),
    from one full join ``on`` (clause and enterprise; or the snapshot's ``row`` when both sides were
    computed from the same snapshot). The rows to write say whether a row is there already
    (``_update``) or is new."""
    joined = new.with_columns(pl.lit(True).alias("_new")).join(
        old.with_columns(pl.lit(True).alias("_old")), on=on, how="full", coalesce=True, suffix="_old"
    )
    changed = pl.lit(False)
    for v in _VALUES:
        changed = changed | pl.col(v).ne_missing(pl.col(f"{v}_old"))
    upserts = joined.filter(pl.col("_new").fill_null(False) & changed).select(
        *_SCHEMA, pl.col("_old").fill_null(False).alias("_update")
    )
    deletes = joined.filter(pl.col("_new").is_null()).select(
        [pl.col(k) if k in on else pl.col(f"{k}_old").alias(k) for k in _KEYS]
    )
    return upserts, deletes


def _write(upserts: pl.DataFrame, deletes: pl.DataFrame, computed_at, versions: dict[int, str]) -> None:
    """Write the changes; each written row carries its clause's current rule version (``versions``)."""
    if connection.vendor == "postgresql" and upserts.height + deletes.height > 200:
        return _write_pg(upserts, deletes, computed_at, versions)  # else a few statements do
    with transaction.atomic():
        for clause_id, group in deletes.group_by("clause_id"):
            codes = group["credit_code"].to_list()
            for start in range(0, len(codes), 1000):
                Match.objects.filter(clause_id=clause_id[0], credit_code__in=codes[start : start + 1000]).delete()
        objs = [
            Match(
                clause_id=c,
                credit_code=cc,
                result=r,
                amount=None if a is None else decimal.Decimal(str(a)),
                missing=m or "",
                rule_version=versions[c],
                computed_at=computed_at,
            )  # fmt: skip
            for c, cc, r, a, m in upserts.select(list(_SCHEMA)).iter_rows()
        ]
        Match.objects.bulk_create(
            objs,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["clause", "credit_code"],
            update_fields=["result", "amount", "missing", "rule_version", "computed_at"],
        )


def _copy_in(cur, table: str, frame: pl.DataFrame, rows: int = 200_000) -> None:
    """COPY a frame in slices, so that no more than one slice's CSV is in memory at a time."""
    with cur.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
        for start in range(0, frame.height, rows):
            buf = io.BytesIO()
            frame.slice(start, rows).write_csv(buf, include_header=False, null_value="\\N")
            copy.write(buf.getbuffer())
            del buf


_MATCH_COLUMNS = "clause_id, credit_code, result, amount, missing, rule_version, computed_at"


def _write_pg(upserts: pl.DataFrame, deletes: pl.DataFrame, computed_at, versions: dict[int, str]) -> None:
    """PostgreSQL: vanished rows deleted by key arrays; new rows (known to be absent: ``_update`` is
    false) COPied straight into the table; changed rows (and new ones, should a row be there after all:
    another recompute at the same time) through a temporary table and INSERT … ON CONFLICT."""
    import psycopg

    version = pl.col("clause_id").replace_strict(versions, return_dtype=pl.Utf8).alias("rule_version")
    stamp = pl.lit(computed_at.isoformat()).alias("computed_at")
    known = pl.col("_update") if "_update" in upserts.columns else pl.lit(True)  # not known to be absent
    rows = upserts.select("clause_id", "credit_code", "result", "amount", pl.col("missing").fill_null(""), version,
                          stamp, known.alias("_u"))  # fmt: skip
    with transaction.atomic(), connection.cursor() as django_cur:
        cur = django_cur.connection.cursor()
        # matches are derived data, written with their clauses' digests in one transaction: a crash may
        # lose the last recompute (the next one redoes it), never mix it up, so no wait for the disk
        cur.execute("SET LOCAL synchronous_commit TO OFF")
        for (clause_id,), group in deletes.group_by("clause_id"):
            codes = group.get_column("credit_code").to_list()
            for start in range(0, len(codes), 50_000):
                cur.execute("DELETE FROM policies_match WHERE clause_id = %s AND credit_code = ANY(%s)",
                            [clause_id, codes[start : start + 50_000]])  # fmt: skip
        inserts = rows.filter(~pl.col("_u")).drop("_u")
        updates = rows.filter(pl.col("_u")).drop("_u")
        del rows
        if inserts.height:
            try:
                with transaction.atomic():
                    _copy_in(cur, f"policies_match ({_MATCH_COLUMNS})", inserts)
            except psycopg.errors.UniqueViolation:
                updates = pl.concat([updates, inserts])
        if updates.height:
            cur.execute("CREATE TEMP TABLE _match_up (clause_id bigint, credit_code text, result text, amount numeric, "
                        "missing text, rule_version text, computed_at timestamptz) ON COMMIT DROP")  # fmt: skip
            _copy_in(cur, "_match_up", updates)
            cur.execute(
                f"INSERT INTO policies_match ({_MATCH_COLUMNS}) SELECT {_MATCH_COLUMNS} FROM _match_up "
                "ON CONFLICT (clause_id, credit_code) DO UPDATE SET result = excluded.result, "
                "amount = excluded.amount, missing = excluded.missing, rule_version = excluded.rule_version, "
                "computed_at = excluded.computed_at"
            )
            cur.execute("DROP TABLE _match_up")  # now: an outer transaction may write again


def _row_hashes(frame: pl.DataFrame) -> pl.Series:
    return frame.select(pl.struct([pl.col(c) for c in _SCHEMA]).hash(seed=0)).to_series()


def digest(frame: pl.DataFrame) -> tuple[int, int, int]:
    """(rows, sum of the low 32 bits, sum of the high 32 bits) of the rows' hashes (their content, not
    the rule version): order-independent, without overflow, and updatable row by row."""
    if frame.height == 0:
        return (0, 0, 0)
    h = _row_hashes(frame)
    lo = int((h % (1 << 32)).sum())
    hi = int((h // (1 << 32)).sum())
    return (frame.height, lo, hi)


def _digest_text(d: tuple[int, int, int]) -> str:
    return ":".join(str(x) for x in d)


def _digest_parse(text: str) -> tuple[int, int, int] | None:
    try:
        rows, lo, hi = (int(x) for x in text.split(":"))
        return rows, lo, hi
    except ValueError:
        return None


def matches_recompute(
    *,
    frame: pl.DataFrame,
    reference_date: dt.date,
    clauses=None,
    credit_code: str | None = None,
    credit_codes: list[str] | None = None,
) -> dict[str, Any]:
    """Recompute and store the matches. ``clauses`` (default: every clause of a published policy)
    limits the columns, ``credit_code`` (or ``credit_codes``) the rows. Returns counts and seconds:
    ``written`` and ``deleted`` rows, ``stored`` (the matches now stored for these clauses and rows),
    ``changed_clause_ids`` (the clauses whose stored rows changed) and, for whole clauses,
    ``clauses_changed``, ``clauses_read`` (read back from the database) and ``clauses_diffed``
    (diffed against their previous wording in memory)."""
    started = time.perf_counter()
    if clauses is None:
        clauses = PolicyClause.objects.filter(policy__status=PolicyStatus.PUBLISHED)
    clauses = list(clauses)
    versions = {c.pk: c.rule_version for c in clauses}
    if credit_code is not None or credit_codes is not None:
        codes = sorted({credit_code} if credit_code is not None else set(credit_codes))
        frame = frame.filter(pl.col("credit_code").is_in(codes))
        new = matches_compute(frame, clauses, reference_date)
        old = pl.concat([_existing([c.pk for c in clauses], codes[i : i + 5000]) for i in range(0, len(codes), 5000)]
                        or [_empty()])  # fmt: skip
        upserts, deletes = matches_diff(new, old)
        with transaction.atomic():
            _write(upserts, deletes, timezone.now(), versions)
            changed_ids = set(upserts["clause_id"].to_list()) | set(deletes["clause_id"].to_list())
            _digests_update(clauses, new, old, changed_ids)
        return {"written": upserts.height, "deleted": deletes.height, "stored": new.height,
                "changed_clause_ids": sorted(changed_ids),
                "seconds": round(time.perf_counter() - started, 3)}  # fmt: skip
    previous = _previous_rules(clauses)
    olds = [previous[c.pk] for c in clauses if c.pk in previous]
    counts = {"written": 0, "deleted": 0, "stored": 0, "clauses_changed": 0, "clauses_read": 0, "clauses_diffed": 0,
              "changed_clause_ids": []}  # fmt: skip
    if not clauses:
        counts["seconds"] = round(time.perf_counter() - started, 3)
        return counts
    evaluated = _Evaluated(frame, [*clauses, *olds], reference_date)
    old_index = {rule.pk: len(clauses) + k for k, rule in enumerate(olds)}
    computed_at = timezone.now()
    for group in _groups(clauses, evaluated.stored_counts()):
        _recompute_group(evaluated, [(i, clauses[i], old_index.get(clauses[i].pk)) for i in group], computed_at,
                         counts)  # fmt: skip
    counts["seconds"] = round(time.perf_counter() - started, 3)
    return counts


def matches_refresh(
    *, clause_ids: list[int] | None = None, credit_codes: list[str] | None = None, reference_date: dt.date | None = None
) -> dict[str, Any]:
    """Snapshot the register (only ``credit_codes`` when given) and recompute the published clauses'
    matches (only ``clause_ids`` when given): what the background task and ``manage.py policies
    recompute`` run. Returns the counts, with ``snapshot_s`` and ``enterprises``."""
    from enterprises.selectors import register_snapshot

    started = time.perf_counter()
    clauses = PolicyClause.objects.filter(policy__status=PolicyStatus.PUBLISHED).order_by("pk")
    if clause_ids is not None:
        clauses = clauses.filter(pk__in=clause_ids)
    clauses = list(clauses)
    frame = prepare(register_snapshot(credit_codes=credit_codes))
    snapshot_s = time.perf_counter() - started
    counts = matches_recompute(frame=frame, reference_date=reference_date or timezone.localdate(), clauses=clauses,
                               credit_codes=credit_codes)  # fmt: skip
    return counts | {"clauses": len(clauses), "enterprises": frame.height, "snapshot_s": round(snapshot_s, 3),
                     "seconds": round(time.perf_counter() - started, 3)}  # fmt: skip


def _groups(clauses, stored: list[int]) -> list[list[int]]:
    """Clause indices in groups of about GROUP_ROWS matches (a clause is never split), so that a
    group's matches, new and old, fit in memory."""
    groups, group, rows = [], [], 0
    for i in range(len(clauses)):
        if group and (rows + stored[i] > GROUP_ROWS or len(group) >= GROUP_CLAUSES):
            groups.append(group)
            group, rows = [], 0
        group.append(i)
        rows += stored[i]
    return [*groups, group] if group else groups


def _previous_rules(clauses) -> dict[int, _Rule]:
    """The wording each changed clause's stored matches reflect (its ``matched_version``), when kept."""
    from policies.models import ClauseVersion

    stale = {c.pk: c.matched_version for c in clauses if c.matched_version and c.matched_version != c.rule_version
             and c.matches_digest}  # fmt: skip
    if not stale:
        return {}
    found = ClauseVersion.objects.filter(clause_id__in=list(stale), rule_version__in=set(stale.values()))
    return {v.clause_id: _Rule(v.clause_id, v.rule_version, v.condition, v.benefit, v.cap)
            for v in found if stale[v.clause_id] == v.rule_version}  # fmt: skip


def _recompute_group(evaluated: _Evaluated, group: list[tuple[int, Any, int | None]], computed_at, counts) -> None:
    """One group of (index, clause, index of its previous wording or None): digests, diffs, writes."""
    alone = evaluated.parts([i for i, _c, o in group if o is None])
    new_parts, pairs = [], {}
    for i, _c, o in group:
        if o is None:
            new_parts.append(alone.pop(0))
        else:
            pairs[i] = evaluated.pair(i, o)  # with its previous wording, in one pass, diffed already
            new_parts.append(pairs[i][0])
    upserts, deletes, read_back, touched = [], [], [], []
    for (i, clause, _o), part in zip(group, new_parts, strict=True):
        counts["stored"] += part.height
        now = _digest_text(digest(part))
        if now != clause.matches_digest:
            counts["clauses_changed"] += 1
            counts["changed_clause_ids"].append(clause.pk)
            if i in pairs and _digest_text(digest(pairs[i][1])) == clause.matches_digest:
                upserts.append(pairs[i][2])  # the stored rows are the previous wording's: no read back
                deletes.append(pairs[i][3])
                counts["clauses_diffed"] += 1
            else:
                read_back.append((clause, part))
        if now != clause.matches_digest or clause.matched_version != clause.rule_version:
            clause.matches_digest, clause.matched_version = now, clause.rule_version
            touched.append(clause)
    del pairs, new_parts
    if read_back:
        ids = [c.pk for c, _ in read_back]
        new = pl.concat([p.drop("row") for _, p in read_back])
        del read_back
        up, down = matches_diff(new, _existing(ids, None))
        del new
        upserts.append(up)
        deletes.append(down)
        counts["clauses_read"] += len(ids)
    up = pl.concat(upserts) if upserts else _empty()
    down = pl.concat(deletes) if deletes else _empty().select(_KEYS)
    del upserts, deletes
    counts["written"] += up.height
    counts["deleted"] += down.height
    if up.height or down.height or touched:
        with transaction.atomic():
            _write(up, down, computed_at, {c.pk: c.rule_version for _i, c, _o in group})
            PolicyClause.objects.bulk_update(touched, ["matches_digest", "matched_version"])


def _digests_update(clauses, new: pl.DataFrame, old: pl.DataFrame, changed_ids: set[int] | None = None) -> None:
    """One enterprise's rows changed: move each clause's digest by (new rows − old rows)."""
    touched = []
    for clause in clauses:
        if changed_ids is not None and clause.pk not in changed_ids:
            continue
        stored = _digest_parse(clause.matches_digest)
        if stored is None:
            continue  # never computed in full: the next full recompute reads it back
        n, o = (f.filter(pl.col("clause_id") == clause.pk) for f in (new, old))
        if n.height == 0 and o.height == 0:
            continue
        dn, do = digest(n), digest(o)
        updated = _digest_text(tuple(s + a - b for s, a, b in zip(stored, dn, do, strict=True)))
        if updated != clause.matches_digest:
            clause.matches_digest = updated
            touched.append(clause)
    PolicyClause.objects.bulk_update(touched, ["matches_digest"])


def matches_recompute_enterprise(*, row: dict, reference_date: dt.date, clauses=None) -> dict[str, Any]:
    """One enterprise changed: its results for every clause, written where they changed.

    One row does not pay for a vectorised plan, so this runs the row-by-row reference evaluator,
    which the property tests hold to exactly the engine's results."""
    from policies.jsonlogic.reference import evaluate_clause

    started = time.perf_counter()
    if clauses is None:
        clauses = PolicyClause.objects.filter(policy__status=PolicyStatus.PUBLISHED)
    clauses = list(clauses)
    code = row["credit_code"]
    new = []
    for clause in clauses:
        result, amount, missing = evaluate_clause(clause.condition, amount_rule(clause.benefit, clause.cap), row,
                                                  reference_date)  # fmt: skip
        if result != "ineligible":
            new.append((clause.pk, code, result, None if amount is None else round(amount, 2), ";".join(missing)))
    old_rows = _existing([c.pk for c in clauses], [code]).rows()
    by_key_old = {r[0]: r for r in old_rows}
    by_key_new = {r[0]: r for r in new}
    up_rows = [r for k, r in by_key_new.items() if by_key_old.get(k) != r]  # plain tuples: one row is small
    del_rows = [(k, code) for k in by_key_old if k not in by_key_new]
    upserts = pl.DataFrame(up_rows, schema=_SCHEMA, orient="row") if up_rows else _empty()
    deletes = pl.DataFrame(del_rows, schema={"clause_id": pl.Int64, "credit_code": pl.Utf8}, orient="row")
    new_frame = pl.DataFrame(new, schema=_SCHEMA, orient="row") if new else _empty()
    if up_rows or del_rows:
        old = pl.DataFrame(old_rows, schema=_SCHEMA, orient="row") if old_rows else _empty()
        with transaction.atomic():
            _write(upserts, deletes, timezone.now(), {c.pk: c.rule_version for c in clauses})
            changed_ids = {r[0] for r in up_rows} | {k for k, _ in del_rows}
            _digests_update(clauses, new_frame, old, changed_ids)
    return {"written": upserts.height, "deleted": deletes.height, "stored": new_frame.height,
            "seconds": round(time.perf_counter() - started, 4)}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Delivery: notifications, grant batches, applications


#
# Each action validates, writes and records in one transaction. Rules:
# - an application (依申请) is made by a member of the enterprise, once per clause, only while the
#   enterprise is eligible (evaluated on its register row at the time) and the policy in force; it
#   enters the ledger as an item opened by the 12345 enterprise line's system intake user;
# - a notification is created once per (enterprise, clause, rule version the matches reflect) and
#   emailed once to the enterprise's members that have an address;
# - a grant batch (免申即享) is drawn by staff (handler, leader, administrator) and approved by a
#   leader or administrator, or by a handler of the clause's paying department; approval writes one
#   grant per enterprise and clause (never two), and stops at the budget.

POLICY_CATEGORY = ("0105", "政策兑现", "01", "企业服务")
INTAKE_USERNAME = "policy-12345-enterprise"
INTAKE_NAME = "12345企业服务专线（政策兑现）"


def _in_force(policy: Policy, today: dt.date, what: str) -> None:
    """Refuse when the policy is not published or has expired."""
    if policy.expires_on is not None and policy.expires_on < today:
        raise ActionRefused(
            gettext("政策已于%(date)s失效，不能%(what)s。") % {"date": policy.expires_on.isoformat(), "what": what}
        )
    if policy.status != PolicyStatus.PUBLISHED:
        raise ActionRefused(gettext("政策未发布或已失效，不能%(what)s。") % {"what": what})


def _policy_category():
    from ledger.models import Category

    code, name, parent_code, parent_name = POLICY_CATEGORY
    category = Category.objects.filter(code=code).first() or Category.objects.filter(name=name).first()
    if category is None:
        parent, _ = Category.objects.get_or_create(code=parent_code, defaults={"name": parent_name})
        category = Category.objects.create(code=code, name=name, parent=parent, keywords="补助 奖励 兑现 政策")
    return category


def policy_intake_user(*, division):
    """The system intake user of the city's 12345 enterprise line (a call-taker of the city who
    cannot log in): policy applications enter the ledger through it, as Open311 clients' do."""
    from django.contrib.auth import get_user_model

    from org.models import Division, Role
    from org.services import person_create

    user = get_user_model().objects.filter(username=INTAKE_USERNAME).first()
    if user is not None:
        return user
    city_code = division.path.strip("/").split("/")[0]
    city = Division.objects.get(code=city_code)
    person = person_create(username=INTAKE_USERNAME, password=None, name=INTAKE_NAME[:32], role=Role.CALL_TAKER,
                           division=city)  # fmt: skip
    person.user.set_unusable_password()
    person.user.save(update_fields=["password"])
    return person.user


def _phone_or_blank(value: str) -> str:
    from core.validators import normalize_phone

    try:
        return normalize_phone(value)
    except ValidationError:
        return ""


def application_prefill(*, enterprise, clause: PolicyClause, actor=None,
                        reference_date: dt.date | None = None) -> dict[str, Any]:  # fmt: skip
    """What the one-step application carries, from the register: the enterprise, its contacts (else
    the applying user's own name and phone) and the figures the clause reads."""
    from org.selectors import person_of
    from policies.selectors import figures_used

    ref = reference_date or timezone.localdate()
    person = person_of(actor) if actor is not None else None
    return {
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "contact_name": enterprise.contact_name or (person.name if person else ""),
        "contact_phone": enterprise.contact_phone or (person.phone if person else ""),
        "address": enterprise.address,
        "division": enterprise.division.name if enterprise.division_id else "",
        "figures": [
            [label, value] for label, value in figures_used(enterprise=enterprise, clause=clause, reference_date=ref)
        ],  # fmt: skip
    }


def application_submit(*, clause: PolicyClause, enterprise, actor, contact_name: str | None = None,
                       contact_phone: str | None = None, note: str = "",
                       reference_date: dt.date | None = None) -> Application:  # fmt: skip
    """Apply for an apply-mode clause (依申请) in one step: the Application and its ledger item
    (opened through ``ledger.services.item_open`` by the 12345 enterprise line's intake user, the
    enterprise user as submitter) in one transaction. Refused: not a member of the enterprise
    (PermissionDenied), a 免申即享 clause, a policy not in force, not eligible now, or applied before."""
    from django.core.exceptions import PermissionDenied

    from ledger import services as ledger
    from ledger.models import Channel, Kind, SubmitterType
    from policies.jsonlogic.reference import evaluate
    from policies.selectors import attribute_label, enterprise_row

    ref = reference_date or timezone.localdate()
    if not enterprise.members.filter(pk=actor.pk).exists():
        raise PermissionDenied(gettext("您不是该企业的企业用户，不能代其申请。"))
    if clause.mode != ClauseMode.APPLY:
        raise ActionRefused(gettext("该条款为免申即享，无需申请，审核后直接兑现。"))
    _in_force(clause.policy, ref, gettext("申请"))
    existing = Application.objects.filter(clause=clause, enterprise=enterprise).select_related("item").first()
    if existing is not None:
        raise ActionRefused(_already_applied(existing))
    row = enterprise_row(enterprise=enterprise)
    outcome = evaluate(clause.condition, row, ref)
    if outcome.value is None:
        labels = "、".join(attribute_label(m) for m in outcome.missing)
        raise ActionRefused(
            gettext("缺少数据（%(missing)s），暂不能判断是否符合条件，请先补充企业信息。") % {"missing": labels}
        )
    if not outcome.value:
        raise ActionRefused(gettext("贵企业不符合该条款的申报条件，不能申请。"))
    amount = None
    if clause.benefit is not None:
        value = evaluate(amount_rule(clause.benefit, clause.cap), row, ref).value
        amount = None if value is None else decimal.Decimal(str(round(value, 2)))
    data = application_prefill(enterprise=enterprise, clause=clause, actor=actor, reference_date=ref)
    if contact_name is not None:
        data["contact_name"] = contact_name.strip()
    if contact_phone is not None:
        data["contact_phone"] = contact_phone.strip()
    data["note"] = (note or "").strip()
    data["amount"] = None if amount is None else str(amount)
    if enterprise.division_id is None:
        raise ValidationError({"enterprise": gettext("企业未登记所在区划，请先补充企业信息。")})
    lines = [
        gettext("政策：%(policy)s") % {"policy": clause.policy.title},
        gettext("条款：%(code)s %(title)s") % {"code": clause.code, "title": clause.title},
        gettext("企业：%(name)s（统一社会信用代码 %(code)s）")
        % {"name": enterprise.name, "code": enterprise.credit_code},
        gettext("联系人：%(name)s %(phone)s")
        % {"name": data["contact_name"] or "—", "phone": data["contact_phone"] or "—"},
        gettext("测算金额：%(amount)s元") % {"amount": data["amount"] or "—"},
        gettext("条件所用数据（来自市场主体名录）："),
        *[f"  {label}：{'—' if value is None else value}" for label, value in data["figures"]],
    ]  # fmt: skip
    if data["note"]:
        lines.append(gettext("企业说明：%(note)s") % {"note": data["note"]})
    try:
        with transaction.atomic():
            item = ledger.item_open(
                actor=policy_intake_user(division=enterprise.division),
                title=gettext("政策兑现申请：%(title)s") % {"title": clause.title},
                description="\n".join(lines),
                kind=Kind.REQUEST,
                channel=Channel.APP,
                category=_policy_category(),
                division=enterprise.division,
                submitter_type=SubmitterType.ENTERPRISE,
                submitter_name=data["contact_name"][:32],
                submitter_phone=_phone_or_blank(data["contact_phone"]),
                enterprise_name=enterprise.name,
                enterprise_credit_code=enterprise.credit_code,
                address=enterprise.address,
                submitter_user=actor,
            )
            return Application.objects.create(
                clause=clause,
                enterprise=enterprise,
                item=item,
                amount=amount,
                rule_version=clause.rule_version,
                data=data,
                submitted_by=actor,
            )
    except IntegrityError:  # applied at the same moment in another request
        existing = Application.objects.filter(clause=clause, enterprise=enterprise).select_related("item").first()
        raise ActionRefused(_already_applied(existing)) from None


def _already_applied(application: Application | None) -> str:
    if application is None:
        return gettext("贵企业已申请过该条款，不能重复申请。")
    return gettext("贵企业已于%(date)s申请过该条款（台账事项 %(number)s），不能重复申请。") % {
        "date": timezone.localtime(application.submitted_at).strftime("%Y-%m-%d"),
        "number": application.item.number,
    }


# -- notifications


def notify_matches(clause_ids: list[int] | None = None) -> dict[str, Any]:
    """Push the eligible matches of published clauses (``clause_ids``: only these) as notifications:
    one per (enterprise, clause, rule version the stored matches reflect), never twice (the unique
    constraint, written with INSERT … ON CONFLICT DO NOTHING in bulk). The notifications created by
    this run are then emailed, one message per enterprise, to its members that have an address, and
    the addresses recorded (``emailed_to``). A new rule version notifies again. Returns counts."""
    from django.core import mail

    started = time.perf_counter()
    since = timezone.now()
    clauses = PolicyClause.objects.filter(policy__status=PolicyStatus.PUBLISHED).select_related("policy")
    clauses = clauses.filter(Q(policy__expires_on__isnull=True) | Q(policy__expires_on__gte=timezone.localdate()))
    if clause_ids is not None:
        clauses = clauses.filter(pk__in=clause_ids)
    clause_ids = list(clauses.values_list("pk", flat=True))
    created = _notifications_insert(clause_ids, since) if clause_ids else 0
    emails = _notifications_email(since=since, clause_ids=clause_ids, mail=mail)
    return {"clauses": len(clause_ids), "created": created, "emails": emails,
            "seconds": round(time.perf_counter() - started, 3)}  # fmt: skip


def _notifications_insert(clause_ids: list[int], created_at) -> int:
    """One INSERT … SELECT of the eligible matches of ``clause_ids`` that have no notification yet for
    their clause's version (ON CONFLICT DO NOTHING on the unique key), in the database: no row passes
    through Python, so a clause with a million eligible enterprises costs one statement."""
    from enterprises.models import Enterprise

    notification, match, clause, enterprise = (
        m._meta.db_table for m in (Notification, Match, PolicyClause, Enterprise)
    )  # fmt: skip
    placeholders = ", ".join(["%s"] * len(clause_ids))
    sql = (
        f"INSERT INTO {notification} (enterprise_id, clause_id, rule_version, amount, created_at, emailed_to) "
        f"SELECT e.id, m.clause_id, CASE WHEN c.matched_version <> '' THEN c.matched_version ELSE c.rule_version END, "
        f"m.amount, %s, '' FROM {match} m JOIN {clause} c ON c.id = m.clause_id "
        f"JOIN {enterprise} e ON e.credit_code = m.credit_code "
        f"WHERE m.result = 'eligible' AND m.clause_id IN ({placeholders}) "
        f"ON CONFLICT (enterprise_id, clause_id, rule_version) DO NOTHING"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [created_at, *clause_ids])
        return max(cursor.rowcount, 0)


def _notifications_email(*, since, clause_ids: list[int], mail) -> int:
    """Email the notifications created since ``since`` (this run's), one message per enterprise."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from policies.models import Notification

    if not clause_ids:
        return 0
    new = Notification.objects.filter(clause_id__in=clause_ids, created_at__gte=since, emailed_to="")
    # only the enterprises with a member who has an address are read (most have no account)
    members: dict[int, set[str]] = {}
    through = get_user_model().enterprises.through
    rows = through.objects.filter(enterprise_id__in=new.values("enterprise_id")).exclude(user__email="")
    for enterprise_id, email in rows.values_list("enterprise_id", "user__email"):
        members.setdefault(enterprise_id, set()).add(email)
    messages = []
    with transaction.atomic():
        outbox = list(
            new.filter(enterprise_id__in=list(members))
            .select_for_update()
            .select_related("clause__policy", "enterprise")
            .order_by("enterprise_id", "clause__code")
        )
        by_enterprise: dict[int, list] = {}
        for n in outbox:
            by_enterprise.setdefault(n.enterprise_id, []).append(n)
        for enterprise_id, notes in by_enterprise.items():
            to = sorted(members[enterprise_id])
            enterprise = notes[0].enterprise
            subject = gettext("【政策找企】%(name)s 有 %(n)d 项可享政策") % {"name": enterprise.name, "n": len(notes)}
            body = [gettext("%(name)s：") % {"name": enterprise.name}, "",
                    gettext("根据市场主体名录数据，贵企业符合以下政策条款：")]  # fmt: skip
            for n in notes:
                amount = (
                    "" if n.amount is None else gettext("，测算金额 %(amount)s 元") % {"amount": f"{n.amount:,.2f}"}
                )
                body.append(f"- {n.clause.policy.title} · {n.clause.title}{amount}（{n.clause.get_mode_display()}）")
            body += ["", gettext("请登录平台“我的政策”查看条件说明并办理。")]
            messages.append(mail.EmailMessage(subject, "\n".join(body), settings.DEFAULT_FROM_EMAIL, to))
            Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed_to=";".join(to)[:500])
    if messages:
        mail.get_connection().send_messages(messages)
    return len(messages)


def notification_read(*, user, notification=None) -> int:
    """Mark one of the user's notifications (or, with none given, all of them) as read."""
    from policies.selectors import notification_list

    qs = notification_list(user=user).filter(read_at__isnull=True)
    if notification is not None:
        qs = qs.filter(pk=notification.pk)
    return Notification.objects.filter(pk__in=qs.values("pk")).update(read_at=timezone.now())


# -- grant batches (免申即享)


def grant_batch_create(*, clause: PolicyClause, actor) -> GrantBatch:
    """Draw a 免申即享 clause's eligible enterprises that have no grant yet and are in no batch
    awaiting review into a new batch (amounts from the stored matches). Staff only (handler, leader,
    administrator), over the enterprises of their division's subtree."""
    from django.core.exceptions import PermissionDenied

    from enterprises.models import Enterprise
    from enterprises.selectors import visible_q
    from policies.selectors import clause_effective_version, may_create_batch

    if not may_create_batch(actor):
        raise PermissionDenied(gettext("只有承办人、领导和管理员可以生成兑现批次。"))
    if clause.mode != ClauseMode.AUTO:
        raise ActionRefused(gettext("只有免申即享条款生成兑现批次，依申请条款请通过企业申请办理。"))
    with transaction.atomic():
        clause = PolicyClause.objects.select_for_update().select_related("policy").get(pk=clause.pk)
        _in_force(clause.policy, timezone.localdate(), gettext("生成兑现批次"))
        scope = visible_q(actor)
        if scope is None:
            raise PermissionDenied(gettext("您无权生成兑现批次。"))
        granted = Grant.objects.filter(clause=clause).values("enterprise_id")
        pending = GrantBatchLine.objects.filter(batch__clause=clause, batch__status=GrantBatchStatus.DRAFT).values(
            "enterprise_id"
        )
        eligible = Match.objects.filter(clause=clause, result="eligible", amount__isnull=False)
        lines = list(
            Enterprise.objects.filter(scope, credit_code__in=eligible.values("credit_code"))  # a join, in the database
            .exclude(pk__in=granted)
            .exclude(pk__in=pending)
            .annotate(amount=Subquery(eligible.filter(credit_code=OuterRef("credit_code")).values("amount")[:1]))
            .values_list("pk", "amount")
            .order_by("credit_code")
        )
        if not lines:
            raise ActionRefused(gettext("该条款没有待兑现的符合条件企业（已兑现或已在待审核批次中）。"))
        batch = GrantBatch.objects.create(clause=clause, rule_version=clause_effective_version(clause),
                                          created_by=actor)  # fmt: skip
        GrantBatchLine.objects.bulk_create(
            [GrantBatchLine(batch=batch, enterprise_id=pk, amount=amount) for pk, amount in lines], batch_size=2000
        )
    return batch


def review_scope(actor):
    """The division whose subtree's enterprises a reviewer decides on: a handler's department's
    division, a leader's own division; None (everywhere) for administrators and superusers."""
    from org.models import Role
    from org.selectors import person_of

    person = person_of(actor)
    if person is None or person.role == Role.ADMIN:
        return None
    return person.department.division if person.role == Role.HANDLER and person.department else person.division


def _grant_check(clause: PolicyClause, *, total: decimal.Decimal, this: str) -> None:
    """Refuse a grant (a batch's, an application's), nothing written, when the policy is not in
    force or has expired, or when the grants already made for the clause plus ``total`` would
    exceed its budget. ``this`` names what is being approved (本批次, 本申请). Call it with the
    clause locked (``select_for_update``), so two approvals cannot both pass the budget."""
    _in_force(clause.policy, timezone.localdate(), gettext("审批兑现"))
    granted = Grant.objects.filter(clause=clause).aggregate(s=Sum("amount"))["s"] or decimal.Decimal(0)
    if clause.budget is not None and granted + total > clause.budget:
        raise ActionRefused(
            gettext(
                "超出资金预算，不能审批：该条款预算 %(budget)s 元，已兑现 %(granted)s 元，%(this)s %(total)s 元，"
                "缺口 %(shortfall)s 元。"
            )
            % {
                "budget": f"{clause.budget:,.2f}",
                "granted": f"{granted:,.2f}",
                "this": this,
                "total": f"{total:,.2f}",
                "shortfall": f"{granted + total - clause.budget:,.2f}",
            }  # fmt: skip
        )


def _batch_for_review(batch: GrantBatch, actor, version: int | None, what: str) -> GrantBatch:
    from django.core.exceptions import PermissionDenied

    from policies.selectors import batch_outside_scope, may_approve_batch

    batch = GrantBatch.objects.select_for_update().select_related("clause__policy").get(pk=batch.pk)
    if not may_approve_batch(actor, batch.clause):
        raise PermissionDenied(
            gettext("只有领导、管理员或兑现部门（%(department)s）的承办人可以%(what)s兑现批次。")
            % {"department": batch.clause.department or "—", "what": what}
        )
    if batch_outside_scope(actor, batch):
        raise PermissionDenied(gettext("该批次含有您管辖范围以外的企业，请由上级审批。"))
    if version is not None and version != batch.version:
        raise VersionConflict(gettext("该批次已被他人处理，您的操作未保存。请刷新页面后再试。"))
    if batch.status != GrantBatchStatus.DRAFT:
        raise ActionRefused(gettext("该批次%(status)s，不能重复处理。") % {"status": batch.get_status_display()})
    return batch


def grant_batch_approve(*, batch: GrantBatch, actor, version: int | None) -> GrantBatch:
    """Approve a batch: one Grant per line whose enterprise has none for the clause yet (approving
    twice, or two batches holding one enterprise, grants once). Refused, with nothing written, when
    the policy is not in force or has expired, or when the grants already made plus this batch's
    would exceed the clause's budget. Who: a leader or administrator, or a handler whose department's
    name is the clause's paying department (``clause.department``); a leader or handler only when
    every enterprise of the batch lies in their division's subtree (their department's, for a
    handler), so a county reviews its own enterprises and the city all of them."""
    with transaction.atomic():
        batch = _batch_for_review(batch, actor, version, gettext("审批"))
        clause = PolicyClause.objects.select_for_update().select_related("policy").get(pk=batch.clause_id)
        already = set(Grant.objects.filter(clause=clause).values_list("enterprise_id", flat=True))
        lines = [line for line in batch.lines.all() if line.enterprise_id not in already]
        total = sum((line.amount for line in lines), decimal.Decimal(0))
        _grant_check(clause, total=total, this=gettext("本批次"))
        now = timezone.now()
        Grant.objects.bulk_create(
            [
                Grant(
                    clause=clause,
                    enterprise_id=line.enterprise_id,
                    batch=batch,
                    rule_version=batch.rule_version,
                    amount=line.amount,
                    granted_at=now,
                    granted_by=actor,
                )
                for line in lines
            ],  # fmt: skip
            batch_size=2000,
            ignore_conflicts=True,
        )
        batch.status = GrantBatchStatus.APPROVED
        batch.reviewed_at, batch.reviewed_by = now, actor
        batch.version += 1
        batch.save(update_fields=["status", "reviewed_at", "reviewed_by", "version"])
    return batch


def grant_batch_reject(*, batch: GrantBatch, actor, version: int | None, note: str) -> GrantBatch:
    """Send a batch back (退回) with a reason; its enterprises may be drawn into a new batch."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": gettext("退回须说明理由。")})
    with transaction.atomic():
        batch = _batch_for_review(batch, actor, version, gettext("退回"))
        batch.status = GrantBatchStatus.REJECTED
        batch.reviewed_at, batch.reviewed_by, batch.note = timezone.now(), actor, note[:500]
        batch.version += 1
        batch.save(update_fields=["status", "reviewed_at", "reviewed_by", "note", "version"])
    return batch


# -- decisions on applications (依申请)
#
# The paying department decides an application: the same reviewers as a batch's (a leader or
# administrator, or a handler of the clause's paying department; leaders and handlers within their
# subtree). Approval records one Grant linked to the application, under the same budget and expiry
# checks as a batch (``_grant_check``); refusal needs a reason. The decision is kept in the
# application's decision fields and written to its ledger item through the ledger's services:
# the result (办结: 资金支持, or 解释说明 when refused) when the decider may resolve the item now,
# else a progress note (进展说明), by the decider or, when they cannot write on the item (it is not
# their department's yet), by the 12345 enterprise line that opened it, naming the decider.
# Deciding twice is refused; the item's version (``version``) guards against a stale page.


def _decision_to_item(application: Application, actor, *, approve: bool, amount, text: str,
                      version: int | None) -> str:  # fmt: skip
    """Write the decision on the application's ledger item: its result when ``actor`` may resolve
    it now, else a note. Returns "resolve" or "note"."""
    from ledger import services as ledger
    from ledger.machine import MACHINE, Action
    from ledger.models import Item, ResultKind, Status
    from ledger.scope import may_act
    from org.selectors import person_of

    item = Item.objects.get(pk=application.item_id)
    person = person_of(actor)
    if item.status in MACHINE[Action.RESOLVE].sources and may_act(person, item, Action.RESOLVE):
        kind = ResultKind.FUNDS_GRANTED if approve else ResultKind.EXPLAINED
        ledger.item_resolve(item=item, actor=actor, result_kind=kind, result_text=text[:1000],
                            amount=amount if approve else None, version=version)  # fmt: skip
        return "resolve"
    if item.status not in MACHINE[Action.NOTE].sources:
        raise ActionRefused(
            gettext("台账事项 %(number)s 的状态为“%(status)s”，兑现决定无法记入其办理日志，不能决定。")
            % {"number": item.number, "status": Status(item.status).label}
        )
    writer = (
        actor if may_act(person, item, Action.NOTE) else policy_intake_user(division=application.enterprise.division)
    )
    ledger.item_note(item=item, actor=writer, text=text[:1000], version=version)
    return "note"


def _already_decided(application: Application) -> str:
    at = f"{timezone.localdate(application.decided_at):%Y-%m-%d}"
    if application.decision == ApplicationDecision.APPROVED:
        return gettext("该申请已于%(date)s审批同意（兑现 %(amount)s 元），不能重复决定。") % {
            "date": at, "amount": f"{application.decided_amount or 0:,.2f}"}  # fmt: skip
    return gettext("该申请已于%(date)s决定不予兑现，不能重复决定。") % {"date": at}


def application_decide(*, actor, application: Application, approve: bool, amount: decimal.Decimal | None = None,
                       reason: str = "", version: int | None = None) -> Application:  # fmt: skip
    """Decide an application (依申请): approve (one Grant, ``amount`` by default the application's
    computed amount; refused over the budget or after the policy expired) or refuse with a reason.
    The decision goes on the linked ledger item (its result, or a note). Refused, nothing written:
    a reviewer who may not (PermissionDenied), a decision made before, a closed item (ActionRefused),
    a stale item ``version`` (VersionConflict), a refusal without a reason (ValidationError)."""
    from django.core.exceptions import PermissionDenied

    from policies.selectors import decider_label, may_approve_batch

    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": gettext("不予兑现须说明理由。")})
    if len(reason) > 500:
        raise ValidationError({"reason": gettext("理由不能超过500字。")})
    if amount is not None:
        amount = decimal.Decimal(str(amount))
        if amount < 0:
            raise ValidationError({"amount": gettext("兑现金额不能为负数。")})
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("clause__policy", "enterprise__division", "item")
            .get(pk=application.pk)
        )  # fmt: skip
        clause = application.clause
        if not may_approve_batch(actor, clause):
            security_log.warning("refused application decision by %s", getattr(actor, "username", actor))
            raise PermissionDenied(
                gettext("只有领导、管理员或兑现部门（%(department)s）的承办人可以决定兑现申请。")
                % {"department": clause.department or "—"}
            )
        scope = review_scope(actor)
        division = application.enterprise.division
        if scope is not None and (division is None or not division.path.startswith(scope.path)):
            raise PermissionDenied(gettext("该企业不在您的管辖范围内，请由上级审批。"))
        if application.decision:
            raise ActionRefused(_already_decided(application))
        if Grant.objects.filter(application=application).exists():
            raise ActionRefused(gettext("该申请已兑现，不能重复决定。"))
        now = timezone.now()
        if approve:
            amount = application.amount if amount is None else amount
            if amount is None:
                raise ValidationError({"amount": gettext("该申请没有测算金额，请填写兑现金额。")})
            clause = PolicyClause.objects.select_for_update().select_related("policy").get(pk=clause.pk)
            _grant_check(clause, total=amount, this=gettext("本申请"))
            if Grant.objects.filter(clause=clause, enterprise=application.enterprise).exists():
                raise ActionRefused(gettext("该企业已兑现过该条款，不能重复兑现。"))
            Grant.objects.create(clause=clause, enterprise=application.enterprise, application=application,
                                 rule_version=application.rule_version, amount=amount, granted_at=now,
                                 granted_by=actor)  # fmt: skip
            text = gettext("兑现决定：同意兑现 %(amount)s 元（%(code)s %(title)s）。审批人：%(who)s。") % {
                "amount": f"{amount:,.2f}", "code": clause.code, "title": clause.title,
                "who": decider_label(actor)}  # fmt: skip
            if reason:
                text += gettext("说明：%(reason)s") % {"reason": reason}
        else:
            amount = None
            text = gettext("兑现决定：不予兑现（%(code)s %(title)s）。理由：%(reason)s。审批人：%(who)s。") % {
                "code": clause.code, "title": clause.title, "reason": reason, "who": decider_label(actor)}  # fmt: skip
        recorded = _decision_to_item(application, actor, approve=approve, amount=amount, text=text, version=version)
        application.decision = ApplicationDecision.APPROVED if approve else ApplicationDecision.REFUSED
        application.decided_amount = amount
        application.decision_reason = reason
        application.decided_at = now
        application.decided_by = actor
        application.decision_recorded_as = recorded
        application.save(update_fields=["decision", "decided_amount", "decision_reason", "decided_at", "decided_by",
                                        "decision_recorded_as"])  # fmt: skip
    return application
