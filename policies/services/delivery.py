"""Delivery of the policies to enterprises: notifications, applications (依申请), grant batches
(免申即享) and the grants they make."""

import datetime as dt
import decimal
import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext

from core.exceptions import ActionRefused, VersionConflict
from core.history import record
from core.validators import normalize_phone
from enterprises.models import Enterprise
from enterprises.selectors import visible_q
from ledger import services as ledger
from ledger.machine import MACHINE, Action
from ledger.models import Category, Channel, Item, Kind, ResultKind, Status, SubmitterType
from ledger.scope import may_act
from org.actor import actor_of, require_actor
from org.models import Division, Role
from org.services import person_create
from policies.jsonlogic.reference import evaluate
from policies.models import (
    Application,
    ApplicationDecision,
    ClauseMode,
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
from policies.selectors import (
    amount_rule,
    attribute_label,
    batch_outside_scope,
    clause_effective_version,
    decider_label,
    enterprise_row,
    figures_used,
    may_approve_batch,
    may_create_batch,
    notification_list,
    review_scope,
)

security_log = logging.getLogger("grassroots.security")

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

    code, name, parent_code, parent_name = POLICY_CATEGORY
    category = Category.objects.filter(code=code).first() or Category.objects.filter(name=name).first()
    if category is None:
        parent, _ = Category.objects.get_or_create(code=parent_code, defaults={"name": parent_name})
        category = Category.objects.create(code=code, name=name, parent=parent, keywords="补助 奖励 兑现 政策")
    return category


def policy_intake_user(*, division):
    """The system intake user of the city's 12345 enterprise line (a call-taker of the city who
    cannot log in): policy applications enter the ledger through it, as Open311 clients' do."""
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

    try:
        return normalize_phone(value)
    except ValidationError:
        return ""


def application_prefill(*, enterprise, clause: PolicyClause, actor=None,
                        reference_date: dt.date | None = None) -> dict[str, Any]:  # fmt: skip
    """What the one-step application carries, from the register: the enterprise, its contacts (else
    the applying user's own name and phone) and the figures the clause reads."""
    ref = reference_date or timezone.localdate()
    person = actor_of(actor).person if actor is not None else None
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
    require_actor(actor)
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
    # The description is free text that other channels publish (Open311's feed): only what the
    # request is about. The contact, the estimated amount and the figures stay on the application
    # (and the contact in the item's submitter fields, masked by role).
    lines = [
        gettext("政策：%(policy)s") % {"policy": clause.policy.title},
        gettext("条款：%(code)s %(title)s") % {"code": clause.code, "title": clause.title},
        gettext("企业：%(name)s（统一社会信用代码 %(code)s）")
        % {"name": enterprise.name, "code": enterprise.credit_code},
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
    qs = notification_list(user=user).filter(read_at__isnull=True)
    if notification is not None:
        qs = qs.filter(pk=notification.pk)
    return Notification.objects.filter(pk__in=qs.values("pk")).update(read_at=timezone.now())


# -- grant batches (免申即享)


def grant_batch_create(*, clause: PolicyClause, actor) -> GrantBatch:
    """Draw a 免申即享 clause's eligible enterprises that have no grant yet and are in no batch
    awaiting review into a new batch (amounts from the stored matches). Staff only (handler, leader,
    administrator), over the enterprises of their division's subtree."""
    require_actor(actor)
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
        total = sum((amount for _pk, amount in lines), decimal.Decimal(0))
        record(batch, actor=actor, action="create", parent=clause,
               changes={"lines": [None, len(lines)], "total": [None, str(total)]})  # fmt: skip
    return batch


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
    require_actor(actor)

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


def grant_batch_line_exclude(*, actor, line: GrantBatchLine, reason: str) -> GrantBatchLine:
    """Leave one line out of a batch before approval, with a reason (recorded in the batch's
    history); the approval pays it not. Refused once the batch has been reviewed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("剔除须说明原因。")})
    with transaction.atomic():
        batch = _batch_for_review(line.batch, actor, None, gettext("修改"))
        line = GrantBatchLine.objects.select_for_update().get(pk=line.pk, batch=batch)
        if line.excluded_reason:
            raise ActionRefused(gettext("该企业已被剔除。"))
        line.excluded_reason = reason[:200]
        line.save(update_fields=["excluded_reason"])
        batch.version += 1
        batch.save(update_fields=["version"])
        record(batch, actor=actor, action="exclude", reason=line.excluded_reason, parent=batch.clause,
               changes={"excluded": [None, line.enterprise_id], "amount": [str(line.amount), None]})  # fmt: skip
    return line


def grant_batch_approve(*, batch: GrantBatch, actor, version: int | None) -> GrantBatch:
    """Approve a batch: one Grant per line whose enterprise has none for the clause yet (approving
    twice, or two batches holding one enterprise, grants once). Refused, with nothing written, when
    the policy is not in force or has expired, or when the grants already made plus this batch's
    would exceed the clause's budget. Who: a leader or administrator, or a handler whose department
    is the clause's paying department (``clause.department``, by id); a leader or handler only when
    every enterprise of the batch lies in their division's subtree (their department's, for a
    handler), so a county reviews its own enterprises and the city all of them."""
    with transaction.atomic():
        batch = _batch_for_review(batch, actor, version, gettext("审批"))
        clause = PolicyClause.objects.select_for_update().select_related("policy").get(pk=batch.clause_id)
        already = set(Grant.objects.filter(clause=clause).values_list("enterprise_id", flat=True))
        lines = [line for line in batch.lines.all() if line.enterprise_id not in already and not line.excluded_reason]
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
        record(batch, actor=actor, action="approve", parent=clause,
               changes={"status": [GrantBatchStatus.DRAFT.value, GrantBatchStatus.APPROVED.value],
                        "grants": [None, len(lines)], "total": [None, str(total)]})  # fmt: skip
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
        record(batch, actor=actor, action="reject", reason=note, parent=batch.clause,
               changes={"status": [GrantBatchStatus.DRAFT.value, GrantBatchStatus.REJECTED.value]})  # fmt: skip
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
    item = Item.objects.get(pk=application.item_id)
    if item.status in MACHINE[Action.RESOLVE].sources and may_act(actor, item, Action.RESOLVE):
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
        actor if may_act(actor, item, Action.NOTE) else policy_intake_user(division=application.enterprise.division)
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
    require_actor(actor)
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
