"""The policy catalogue's writes: drafting, publishing and amending policies and their clauses.

Every write names its actor (a user, or ``org.actor.SYSTEM`` for the demo loader and benchmarks);
``None`` is refused. The rules of who may do what are the selectors' (``may_draft``,
``may_publish``); ``require_role`` turns a refusal into a logged 403."""

import datetime as dt
import decimal
import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ActionRefused, VersionConflict
from core.history import created, diff, record, snapshot
from org.actor import SYSTEM, require_actor, user_of
from org.models import Department
from policies.jsonlogic.validate import RuleError, check_amount, check_condition
from policies.models import ClauseMode, ClauseVersion, Policy, PolicyClause, PolicyStatus
from policies.selectors import DRAFTER_ROLES, PUBLISHER_ROLES
from policies.tasks import recompute_enqueue

DEMO = Path(__file__).resolve().parent.parent / "demo" / "clauses.json"
security_log = logging.getLogger("grassroots.security")


def rule_version(condition: Any, benefit: Any, cap: Any = None) -> str:
    """A clause's rule version: a hash of its condition and benefit JSON (16 hex digits)."""
    text = json.dumps({"condition": condition, "benefit": benefit, "cap": None if cap is None else f"{float(cap):.2f}"},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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


def require_role(actor, roles, message) -> None:
    """403 (logged) unless the actor holds one of ``roles`` (a superuser acts as an administrator)."""
    if not require_actor(actor).has_role(*roles):
        security_log.warning("refused policy action by %s", getattr(actor, "username", actor))
        raise PermissionDenied(message)


def _clause_version_write(clause: PolicyClause, actor, reason: str) -> None:
    """The clause as saved, as its version ``clause.version``: the whole wording, who and why."""
    ClauseVersion.objects.create(
        clause=clause, number=clause.version, rule_version=clause.rule_version, condition=clause.condition,
        benefit=clause.benefit, cap=clause.cap, title=clause.title, mode=clause.mode, budget=clause.budget,
        department=clause.department, created_by=user_of(actor), reason=reason,
    )  # fmt: skip


_CLAUSE_STALE = gettext_lazy("该条款已被他人修改，您的修改未保存。请刷新页面查看最新内容后再试。")
_POLICY_STALE = gettext_lazy("该政策已被他人修改，您的操作未保存。请刷新页面查看最新内容后再试。")


def clause_save(*, policy: Policy, code: str, number: int, title: str, condition: Any, benefit: Any = None,
                cap: Any = None, mode: str = ClauseMode.APPLY, budget: Any = None, department: Department | None = None,
                is_example: bool = False, actor, reason: str = "", version: int | None = None,
                create: bool = False, today: dt.date | None = None) -> PolicyClause:  # fmt: skip
    """Create or update a clause after validation, in one transaction; its rule version follows its
    condition and benefit, and each new rule is kept as a ClauseVersion (who, when, why).

    A user (pages, API) must be a drafter, the policy a draft, an edit names the ``version`` of the
    clause it started from (stale → VersionConflict, nothing written) and, with ``create``, the code
    must be new. The system actor (``SYSTEM``: the demo loader, benchmarks) upserts the clause; no
    actor (None) is refused.

    An **amendment** (the policy published and not expired; a changed clause or a new one): only a
    leader or an administrator, always with a reason; after commit, when the rule changed or the
    clause is new, its matches are recomputed in the background (one-clause mode), which then
    notifies under the new version. A handler edits drafts only; an expired policy is not changed."""
    by_user = not require_actor(actor).is_system
    clause_check(condition=condition, benefit=benefit, cap=cap, budget=budget)
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": [_("修改原因不能超过200字。")]})
    amend = False
    with transaction.atomic():
        locked_policy = Policy.objects.select_for_update().get(pk=policy.pk)
        if by_user:
            require_role(actor, DRAFTER_ROLES, _("您的角色不能起草或修改政策条款。"))
            amend = locked_policy.status == PolicyStatus.PUBLISHED
            if amend:
                _amend_check(locked_policy, actor, reason, today or timezone.localdate())
            elif locked_policy.status != PolicyStatus.DRAFT:
                raise ActionRefused(_("该政策已失效，条款不能再修改。"))
        clause = PolicyClause.objects.select_for_update().filter(code=code).first()
        if clause is not None and (create or clause.policy_id != locked_policy.pk) and by_user:
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
                record(clause, actor=actor, action="amend", reason=reason or _("新建条款"), changes=created(clause),
                       parent=locked_policy)  # fmt: skip
                _amend_recompute(clause)
            return clause
        if by_user and version is not None and not reason:
            raise ValidationError({"reason": [_("请填写修改原因。")]})
        if not _clause_differs(clause, values):
            return clause  # saved as it stands: no new version
        rule_changed = clause.rule_version != new_rule
        before = snapshot(clause)
        current = clause.version
        for k, v in values.items():
            setattr(clause, k, v)
        clause.version = current + 1
        fields = {k: getattr(clause, k) for k in values} | {"version": clause.version}
        if PolicyClause.objects.filter(pk=clause.pk, version=current).update(**fields) != 1:
            raise VersionConflict(_CLAUSE_STALE)
        clause.refresh_from_db()
        _clause_version_write(clause, actor, reason)
        if amend:
            record(clause, actor=actor, action="amend", reason=reason, changes=diff(before, snapshot(clause)),
                   parent=locked_policy)  # fmt: skip
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
    require_role(actor, PUBLISHER_ROLES, _("已发布政策的条款只有领导或管理员可以修改。"))
    if policy.expires_on is not None and policy.expires_on < today:
        raise ActionRefused(_("该政策已于%(date)s失效，条款不能再修改。") % {"date": policy.expires_on.isoformat()})
    if not reason:
        raise ValidationError({"reason": [_("修改已发布的条款须填写修改原因。")]})


def _amend_recompute(clause: PolicyClause) -> None:
    """After commit: recompute the amended clause's matches (and notify under its new version)."""
    pk = clause.pk
    transaction.on_commit(lambda: recompute_enqueue(clause_ids=[pk]))


def policy_save(*, actor, code: str, title: str, issuer: str, issued_on: dt.date, document_number: str = "",
                expires_on: dt.date | None = None, full_text: str = "", policy: Policy | None = None,
                version: int | None = None) -> Policy:  # fmt: skip
    """Create a draft policy, or change a draft's text (``policy`` with the ``version`` the editor saw)."""
    require_role(actor, DRAFTER_ROLES, _("您的角色不能起草或修改政策。"))
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
            policy = Policy.objects.create(code=code, status=PolicyStatus.DRAFT, **values)
            record(policy, actor=actor, action="create", changes=created(policy))
            return policy
        locked = Policy.objects.select_for_update().get(pk=policy.pk)
        if version is not None and locked.version != version:
            raise VersionConflict(_POLICY_STALE)
        if locked.status != PolicyStatus.DRAFT:
            raise ActionRefused(_("只有草稿状态的政策可以修改。"))
        before = snapshot(locked)
        Policy.objects.filter(pk=locked.pk).update(version=locked.version + 1, **values)
        locked.refresh_from_db()
        record(locked, actor=actor, action="edit", changes=diff(before, snapshot(locked)))
    return locked


def policy_publish(*, policy: Policy, actor, version: int | None = None, today: dt.date | None = None,
                   recompute: bool = False) -> Policy:  # fmt: skip
    """Publish a draft: every clause is checked again first. The ``actor`` (a leader or an
    administrator, or ``SYSTEM`` for the demo; None is refused, nothing written): only a draft with
    clauses, not expired, at the ``version`` the actor saw; every clause's present rule is recorded as
    a version and the publication in the policy's history; with ``recompute``, its clauses' matches
    are enqueued after commit."""
    require_role(actor, PUBLISHER_ROLES, _("只有领导或管理员可以发布政策。"))
    today = today or timezone.localdate()
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        if version is not None and policy.version != version:
            raise VersionConflict(_POLICY_STALE)
        if policy.status != PolicyStatus.DRAFT:
            raise ActionRefused(_("只有草稿状态的政策可以发布；该政策的状态为“%(status)s”。")
                                % {"status": PolicyStatus(policy.status).label})  # fmt: skip
        if policy.expires_on is not None and policy.expires_on < today:
            raise ActionRefused(_("该政策已于%(date)s失效，不能发布。") % {"date": policy.expires_on.isoformat()})
        clauses = list(policy.clauses.all())
        if not clauses:
            raise ActionRefused(_("该政策还没有条款，不能发布。"))
        kept = set(ClauseVersion.objects.filter(clause__in=clauses).values_list("clause_id", "rule_version"))
        for clause in clauses:
            clause_check(condition=clause.condition, benefit=clause.benefit, cap=clause.cap, budget=clause.budget)
            if (clause.pk, clause.rule_version) not in kept:
                _clause_version_write(clause, actor, _("发布"))
        policy.status = PolicyStatus.PUBLISHED
        policy.version += 1
        policy.save(update_fields=["status", "version"])
        record(policy, actor=actor, action="publish",
               changes={"status": [PolicyStatus.DRAFT.value, PolicyStatus.PUBLISHED.value]})  # fmt: skip
        if recompute and clauses:
            ids = [c.pk for c in clauses]
            transaction.on_commit(lambda: recompute_enqueue(clause_ids=ids))
    return policy


def demo_load(*, path: Path = DEMO, publish: bool = True) -> list[Policy]:
    """The six demo packages (75 clauses), written for the demo and marked as examples."""
    data = json.loads(path.read_text())
    codes = {c["department"] for p in data["policies"] for c in p["clauses"] if c.get("department")}
    departments = Department.objects.in_bulk(codes, field_name="code")  # a code not loaded: no department
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
                            department=departments.get(c.get("department")), is_example=True,
                            actor=SYSTEM)  # fmt: skip
            if publish and policy.status == PolicyStatus.DRAFT:
                policy_publish(policy=policy, actor=SYSTEM)
            policies.append(policy)
    return policies
