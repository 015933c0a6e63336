"""Every write to the ledger. One function per action: each validates, updates the item and
appends an ItemEvent in one transaction. Pages, the API and commands all call these."""

import datetime as dt
import decimal
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ActionRefused, VersionConflict
from core.history import created, diff, record, snapshot
from core.validators import normalize_credit_code, normalize_id_number, normalize_phone
from ledger import notices
from ledger.machine import MACHINE, NOT_CLOSED, Action
from ledger.models import (
    Callback,
    Category,
    Item,
    ItemEvent,
    ItemSubmitter,
    Measure,
    Priority,
    Result,
    ResultKind,
    Satisfaction,
    Status,
    SubmitterType,
    TimeLimit,
    TimeUnit,
)
from ledger.scope import _guard, may_act
from ledger.signals import item_closed, item_dispatched, item_opened, item_resolved, send_on_commit
from ledger.submitters import item_parties, pending_callbacks, round_callbacks, worst
from org.actor import Actor, division_codes, permits, require_actor
from org.models import Department, Division, Role
from org.selectors import person_of
from workdays.selectors import Deadline, add_hours, add_working_days, end_of_day

security_log = logging.getLogger("grassroots.security")
logger = logging.getLogger(__name__)

INTAKE_ROLES = {Role.CALL_TAKER, Role.ADMIN, Role.HANDLER, Role.LEADER}
EDITABLE_FIELDS = ("title", "description", "kind", "category", "priority", "division", "address")
_UNTRACKED = {"version", "updated_at", "division_path"}


# ---------------------------------------------------------------------------------------------
# The common path of every action


def _acting(actor: AbstractBaseUser) -> Actor:
    """The acting principal of a write: refused (ValueError) when None, 403 when it may not act in
    the ledger at all (a user with no person and no superuser's rights)."""
    acting = require_actor(actor)
    if acting.role is None:
        raise PermissionDenied(_("您的账号未关联人员信息，不能办理事项。"))
    return acting


def _username(acting: Actor) -> str:
    """Who is named in the security log: the account, as before the actor kit."""
    return acting.user.get_username() if acting.user is not None else acting.label


def _authorize(actor: AbstractBaseUser, item: Item, action: str) -> Actor:
    """403, logged, when the actor may not take this action on this item at all (scope, role,
    department). Called first, so a user outside the scope learns nothing more about the item."""
    acting = _acting(actor)
    if not may_act(acting, item, action):
        security_log.warning("refused %s on item %s by %s (role %s)", action, item.pk, _username(acting), acting.role)
        if not permits(acting, item):
            raise PermissionDenied(_("您无权办理该事项：它不在您的管辖范围内。"))
        raise PermissionDenied(_("您的角色不能对该事项执行“%(action)s”。") % {"action": Action(action).label})
    return acting


def _check_state(item: Item, action: str) -> None:
    """409 when the item's state does not allow the action now."""
    rule = MACHINE[action]
    if item.status not in rule.sources or not _guard(item, action):
        raise ActionRefused(
            _("事项当前状态为“%(status)s”，不能执行“%(action)s”。")
            % {"status": Status(item.status).label, "action": Action(action).label}
        )


def _act(
    *,
    item: Item,
    actor: AbstractBaseUser,
    action: str,
    version: int | None,
    reason: str = "",
    change: Callable[[Item], dict[str, Any] | None],
) -> Item:
    """Lock the item, check the action, let ``change`` update it (and return the measure or result
    it made, ``changes`` to record beside the item's fields, or ``keep_status`` when the action's
    target does not apply this time), write the item with a version check and append the event,
    all in one transaction."""
    if len(reason) > 1000:
        raise ValidationError({"reason": _("说明不能超过1000字。")})
    with transaction.atomic():
        locked = Item.objects.select_for_update().select_related("division").get(pk=item.pk)
        _authorize(actor, locked, action)
        if version is not None and locked.version != version:
            raise VersionConflict()
        _check_state(locked, action)
        before = snapshot(locked, exclude=_UNTRACKED)
        from_status = locked.status
        related = change(locked) or {}
        target = MACHINE[action].target
        if target is not None and locked.status == from_status and not related.get("keep_status"):
            locked.status = target
        _save_and_log(
            locked,
            actor=actor,
            action=action,
            before=before,
            from_status=from_status,
            reason=reason,
            changes=related.get("changes"),
            measure=related.get("measure"),
            result=related.get("result"),
        )
    return locked


def _save_and_log(
    item: Item,
    *,
    actor: AbstractBaseUser,
    action: str,
    before: dict[str, Any],
    from_status: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    **related: Any,
) -> None:
    """Write the locked ``item`` with a version check (409 when someone wrote it since it was read)
    and append its event: the fields changed since ``before``, with ``changes`` recorded beside
    them and the ``related`` measure or result. Inside the caller's transaction."""
    after = snapshot(item, exclude=_UNTRACKED)
    current = item.version
    item.version, item.updated_at = current + 1, at or timezone.now()
    fields = after | {"version": item.version, "updated_at": item.updated_at, "division_path": item.division.path}
    if Item.objects.filter(pk=item.pk, version=current).update(**fields) != 1:
        raise VersionConflict()
    record(
        model=ItemEvent,
        actor=actor,
        action=action,
        reason=reason,
        changes=diff(before, after) | (changes or {}),
        at=item.updated_at,
        item=item,
        from_status=from_status,
        to_status=item.status,
        **related,
    )


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


# ---------------------------------------------------------------------------------------------
# Deadlines


def time_limit_for(*, category: Category, priority: str) -> TimeLimit:
    """The most specific limit: the category's, its parent's, then the default for the priority."""
    candidates = TimeLimit.objects.filter(
        Q(category__in=[c for c in (category.pk, category.parent_id) if c]) | Q(category=None), priority=priority
    )
    by_category = {t.category_id: t for t in candidates}
    for key in (category.pk, category.parent_id, None):
        if key in by_category:
            return by_category[key]
    raise ValidationError({"priority": _("没有为该分类和紧急程度设置办理时限，请联系管理员。")})


def _deadline(start: dt.datetime, amount: int, unit: str) -> Deadline:
    if unit == TimeUnit.HOURS:
        return add_hours(start, amount)
    return add_working_days(start, amount)


def _set_deadlines(item: Item, now: dt.datetime, *, acknowledge: bool) -> None:
    limit = time_limit_for(category=item.category, priority=item.priority)
    resolve = _deadline(now, limit.resolve_within, limit.resolve_unit)
    item.resolve_due = resolve.due
    item.due_provisional = resolve.provisional
    if acknowledge:
        item.acknowledge_due = _deadline(now, limit.acknowledge_within, limit.acknowledge_unit).due


def _future_date(value: dt.date | None, field: str) -> dt.date | None:
    if value is not None and value < timezone.localdate():
        raise ValidationError({field: _("期限不能早于今天。")})
    return value


def _within_horizon(value: dt.date | None, field: str) -> None:
    """A deadline set by hand lies at most LEDGER_MAX_RESOLVE_HORIZON_DAYS ahead."""
    days = settings.LEDGER_MAX_RESOLVE_HORIZON_DAYS
    if value is not None and value > timezone.localdate() + dt.timedelta(days=days):
        raise ValidationError({field: _("期限不能晚于今天起%(days)s天。") % {"days": days}})


def _leaf(category: Category) -> None:
    """Items are filed under a leaf category (a subcategory), as the pages offer them."""
    if category.children.exists():
        raise ValidationError({"category": _("请选择具体的小类，不能选择大类。")})


# ---------------------------------------------------------------------------------------------
# Opening an item (受理立账)


def _validate_submitter(fields: dict[str, Any]) -> None:
    errors = {}
    for field, normalize in (
        ("submitter_phone", normalize_phone),
        ("submitter_id_number", normalize_id_number),
        ("enterprise_credit_code", normalize_credit_code),
    ):
        try:
            fields[field] = normalize(fields.get(field, ""))
        except ValidationError as e:
            errors[field] = e.messages
    kind = fields["submitter_type"]
    if kind == SubmitterType.ENTERPRISE and not fields.get("enterprise_name", "").strip():
        errors["enterprise_name"] = [_("企业诉求须填写企业名称。")]
    if kind == SubmitterType.ANONYMOUS:
        for field in ("submitter_name", "submitter_phone", "submitter_id_number"):
            fields[field] = ""
    elif not fields.get("submitter_name", "").strip() and not fields.get("enterprise_name", "").strip():
        errors["submitter_name"] = [_("实名诉求须填写诉求人姓名。")]
    if errors:
        raise ValidationError(errors)


def item_open(
    *,
    actor: AbstractBaseUser,
    title: str,
    description: str,
    kind: str,
    channel: str,
    category: Category,
    division: Division,
    submitter_type: str,
    submitter_name: str = "",
    submitter_phone: str = "",
    submitter_id_number: str = "",
    enterprise_name: str = "",
    enterprise_credit_code: str = "",
    address: str = "",
    priority: str = Priority.NORMAL,
    submitter_user=None,
    opened_at: dt.datetime | None = None,
    lat: float | None = None,
    long: float | None = None,
    location_raw: dict | None = None,
) -> Item:
    """Open an item (受理): it enters the ledger with the actor as its first receiver."""
    acting = _acting(actor)
    if acting.role not in INTAKE_ROLES:
        security_log.warning("refused open by %s (role %s)", acting.user.get_username(), acting.role)
        raise PermissionDenied(_("您的角色不能受理事项。"))
    if not acting.within(division):
        security_log.warning("refused open in %s by %s", division.code, _username(acting))
        raise PermissionDenied(_("事项所在区划不在您的管辖范围内。"))
    if not category.active:
        raise ValidationError({"category": _("该分类已停用。")})
    _leaf(category)
    fields = {
        "submitter_type": submitter_type,
        "submitter_name": submitter_name,
        "submitter_phone": submitter_phone,
        "submitter_id_number": submitter_id_number,
        "enterprise_name": enterprise_name,
        "enterprise_credit_code": enterprise_credit_code,
    }
    if submitter_type in SubmitterType.values:
        _validate_submitter(fields)
    now = opened_at or timezone.now()
    item = Item(
        title=(title or "").strip(),
        description=(description or "").strip(),
        kind=kind,
        channel=channel,
        category=category,
        division=division,
        division_path=division.path,
        address=(address or "").strip(),
        lat=lat,
        long=long,
        location_raw=location_raw or {},
        priority=priority,
        submitter_user=submitter_user,
        first_receiver=actor,
        status=Status.OPEN,
        opened_at=now,
        **fields,
    )
    # The related objects were given as instances, so their existence needs no query.
    item.full_clean(exclude=["number", "category", "division", "first_receiver", "submitter_user"])
    with transaction.atomic():
        item.save()
        item.number = f"{timezone.localtime(now):%Y%m%d}{item.pk:06d}"
        Item.objects.filter(pk=item.pk).update(number=item.number)
        record(
            model=ItemEvent,
            actor=actor,
            action=Action.OPEN,
            at=now,
            changes=created(item, exclude=_UNTRACKED),
            item=item,
            from_status="",
            to_status=Status.OPEN,
        )
        send_on_commit(item_opened, item=item, actor=actor)
    return item


def item_edit(*, item: Item, actor: AbstractBaseUser, reason: str, version: int | None = None, **changes: Any) -> Item:
    """Correct an item's description before it is dispatched (again): title, category, division…"""
    acting = _authorize(actor, item, Action.EDIT)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: _("该字段不能修改。") for f in unknown})
    division = changes.get("division")
    if division is not None and not acting.within(division):
        security_log.warning("refused moving item %s to %s by %s", item.pk, division.code, _username(acting))
        raise PermissionDenied(_("事项所在区划不在您的管辖范围内。"))
    reason = _required(reason, "reason", _("修改事项须说明理由。"))
    if changes.get("category") is not None:
        _leaf(changes["category"])

    def change(it: Item):
        for field, value in changes.items():
            setattr(it, field, value)
        it.full_clean(exclude=["number"])
        it.division_path = it.division.path

    return _act(item=item, actor=actor, action=Action.EDIT, version=version, reason=reason, change=change)


# ---------------------------------------------------------------------------------------------
# Dispatch, acknowledge, return


def _check_sponsor(item: Item, sponsor: AbstractBaseUser) -> None:
    """A sponsor (包保领导) is a leader of the item's division or of one above it: a leader of another
    county would otherwise gain the item's scope through the sponsor's right to see it."""
    person = person_of(sponsor)
    if person is None or person.division.code not in division_codes(item.division):
        raise ValidationError({"sponsor": _("包保领导须是事项所在区划或其上级区划的领导。")})


def item_dispatch(
    *,
    item: Item,
    actor: AbstractBaseUser,
    department: Department,
    handler=None,
    sponsor=None,
    resolve_by: dt.date | None = None,
    reason: str = "",
    version: int | None = None,
) -> Item:
    """Dispatch (派单): assign the handling department, and start the working-day clock."""
    _authorize(actor, item, Action.DISPATCH)
    _future_date(resolve_by, "resolve_by")
    _within_horizon(resolve_by, "resolve_by")
    errors = {}
    if not department.active:
        errors["department"] = [_("该部门已停用。")]
    if handler is not None and getattr(person_of(handler), "department_id", None) != department.pk:
        errors["handler"] = [_("责任人须是承办部门的人员。")]
    if sponsor is not None and getattr(person_of(sponsor), "role", None) != Role.LEADER:
        errors["sponsor"] = [_("包保领导须是领导角色的人员。")]
    if errors:
        raise ValidationError(errors)

    def change(it: Item):
        if not it.division_path.startswith(department.division.path):
            raise ValidationError({"department": _("该部门不能承办本区划的事项。")})
        if sponsor is not None:
            _check_sponsor(it, sponsor)
        now = timezone.now()
        it.department = department
        it.handler = handler
        if sponsor is not None:
            it.sponsor = sponsor
        it.dispatched_at = now
        it.acknowledged_at = None
        _set_deadlines(it, now, acknowledge=True)
        if resolve_by is not None:
            it.resolve_due = end_of_day(resolve_by)
            it.due_provisional = False

    item = _act(item=item, actor=actor, action=Action.DISPATCH, version=version, reason=reason, change=change)
    transaction.on_commit(lambda: notices.item_dispatched(item))
    send_on_commit(item_dispatched, item=item, actor=actor)
    return item


def item_acknowledge(*, item: Item, actor: AbstractBaseUser, reason: str = "", version: int | None = None) -> Item:
    """Acknowledge (签收): the department confirms it has the item."""

    def change(it: Item):
        it.acknowledged_at = timezone.now()
        if it.handler_id is None:
            it.handler = actor

    return _act(item=item, actor=actor, action=Action.ACKNOWLEDGE, version=version, reason=reason, change=change)


def item_return(*, item: Item, actor: AbstractBaseUser, reason: str, version: int | None = None) -> Item:
    """Return (退单): the department sends the item back to the dispatcher, with a reason."""
    _authorize(actor, item, Action.RETURN)
    reason = _required(reason, "reason", _("退单须说明理由。"))

    def change(it: Item):
        it.department = None
        it.handler = None
        it.acknowledge_due = None
        it.resolve_due = None
        it.due_provisional = False

    return _act(item=item, actor=actor, action=Action.RETURN, version=version, reason=reason, change=change)


# ---------------------------------------------------------------------------------------------
# Work on the item: measures, notes, extensions


def item_add_measure(
    *, item: Item, actor: AbstractBaseUser, text: str, due: dt.date, owner=None, version: int | None = None
) -> Measure:
    """Add a measure (解决措施) with an owner and a due date."""
    _authorize(actor, item, Action.ADD_MEASURE)
    text = _required(text, "text", _("请填写措施内容。"))
    if due is None:
        raise ValidationError({"due": _("请填写完成期限。")})
    _future_date(due, "due")
    made = {}

    def change(it: Item):
        measure = Measure(item=it, text=text, owner=owner or actor, due=due, created_at=timezone.now())
        measure.full_clean()
        measure.save()
        made["measure"] = measure
        return made

    _act(item=item, actor=actor, action=Action.ADD_MEASURE, version=version, reason=text, change=change)
    return made["measure"]


def item_complete_measure(
    *, measure: Measure, actor: AbstractBaseUser, reason: str = "", version: int | None = None
) -> Measure:
    """Mark a measure done."""

    def change(it: Item):
        locked = Measure.objects.select_for_update().get(pk=measure.pk)
        if locked.done_at is not None:
            raise ActionRefused(_("该措施已完成。"))
        locked.done_at = timezone.now()
        locked.save(update_fields=["done_at"])
        measure.done_at = locked.done_at
        return {"measure": locked}

    _act(item=measure.item, actor=actor, action=Action.COMPLETE_MEASURE, version=version, reason=reason, change=change)
    return measure


def item_note(*, item: Item, actor: AbstractBaseUser, text: str, version: int | None = None) -> Item:
    """Record progress (进展说明)."""
    _authorize(actor, item, Action.NOTE)
    text = _required(text, "text", _("请填写进展说明。"))
    return _act(item=item, actor=actor, action=Action.NOTE, version=version, reason=text, change=lambda it: None)


def item_request_extension(
    *, item: Item, actor: AbstractBaseUser, until: dt.date, reason: str, version: int | None = None
) -> Item:
    """Ask to move the resolution deadline (申请延期)."""
    _authorize(actor, item, Action.REQUEST_EXTENSION)
    reason = _required(reason, "reason", _("申请延期须说明理由。"))
    if until is None:
        raise ValidationError({"until": _("请填写延期后的期限。")})

    def change(it: Item):
        due = end_of_day(until)
        if it.resolve_due is not None and due <= it.resolve_due:
            raise ValidationError({"until": _("延期后的期限须晚于当前办结期限。")})
        it.pending_extension_due = due
        it.pending_extension_reason = reason[:500]

    return _act(item=item, actor=actor, action=Action.REQUEST_EXTENSION, version=version, reason=reason, change=change)


def item_decide_extension(
    *, item: Item, actor: AbstractBaseUser, approve: bool, reason: str = "", version: int | None = None
) -> Item:
    """Approve or refuse a pending extension."""
    _authorize(actor, item, Action.APPROVE_EXTENSION)
    if not approve:
        reason = _required(reason, "reason", _("不同意延期须说明理由。"))

    def change(it: Item):
        if approve:
            it.resolve_due = it.pending_extension_due
            it.due_provisional = False
        it.pending_extension_due = None
        it.pending_extension_reason = ""

    action = Action.APPROVE_EXTENSION if approve else Action.REFUSE_EXTENSION
    return _act(item=item, actor=actor, action=action, version=version, reason=reason, change=change)


# ---------------------------------------------------------------------------------------------
# Resolve, callback, sign off


def item_resolve(
    *,
    item: Item,
    actor: AbstractBaseUser,
    result_kind: str,
    result_text: str,
    amount: decimal.Decimal | None = None,
    reason: str = "",
    version: int | None = None,
) -> Item:
    """Resolve (办结): the department reports the item done, with its result (成果)."""
    _authorize(actor, item, Action.RESOLVE)
    errors = {}
    if result_kind not in ResultKind.values:
        errors["result_kind"] = [_("请选择成果类型。")]
    if not (result_text or "").strip():
        errors["result_text"] = [_("办结须填写办理结果。")]
    if result_kind == ResultKind.FUNDS_GRANTED and amount is None:
        errors["amount"] = [_("资金支持须填写金额。")]
    if amount is not None and amount < 0:
        errors["amount"] = [_("金额不能为负数。")]
    if errors:
        raise ValidationError(errors)

    def change(it: Item):
        result = Result(
            item=it,
            kind=result_kind,
            text=result_text.strip(),
            amount=amount,
            created_by=actor,
            created_at=timezone.now(),
        )
        result.full_clean()
        result.save()
        it.resolved_at = result.created_at
        return {"result": result}

    item = _act(item=item, actor=actor, action=Action.RESOLVE, version=version, reason=reason, change=change)
    send_on_commit(item_resolved, item=item, actor=actor)
    return item


def item_callback(
    *,
    item: Item,
    actor: AbstractBaseUser,
    satisfaction: str,
    solved: bool,
    note: str = "",
    submitter: str | None = None,
    version: int | None = None,
) -> Item:
    """Record a submitter's callback (回访). An item with several submitters (repeats merged into it)
    is called back once per named submitter: ``submitter`` is the key of the one asked ("primary" or
    an ItemSubmitter's id; by default the first not yet asked). The item is called back when all of
    them are; any unsatisfied answer reopens it as redo (重办), and then everyone is asked again."""
    _authorize(actor, item, Action.CALLBACK)
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("请选择满意度。")})
    if submitter is not None:
        submitter = str(submitter).strip() or None

    def change(it: Item):
        parties = item_parties(it)
        if not any(p.callable for p in parties):
            raise ActionRefused(_("匿名诉求无法回访，请直接销号。"))
        pending = pending_callbacks(it, parties)
        if submitter is None:
            if not pending:
                raise ActionRefused(_("各诉求人本轮均已回访。"))
            party = pending[0]
        else:
            party = next((p for p in parties if p.key == submitter), None)
            if party is None:
                raise ValidationError({"submitter": _("该事项没有这位诉求人。")})
            if not party.callable:
                raise ActionRefused(_("匿名诉求人无法回访。"))
            if party not in pending:
                raise ActionRefused(_("诉求人“%(name)s”本轮已回访。") % {"name": party.label})
        now = timezone.now()
        callback = Callback(
            item=it, submitter=party.extra, satisfaction=satisfaction, solved=solved, note=note, by=actor, at=now
        )
        callback.full_clean()
        callback.save()
        several = len([p for p in parties if p.callable]) > 1
        recorded = {"callback_for": [None, party.label]} if several else {}
        if satisfaction == Satisfaction.UNSATISFIED:
            it.satisfaction = satisfaction
            it.status = Status.REDO
            it.redo_count += 1
            it.resolved_at = None
            _set_deadlines(it, now, acknowledge=False)
            return {"changes": recorded}
        answers = [c.satisfaction for c in round_callbacks(it).values()]
        it.satisfaction = worst(answers)  # this answer is among them
        # Still waiting on others: the item stays resolved until every named submitter is asked.
        return {"changes": recorded, "keep_status": len(pending) > 1}

    return _act(item=item, actor=actor, action=Action.CALLBACK, version=version, reason=note, change=change)


def item_sign_off(*, item: Item, actor: AbstractBaseUser, reason: str = "", version: int | None = None) -> Item:
    """Sign off (销号/收账): the loop is closed."""

    def change(it: Item):
        it.closed_at = timezone.now()

    item = _act(item=item, actor=actor, action=Action.SIGN_OFF, version=version, reason=reason, change=change)
    send_on_commit(item_closed, item=item, actor=actor)
    return item


# ---------------------------------------------------------------------------------------------
# Repeats (重复件): merge one into another


def _copy_parties(*, duplicate: Item, into: Item, now: dt.datetime) -> int:
    """Add the duplicate's submitters (its own and those merged into it before) to ``into``'s, except
    a person ``into`` already has. Returns how many were added."""
    known = {p.identity() for p in item_parties(into) if p.callable}
    added = []
    for party in item_parties(duplicate):
        if party.callable and party.identity() in known:
            continue
        known.add(party.identity())
        added.append(ItemSubmitter(
            item=into,
            submitter_type=party.submitter_type,
            submitter_name=party.name,
            submitter_phone=party.phone,
            submitter_id_number=party.id_number,
            enterprise_name=party.enterprise_name,
            enterprise_credit_code=party.enterprise_credit_code,
            submitter_user_id=party.submitter_user_id,
            merged_from=party.merged_from or duplicate,
            added_at=now,
        ))  # fmt: skip
    ItemSubmitter.objects.bulk_create(added)
    return len(added)


def item_merge(
    *,
    item: Item,
    actor: AbstractBaseUser,
    into: Item,
    reason: str,
    version: int | None = None,
    into_version: int | None = None,
) -> Item:
    """Merge a repeat (重复件) into another item: the repeat is closed as merged (已合并) with a link
    to ``into``, which keeps every submitter of both and calls each back. Both timelines record it.

    Both items are locked in the order of their ids, so that two merges of the same pair, in either
    direction, queue instead of deadlocking; the second then finds its items changed (409)."""
    acting = _authorize(actor, item, Action.MERGE)
    reason = _required(reason, "reason", _("合并须说明理由。"))
    if into is None:
        raise ValidationError({"into": _("请选择要并入的事项。")})
    if into.pk == item.pk:
        raise ValidationError({"into": _("不能将事项合并到它自身。")})
    with transaction.atomic():
        for pk in sorted((item.pk, into.pk)):
            Item.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).get()

        def change(it: Item):
            target = Item.objects.select_related("division").get(pk=into.pk)
            if not may_act(acting, target, Action.MERGE):
                security_log.warning("refused merging item %s into %s by %s", it.pk, target.pk, _username(acting))
                raise PermissionDenied(_("合并目标不在您的管辖范围内。"))
            if into_version is not None and target.version != into_version:
                raise VersionConflict()
            if it.first_receiver_id is not None and not permits(it.first_receiver, target):
                raise ActionRefused(
                    _("合并目标 %(number)s 不在本事项首接人的管辖范围内，合并后首接人将无法查看，不能合并。")
                    % {"number": target.number}
                )
            if target.status == Status.MERGED:
                survivor = target.merged_into
                raise ActionRefused(
                    _("事项 %(number)s 已合并至 %(other)s，请改为合并至 %(other)s。")
                    % {"number": target.number, "other": survivor.number if survivor else "—"}
                )
            if target.status not in NOT_CLOSED:
                raise ActionRefused(
                    _("合并目标 %(number)s 当前状态为“%(status)s”，不能并入。")
                    % {"number": target.number, "status": Status(target.status).label}
                )
            now = timezone.now()
            before = snapshot(target, exclude=_UNTRACKED)
            count = len(item_parties(target))
            added = _copy_parties(duplicate=it, into=target, now=now)
            from_status = target.status
            if target.status == Status.CALLED_BACK and pending_callbacks(target):
                target.status = Status.RESOLVED  # the new submitters are still to be called back
            _save_and_log(
                target,
                actor=actor,
                action=Action.MERGED_IN,
                before=before,
                from_status=from_status,
                reason=reason,
                changes={"merged_from_id": [None, it.pk], "submitters": [count, count + added]},
                at=now,
            )
            it.merged_into = target
            it.pending_extension_due = None
            it.pending_extension_reason = ""

        merged = _act(item=item, actor=actor, action=Action.MERGE, version=version, reason=reason, change=change)
        send_on_commit(item_closed, item=merged, actor=actor)
    return merged


# ---------------------------------------------------------------------------------------------
# Help and supervise (帮督一体)


def item_supervise(*, item: Item, actor: AbstractBaseUser, reason: str, version: int | None = None) -> Item:
    """Supervise (督办): a leader or auditor puts the item under supervision."""
    _authorize(actor, item, Action.SUPERVISE)
    reason = _required(reason, "reason", _("督办须说明督办要求。"))

    def change(it: Item):
        it.supervised = True

    item = _act(item=item, actor=actor, action=Action.SUPERVISE, version=version, reason=reason, change=change)
    transaction.on_commit(lambda: notices.item_escalated(item, reason))
    return item


def item_urge(*, item: Item, actor: AbstractBaseUser, reason: str, version: int | None = None) -> Item:
    """Urge (催办): remind the handling department."""
    _authorize(actor, item, Action.URGE)
    reason = _required(reason, "reason", _("催办须说明催办内容。"))

    def change(it: Item):
        it.urge_count += 1

    item = _act(item=item, actor=actor, action=Action.URGE, version=version, reason=reason, change=change)
    transaction.on_commit(lambda: notices.item_escalated(item, reason))
    return item
