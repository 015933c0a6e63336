"""Writes of the visits app: recording a visit and turning its findings into ledger items."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ActionRefused
from core.history import created, record, to_json
from enterprises.models import Enterprise
from ledger.models import Category, Channel, Item, Kind, SubmitterType
from ledger.services import item_open
from org.actor import Actor, permits, require_actor
from org.models import Division, Person
from visits.models import RECORD_ROLES, Finding, Pairing, Visit

security_log = logging.getLogger("grassroots.security")
MAX_FINDING = 2000


@dataclass(frozen=True)
class FindingInput:
    """A finding as entered: its text, its kind and, to open its item at once, a category."""

    text: str
    kind: str = Kind.PROBLEM
    category: Category | None = None


def _refuse(actor: Actor, message: str, what: str) -> PermissionDenied:
    security_log.warning("refused %s by %s", what, getattr(actor.user, "username", "?"))
    return PermissionDenied(message)


def visit_record(
    *,
    actor,
    visited_on: dt.date,
    officials: Sequence[Person],
    enterprise: Enterprise | None = None,
    division: Division | None = None,
    place: str = "",
    summary: str = "",
    findings: Sequence[FindingInput] = (),
) -> Visit:
    """Record a visit (走访) with what was heard. A finding given a category is opened as a ledger
    item in the same step; the others can be opened later (``finding_open_item``). Refused, nothing
    written: a date in the future, no place, an official or a place outside the actor's scope, a
    finding with no text or over 2,000 characters."""
    who = require_actor(actor)
    if who.role not in RECORD_ROLES:
        raise _refuse(who, _("您的角色不能录入走访记录。"), "visit record")
    errors: dict[str, list[str]] = {}
    if visited_on is None:
        errors["visited_on"] = [_("请填写走访日期。")]
    elif visited_on > timezone.localdate():
        errors["visited_on"] = [_("走访日期不能晚于今天。")]
    if enterprise is not None:
        division = enterprise.division or division
    if division is None:
        errors["division" if enterprise is None else "enterprise"] = [
            _("请选择走访的企业或所在区划。") if enterprise is None else _("该企业没有登记所在区划，请另选区划。")
        ]
    if not officials:
        errors["officials"] = [_("请至少选择一名走访干部。")]
    texts = []
    for n, finding in enumerate(findings, 1):
        text = (finding.text or "").strip()
        if not text:
            errors.setdefault("findings", []).append(_("第 %(n)d 条问题没有内容。") % {"n": n})
        elif len(text) > MAX_FINDING:
            errors.setdefault("findings", []).append(
                _("第 %(n)d 条问题超过 %(max)d 字。") % {"n": n, "max": MAX_FINDING}
            )
        texts.append(text)
    if errors:
        raise ValidationError(errors)
    if not who.within(division):
        raise _refuse(who, _("走访地点不在您的管辖范围内。"), f"visit in {division.code}")
    outside = [p.name for p in officials if not who.within(p.division)]
    if outside:
        raise _refuse(
            who, _("走访干部不在您的管辖范围内：%(names)s") % {"names": "、".join(outside)}, "visit officials"
        )
    with transaction.atomic():
        visit = Visit.objects.create(
            visited_on=visited_on,
            enterprise=enterprise,
            division=division,
            division_path=division.path,
            place=(place or "").strip(),
            county_level=any(p.county_level_or_above for p in officials),
            summary=(summary or "").strip(),
            created_by=who.user,
            created_at=timezone.now(),
        )
        visit.officials.set(officials)
        made = [Finding.objects.create(visit=visit, text=t, kind=f.kind) for t, f in zip(texts, findings, strict=True)]
        record(visit, actor=who, action="create", changes=created(visit) | {
            "officials": [None, [p.name for p in officials]], "findings": [None, len(made)]})  # fmt: skip
        for finding, given in zip(made, findings, strict=True):
            if given.category is not None:
                _open_item(who, finding, given.category, given.kind)
    return visit


def finding_open_item(*, actor, finding: Finding, category: Category, kind: str | None = None) -> Item:
    """Open the finding as a ledger item (channel 走访企业; the enterprise as submitter), once."""
    who = require_actor(actor)
    if not permits(who, finding.visit, "view"):
        raise _refuse(who, _("该走访记录不在您的管辖范围内。"), f"finding {finding.pk}")
    if not permits(who, finding.visit, "change"):
        raise _refuse(who, _("您的角色不能把走访问题转为事项。"), f"finding {finding.pk}")
    with transaction.atomic():
        locked = Finding.objects.select_for_update(of=("self",)).select_related("visit__enterprise", "visit__division")
        locked = locked.get(pk=finding.pk)
        return _open_item(who, locked, category, kind or locked.kind)


def _open_item(who: Actor, finding: Finding, category: Category, kind: str) -> Item:
    if finding.item_id is not None:
        raise ActionRefused(_("该问题已转为事项 %(number)s。") % {"number": finding.item.number})
    visit = finding.visit
    enterprise = visit.enterprise
    where = enterprise.name if enterprise else (visit.place or visit.division.name)
    item = item_open(
        actor=who.user,
        title=_first_line(finding.text),
        description=finding.text
        + "\n\n"
        + _("（来源：%(date)s 走访 %(where)s）")
        % {"date": f"{visit.visited_on:%Y-%m-%d}", "where": where},  # fmt: skip
        kind=kind,
        channel=Channel.VISIT,
        category=category,
        division=visit.division,
        submitter_type=SubmitterType.ENTERPRISE if enterprise else SubmitterType.ANONYMOUS,
        enterprise_name=enterprise.name if enterprise else "",
        enterprise_credit_code=enterprise.credit_code if enterprise else "",
        address=enterprise.address if enterprise else visit.place,
    )
    finding.item = item
    finding.kind = kind
    finding.save(update_fields=["item", "kind"])
    record(finding, actor=who, action="open_item", parent=visit, changes={"item": [None, item.number]})
    return item


def _first_line(text: str, limit: int = 40) -> str:
    line = text.strip().splitlines()[0].strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def pairing_create(
    *,
    actor,
    official: Person,
    starts_on: dt.date,
    enterprise: Enterprise | None = None,
    county: Division | None = None,
    ends_on: dt.date | None = None,
) -> Pairing:
    """Pair an official with an enterprise, or a leader with a county (挂钩). Refused: neither or both
    given, an end before the start, an official or enterprise outside the actor's scope, the same
    pairing already in force on the start date."""
    who = require_actor(actor)
    errors: dict[str, list[str]] = {}
    if (enterprise is None) == (county is None):
        errors["enterprise"] = [_("请选择挂钩的企业或县（市、区），二者选一。")]
    if county is not None and county.level not in (Division.Level.COUNTY, Division.Level.ZONE):
        errors["county"] = [_("挂钩区划须为县（市、区）或功能区。")]
    if enterprise is not None and enterprise.division is None:
        errors["enterprise"] = [_("该企业没有登记所在区划，不能挂钩。")]
    if ends_on is not None and starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("结束日期不能早于开始日期。")]
    if errors:
        raise ValidationError(errors)
    place = enterprise.division if enterprise is not None else county
    if who.role not in Pairing.scope.roles_for("change") or not who.within(place) or not who.within(official.division):
        raise _refuse(who, _("该挂钩关系不在您的管辖范围内，或您的角色不能设置挂钩。"), "pairing")
    with transaction.atomic():
        clash = Pairing.objects.select_for_update().filter(official=official, enterprise=enterprise, division=county)
        clash = clash.filter(starts_on__lte=ends_on or dt.date.max).exclude(ends_on__lt=starts_on)
        if clash.exists():
            raise ActionRefused(_("%(official)s 与 %(target)s 的挂钩关系在该期间已存在。") % {
                "official": official.name, "target": enterprise.name if enterprise else county.name})  # fmt: skip
        pairing = Pairing.objects.create(official=official, enterprise=enterprise, division=county,
                                         division_path=place.path, starts_on=starts_on, ends_on=ends_on,
                                         created_by=who.user, created_at=timezone.now())  # fmt: skip
        record(pairing, actor=who, action="create", changes=created(pairing))
    return pairing


def pairing_end(*, actor, pairing: Pairing, ends_on: dt.date, reason: str = "") -> Pairing:
    """End a pairing on ``ends_on`` (not before it started)."""
    who = require_actor(actor)
    if not permits(who, pairing, "change"):
        raise _refuse(who, _("您不能结束该挂钩关系。"), f"pairing {pairing.pk}")
    with transaction.atomic():
        locked = Pairing.objects.select_for_update().get(pk=pairing.pk)
        if ends_on < locked.starts_on:
            raise ValidationError({"ends_on": [_("结束日期不能早于开始日期。")]})
        before = locked.ends_on
        locked.ends_on = ends_on
        locked.save(update_fields=["ends_on"])
        record(locked, actor=who, action="end", reason=reason,
               changes={"ends_on": [to_json(before), to_json(ends_on)]})  # fmt: skip
    return locked
