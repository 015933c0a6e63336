"""Reads for the Open311 endpoints: jurisdictions, services, requests and their updates, shaped as
GeoReport v2 records (plain dicts that views render as XML or JSON)."""

import datetime as dt
import hashlib

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from core.privacy import mask_text
from ledger.machine import Action
from ledger.models import Category, Item, ItemEvent, Kind, Status
from open311.errors import Open311Error
from open311.models import ApiKey, CategoryAttribute
from org.models import Division

# Items of these kinds are not listed publicly unless an Open311 client filed them.
PRIVATE_KINDS = (Kind.PETITION, Kind.DISPUTE, Kind.REPORT)
# GeoReport status: open until resolution or sign-off, then closed (a redo is open again).
CLOSED_STATUSES = (Status.RESOLVED, Status.CALLED_BACK, Status.CLOSED, Status.MERGED)
# The steps of the loop a client sees, as status notes, notes[] and updates.
PUBLIC_ACTIONS = (
    Action.OPEN,
    Action.DISPATCH,
    Action.ACKNOWLEDGE,
    Action.ADD_MEASURE,
    Action.NOTE,
    Action.APPROVE_EXTENSION,
    Action.RESOLVE,
    Action.CALLBACK,
    Action.SIGN_OFF,
    Action.MERGE,
)
NOTE_ACTIONS = (Action.NOTE, Action.RESOLVE, Action.CALLBACK, Action.SIGN_OFF, Action.ADD_MEASURE)
# mySociety's update extension: the status a request has after each step.
UPDATE_STATUS = {
    Status.OPEN: "open",
    Status.DISPATCHED: "open",
    Status.RETURNED: "open",
    Status.IN_PROGRESS: "in_progress",
    Status.REDO: "open",
    Status.RESOLVED: "fixed",
    Status.CALLED_BACK: "fixed",
    Status.CLOSED: "closed",
    Status.MERGED: "closed",
}


def w3c(value: dt.datetime | None) -> str | None:
    """A W3C datetime with the time zone: 2026-11-25T15:47:00+08:00."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------------------------------
# Keys and jurisdictions


def key_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_get(raw: str | None) -> ApiKey:
    """The live key for this api_key, or a 403."""
    if not raw:
        raise Open311Error(403, "api_key is required")
    key = (
        ApiKey.objects.select_related("client__user__person__division", "client__division")
        .filter(digest=key_digest(raw), revoked_at=None, client__active=True)
        .first()
    )
    if key is None:
        raise Open311Error(403, "api_key is not valid or has been revoked")
    return key


def jurisdictions() -> list[Division]:
    """The jurisdictions served: the top divisions (usually the one city); the id is the code."""
    return list(Division.objects.filter(parent=None).order_by("code"))


def jurisdiction_get(jurisdiction_id: str | None) -> Division:
    served = jurisdictions()
    if not served:
        raise Open311Error(404, "no jurisdiction is served")
    if len(served) == 1:
        return served[0]  # the only one: the id is optional
    if not jurisdiction_id:
        raise Open311Error(400, "jurisdiction_id is required: this endpoint serves more than one")
    for division in served:
        if division.code == jurisdiction_id:
            return division
    raise Open311Error(404, f"jurisdiction_id {jurisdiction_id} was not found")


# ---------------------------------------------------------------------------------------------
# Services: the ledger's categories


def service_list() -> QuerySet[Category]:
    return (
        Category.objects.filter(active=True, parent__isnull=False)
        .exclude(open311_option__published=False)
        .select_related("parent", "open311_option")
        .order_by("code")
    )


def service_get(code: str | None) -> Category:
    if not code:
        raise Open311Error(400, "service_code is required")
    category = service_list().filter(code=code).first()
    if category is None:
        raise Open311Error(400, f"service_code {code} was not found")
    return category


def service_record(category: Category, attribute_codes: set[int]) -> dict:
    option = getattr(category, "open311_option", None)
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": (option.description if option and option.description else None),
        "metadata": category.pk in attribute_codes,
        "type": "batch" if option and option.batch else "realtime",
        "keywords": category.keywords or None,
        "group": category.parent.name if category.parent_id else None,
    }


def services_with_attributes() -> set[int]:
    return set(CategoryAttribute.objects.values_list("category_id", flat=True).distinct())


def attribute_record(attribute: CategoryAttribute) -> dict:
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
        "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in attribute.values or []],
    }


def service_definition(category: Category) -> dict:
    return {
        "service_code": category.code,
        "attributes": [attribute_record(a) for a in category.attributes.all()],
    }


# ---------------------------------------------------------------------------------------------
# Requests: the ledger's items


def _status_notes() -> Subquery:
    latest = (
        ItemEvent.objects.filter(item=OuterRef("pk"), action__in=NOTE_ACTIONS)
        .annotate(text=Coalesce(NullIf("reason", Value("")), "result__text"))
        .exclude(text=None)
        .exclude(text="")
        .order_by("-at", "-id")
        .values("text")[:1]
    )
    return Subquery(latest)


def request_queryset(*, jurisdiction: Division) -> QuerySet[Item]:
    """The items a client may see in the jurisdiction: all but private kinds, unless filed through Open311."""
    public = ~Q(kind__in=PRIVATE_KINDS) | Q(open311__isnull=False)
    return (
        Item.objects.filter(division_path__startswith=jurisdiction.path)
        .filter(public)
        .exclude(category__open311_option__published=False)
        .select_related("category", "department", "open311", "merged_into")
        .annotate(notes_text=_status_notes())
    )


def request_list(
    *,
    jurisdiction: Division,
    ids: list[str] | None = None,
    codes: list[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    statuses: list[str] | None = None,
) -> QuerySet[Item]:
    qs = request_queryset(jurisdiction=jurisdiction)
    if ids:
        return qs.filter(number__in=ids).order_by("-opened_at", "-id")  # overrides every other filter
    if codes:
        qs = qs.filter(category__code__in=codes)
    if start is not None:
        qs = qs.filter(opened_at__gte=start)
    if end is not None:
        qs = qs.filter(opened_at__lte=end)
    if statuses and set(statuses) != {"open", "closed"}:
        closed = Q(status__in=CLOSED_STATUSES)
        qs = qs.filter(closed if "closed" in statuses else ~closed)
    return qs.order_by("-opened_at", "-id")


def request_get(*, jurisdiction: Division, service_request_id: str) -> Item:
    item = request_queryset(jurisdiction=jurisdiction).filter(number=service_request_id).first()
    if item is None:
        raise Open311Error(404, f"service_request_id {service_request_id} was not found")
    return item


def _service_notice(item: Item) -> str:
    label = str(Status(item.status).label)
    if item.status == Status.MERGED and item.merged_into_id:
        return f"{label}：与事项 {item.merged_into.number} 一并办理"
    if item.status in CLOSED_STATUSES or item.resolve_due is None:
        return label
    return f"{label}，预计 {timezone.localtime(item.resolve_due):%Y-%m-%d} 前办结"


def request_record(item: Item, *, extensions: bool = False) -> dict:
    closed = item.status in CLOSED_STATUSES
    updated = (item.closed_at or item.resolved_at) if closed else item.updated_at
    extra = getattr(item, "open311", None)
    record = {
        "service_request_id": item.number,
        "status": "closed" if closed else "open",
        "status_notes": mask_text(getattr(item, "notes_text", None) or "") or None,
        "service_name": item.category.name,
        "service_code": item.category.code,
        "description": mask_text(item.description),
        "agency_responsible": item.department.name if item.department_id else None,
        "service_notice": _service_notice(item),
        "requested_datetime": w3c(item.opened_at),
        "updated_datetime": w3c(updated or item.updated_at),
        "expected_datetime": w3c(item.resolve_due),
        "address": mask_text(item.address or item.location_raw.get("address_string") or "") or None,
        "address_id": item.location_raw.get("address_id") or None,
        "zipcode": item.location_raw.get("zipcode") or None,
        "lat": item.lat,
        "long": item.long,
        "media_url": (extra.media_url or None) if extra else None,
    }
    if extensions:
        record["attributes"] = dict(extra.attributes) if extra else {}
        record["notes"] = [note_record(e) for e in item.events.all() if e.action in PUBLIC_ACTIONS]
    return record


def note_record(event: ItemEvent) -> dict:
    text = mask_text(event.reason or (event.result.text if event.result_id else ""))
    return {
        "datetime": w3c(event.at),
        "summary": str(Action(event.action).label),
        "type": event.action,
        "status": UPDATE_STATUS.get(event.to_status, "open"),
        "description": text or None,
    }


# ---------------------------------------------------------------------------------------------
# mySociety's update extension


def update_list(*, key: ApiKey, start: dt.datetime, end: dt.datetime) -> QuerySet[ItemEvent]:
    """The steps of the loop on the requests this key's client filed, other than its own posts."""
    return (
        ItemEvent.objects.filter(
            item__open311__client=key.client, at__gte=start, at__lte=end, action__in=PUBLIC_ACTIONS
        )
        .exclude(actor=key.client.user)
        .select_related("item", "result")
        .order_by("at", "id")
    )


def update_record(event: ItemEvent) -> dict:
    note = note_record(event)
    return {
        "update_id": str(event.pk),
        "service_request_id": event.item.number,
        "status": note["status"],
        "updated_datetime": note["datetime"],
        "description": note["description"] or note["summary"],
        "external_status_code": event.action,
        "media_url": None,
    }


def page_size(value: str | None) -> int:
    if not value:
        return settings.OPEN311_PAGE_SIZE
    try:
        size = int(value)
    except ValueError:
        raise Open311Error(400, "page_size must be a whole number") from None
    if size < 1:
        raise Open311Error(400, "page_size must be at least 1")
    return min(size, settings.OPEN311_MAX_PAGE_SIZE)
