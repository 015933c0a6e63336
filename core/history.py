"""The change-history kit: one ``record()`` for every write that changes a record.

    record(policy, actor=user, action="publish", reason="…", changes={"status": ["draft", "in_force"]})
    record(item, actor=SYSTEM, action="reconcile", model=ItemEvent, from_status=…, to_status=…)

``actor`` is a user or the system actor (``org.actor.SYSTEM``, anything with ``is_system``); ``None``
is refused, so no write goes unattributed. Without ``model`` the row is a ``ChangeRecord`` pointing at
``target`` (and at ``parent``, so a parent's history shows its children's changes); with ``model``
(an ``Event`` subclass such as ``ItemEvent``) the target is passed as that model's fields. The request
id comes from the request being served (``core.context``). ``snapshot``/``diff`` give the changed
fields as ``{field: [before, after]}`` in JSON."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.context import request_id
from core.models import ChangeRecord, Event


def actor_user(actor: Any):
    """The user stored as a row's actor: None for the system; refuses a missing actor."""
    if actor is None:
        raise ValueError("every change names its actor: pass a user or the system actor (org.actor.SYSTEM)")
    if getattr(actor, "is_system", False):
        return None
    if hasattr(actor, "is_authenticated"):  # a user
        return actor
    return actor.user  # an acting principal (org.actor.Actor)


def to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The concrete fields of ``obj`` by attribute name (``department_id``), as they are now."""
    skip = set(exclude)
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in skip}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` of the fields that changed, in JSON."""
    return {k: [to_json(before.get(k)), to_json(after[k])] for k in after if before.get(k) != after[k]}


def created(obj: models.Model, exclude: Iterable[str] = ()) -> dict[str, list[Any]]:
    """The changes of a new record: every field that has a value, from None."""
    return {k: [None, to_json(v)] for k, v in snapshot(obj, exclude).items() if v not in (None, "", False, 0)}


def record(
    target: models.Model | None = None,
    *,
    actor: Any,
    action: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    parent: models.Model | None = None,
    model: type[Event] | None = None,
    **fields: Any,
) -> Event:
    """Append one history row. Call it inside the write's transaction."""
    values = dict(
        action=action,
        actor=actor_user(actor),
        at=at or timezone.now(),
        reason=(reason or "")[:1000],
        changes=changes or {},
        request_id=request_id.get(),
    )
    if model is not None:
        return model.objects.create(**values, **fields)
    if target is None:
        raise ValueError("record() needs the target record, or an event model and its fields")
    if parent is not None:
        values |= {"parent_type": ContentType.objects.get_for_model(parent), "parent_id": str(parent.pk)}
    return ChangeRecord.objects.create(
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        object_repr=str(target)[:200],
        **values,
    )


# What each action is called on a history page; apps add theirs with ``name_actions``.
ACTIONS: dict[str, Any] = {
    "create": _("新建"),
    "change": _("修改"),
    "delete": _("删除"),
}
_HIDDEN = {"id", "version", "updated_at", "created_at", "created_by_id"}


def name_actions(**labels: Any) -> None:
    ACTIONS.update(labels)


@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    actor: Any
    action: str
    reason: str
    subject: str  # the child record a row is about, "" for the record itself
    changes: list[tuple[str, Any, Any]]  # (field label, before, after)


def history_rows(target: models.Model) -> list[HistoryRow]:
    """The history of ``target`` for a page: actions and fields by their names in the user's language,
    bookkeeping fields (ids, paths, versions) left out."""
    rows = []
    for r in history_of(target):
        model = r.content_type.model_class()
        rows.append(HistoryRow(r.at, r.actor, str(ACTIONS.get(r.action, r.action)), r.reason,
                               r.object_repr if r.parent_id else "", _labelled(model, r.changes)))  # fmt: skip
    return rows


def _labelled(model, changes: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    fields = {f.attname: f for f in model._meta.concrete_fields} if model is not None else {}
    out = []
    for name, (before, after) in changes.items():
        if name in _HIDDEN or name.endswith("_path"):
            continue
        field = fields.get(name) or (model._meta.get_field(name) if model and _has(model, name) else None)
        label = getattr(field, "verbose_name", None) or getattr(field, "related_model", None)
        label = str(label._meta.verbose_name_plural if isinstance(label, type) else label or name)
        out.append((label, before, after))
    return out


def _has(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
        return True
    except FieldDoesNotExist:
        return False


def history_of(target: models.Model) -> QuerySet[ChangeRecord]:
    """The changes of ``target`` and of the records that belong to it, oldest first."""
    ct = ContentType.objects.get_for_model(target)
    pk = str(target.pk)
    return (
        ChangeRecord.objects.filter(Q(content_type=ct, object_id=pk) | Q(parent_type=ct, parent_id=pk))
        .select_related("actor__person", "content_type")
        .order_by("at", "id")
    )
