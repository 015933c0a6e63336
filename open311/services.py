"""Writes for Open311: client apps and their keys, filing a request (straight into the ledger through
ledger.services.item_open, or as a token for review), and a client's updates on its requests.
Every change to an item goes through a ledger service, which writes its event."""

import datetime as dt
import math
import secrets
import uuid
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, FloatField, Value
from django.db.models.functions import Cast
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from core.exceptions import ActionRefused
from core.history import record, to_json
from ledger import services as ledger
from ledger.models import Category, Channel, Item, Kind, Satisfaction, Status, SubmitterType
from ledger.submitters import PRIMARY, pending_callbacks
from open311.errors import Open311Error
from open311.models import ApiClient, ApiKey, CategoryAttribute, Datatype, ServiceRequest, ServiceRequestToken
from open311.selectors import key_digest
from org.actor import require_actor
from org.models import Division, Role
from org.services import person_create

DESCRIPTION_MAX = 4000


# ---------------------------------------------------------------------------------------------
# Clients and keys


def client_create(*, name: str, division: Division, channel: str = Channel.APP, rate_limit: int = 60) -> ApiClient:
    """A client app with its own system user: a call-taker of the division who cannot log in."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "name is required"})
    with transaction.atomic():
        username = f"open311-{slugify(name)[:20] or 'client'}-{secrets.token_hex(3)}"
        person = person_create(
            username=username,
            password=secrets.token_urlsafe(24),
            name=name[:32],
            role=Role.CALL_TAKER,
            division=division,
        )
        person.user.set_unusable_password()
        person.user.save(update_fields=["password"])
        return ApiClient.objects.create(
            name=name, division=division, channel=channel, rate_limit=rate_limit, user=person.user
        )


def key_create(*, client: ApiClient, actor, reason: str = "") -> tuple[ApiKey, str]:
    """A new key for the client; the key itself is returned once and only its digest kept. Recorded
    in the client's history (who made it, never the key)."""
    require_actor(actor)
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(client=client, prefix=raw[:8], digest=key_digest(raw))
        record(key, actor=actor, action="create", reason=reason, changes={"prefix": [None, key.prefix]}, parent=client)
    return key, raw


def key_revoke(*, key: ApiKey, actor, reason: str = "") -> ApiKey:
    require_actor(actor)
    if key.revoked_at is None:
        with transaction.atomic():
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            record(key, actor=actor, action="revoke", reason=reason,
                   changes={"revoked_at": [None, to_json(key.revoked_at)]}, parent=key.client)  # fmt: skip
    return key


def rate_check(*, key: ApiKey, now: float | None = None) -> None:
    """A fixed window per key: at most the client's rate_limit POSTs a minute, then 429."""
    window = int((now if now is not None else timezone.now().timestamp()) // 60)
    name = f"open311:rate:{key.pk}:{window}"
    cache.add(name, 0, timeout=120)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=120)
        count = 1
    if count > key.client.rate_limit:
        raise Open311Error(429, f"too many requests: at most {key.client.rate_limit} a minute for this api_key")


# ---------------------------------------------------------------------------------------------
# Filing a request


@dataclass
class Filing:
    """A checked request, ready for item_open; JSON-serialisable, so a batch token can keep it."""

    category_id: int
    division_id: int
    kind: str
    title: str
    description: str
    submitter_type: str
    submitter_name: str = ""
    submitter_phone: str = ""
    address: str = ""
    lat: float | None = None
    long: float | None = None
    location_raw: dict = field(default_factory=dict)
    attributes: dict = field(default_factory=dict)
    media_url: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""


def _value(data: QueryDict, name: str) -> str:
    """An empty parameter means the same as an absent one."""
    return (data.get(name) or "").strip()


def _float(data: QueryDict, name: str, low: float, high: float) -> float | None:
    raw = _value(data, name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise Open311Error(400, f"{name} must be between {low} and {high}")
    return value


def _attributes(data: QueryDict, category: Category) -> dict:
    answers = {}
    for attribute in CategoryAttribute.objects.filter(category=category, variable=True):
        code = attribute.code
        values = [v.strip() for v in data.getlist(f"attribute[{code}][]") + data.getlist(f"attribute[{code}]")]
        values = [v for v in values if v]
        if not values:
            if attribute.required:
                raise Open311Error(400, f"attribute {code} is required")
            continue
        keys = {str(v["key"]) for v in attribute.values or []}
        if attribute.datatype in (Datatype.SINGLE, Datatype.MULTI):
            wrong = [v for v in values if v not in keys]
            if wrong:
                raise Open311Error(400, f"attribute {code}: {wrong[0]} is not one of its values")
            if attribute.datatype == Datatype.SINGLE and len(values) > 1:
                raise Open311Error(400, f"attribute {code} takes one value")
            answers[code] = values if attribute.datatype == Datatype.MULTI else values[0]
            continue
        value = values[0]
        if attribute.datatype == Datatype.NUMBER:
            try:
                float(value)
            except ValueError:
                raise Open311Error(400, f"attribute {code} must be a number") from None
        if attribute.datatype == Datatype.DATETIME and parse_w3c(value, f"attribute {code}") is None:
            raise Open311Error(400, f"attribute {code} must be a datetime")
        answers[code] = value[:1000]
    return answers


def parse_w3c(value: str, name: str) -> dt.datetime | None:
    """A W3C datetime (2026-01-01T00:00:00Z, or with an offset, or a date); naive means local time."""
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
    except ValueError:
        raise Open311Error(400, f"{name} is not a W3C datetime (e.g. 2026-01-01T00:00:00Z)") from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def division_for(*, jurisdiction: Division, address: str, lat: float | None, long: float | None) -> Division:
    """The finest division the location names or lies nearest to; the jurisdiction itself otherwise."""
    within = Division.objects.filter(path__startswith=jurisdiction.path)
    if address:
        named = list(within.exclude(name="").annotate(needle=Value(address)).filter(needle__contains=F("name")))
        if named:
            return max(named, key=lambda d: len(d.path))
    if lat is not None and long is not None:
        placed = within.exclude(latitude=None).exclude(longitude=None)
        for level in (Division.Level.VILLAGE, Division.Level.TOWNSHIP, Division.Level.COUNTY):
            dlat = Cast("latitude", FloatField()) - Value(lat)
            dlong = Cast("longitude", FloatField()) - Value(long)
            nearest = placed.filter(level=level).annotate(d=dlat * dlat + dlong * dlong).order_by("d").first()
            if nearest is not None:
                return nearest
    return jurisdiction


def request_check(*, key: ApiKey, jurisdiction: Division, data: QueryDict) -> tuple[Filing, Category, Division]:
    """Check a POSTed request against the spec and the service definition: 400 before anything is written."""
    from open311.selectors import service_get

    category = service_get(_value(data, "service_code"))
    description = _value(data, "description")
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, f"description is longer than {DESCRIPTION_MAX} characters")
    lat = _float(data, "lat", -90, 90)
    long = _float(data, "long", -180, 180)
    if (lat is None) != (long is None):
        raise Open311Error(400, "lat and long go together: give both or neither")
    address = _value(data, "address_string")
    address_id = _value(data, "address_id")
    if lat is None and not address and not address_id:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    attributes = _attributes(data, category)
    first, last = _value(data, "first_name"), _value(data, "last_name")
    email = _value(data, "email")
    name = f"{last}{first}" if _is_cjk(last + first) else " ".join(p for p in (first, last) if p)
    option = getattr(category, "open311_option", None)
    raw = {"lat": lat, "long": long, "address_string": address, "address_id": address_id}
    raw["zipcode"] = _value(data, "zipcode")
    division = division_for(jurisdiction=jurisdiction, address=address, lat=lat, long=long)
    text = description or category.name
    filing = Filing(
        category_id=category.pk,
        division_id=division.pk,
        kind=option.kind if option else Kind.PROBLEM,
        title=_title(text, category),
        description=text,
        submitter_type=SubmitterType.RESIDENT if name else SubmitterType.ANONYMOUS,
        submitter_name=name[:64],
        submitter_phone=_value(data, "phone") if name else "",
        address=address[:200],
        lat=lat,
        long=long,
        location_raw={k: v for k, v in raw.items() if v not in (None, "")},
        attributes=attributes,
        media_url=_value(data, "media_url")[:500],
        email=email[:254],
        device_id=_value(data, "device_id")[:64],
        account_id=_value(data, "account_id")[:64],
    )
    return filing, category, division


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _title(text: str, category: Category) -> str:
    first = text.splitlines()[0].strip() if text.strip() else category.name
    return first if len(first) <= 60 else first[:59] + "…"


def _open(*, client: ApiClient, filing: Filing, category: Category | None = None, division: Division | None = None):
    category = category or Category.objects.select_related("parent").get(pk=filing.category_id)
    division = division or Division.objects.get(pk=filing.division_id)
    try:
        with transaction.atomic():
            item = ledger.item_open(
                actor=client.user,
                title=filing.title,
                description=filing.description,
                kind=filing.kind,
                channel=client.channel,
                category=category,
                division=division,
                submitter_type=filing.submitter_type,
                submitter_name=filing.submitter_name,
                submitter_phone=filing.submitter_phone,
                address=filing.address,
                lat=filing.lat,
                long=filing.long,
                location_raw=filing.location_raw,
            )
            ServiceRequest.objects.create(
                item=item,
                client=client,
                attributes=filing.attributes,
                media_url=filing.media_url,
                email=filing.email,
                device_id=filing.device_id,
                account_id=filing.account_id,
            )
    except ValidationError as e:
        raise Open311Error(400, _messages(e)) from None
    except PermissionDenied as e:
        raise Open311Error(403, str(e) or "this client may not file requests there") from None
    return item


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in error.message_dict.items())
    return " ".join(str(m) for m in error.messages)


def request_file(*, key: ApiKey, jurisdiction: Division, data: QueryDict) -> Item | ServiceRequestToken:
    """POST a service request: an item at once, or, for a batch service, a token to be reviewed."""
    filing, category, division = request_check(key=key, jurisdiction=jurisdiction, data=data)
    option = getattr(category, "open311_option", None)
    if option is not None and option.batch:
        return ServiceRequestToken.objects.create(
            token=str(uuid.uuid4()), client=key.client, category=category, payload=asdict(filing)
        )
    return _open(client=key.client, filing=filing, category=category, division=division)


def token_accept(*, token: ServiceRequestToken, reviewer) -> ServiceRequestToken:
    """A reviewer accepts a batch request: it is opened in the ledger by the client's system user."""
    with transaction.atomic():
        locked = ServiceRequestToken.objects.select_for_update().select_related("client__user").get(pk=token.pk)
        if locked.status != ServiceRequestToken.Status.PENDING:
            raise ActionRefused("该请求已审核。")
        try:
            item = _open(client=locked.client, filing=Filing(**locked.payload))
        except Open311Error as e:
            raise ActionRefused(e.description) from None
        locked.item = item
        locked.status = ServiceRequestToken.Status.ACCEPTED
        locked.decided_at, locked.decided_by = timezone.now(), reviewer
        locked.save(update_fields=["item", "status", "decided_at", "decided_by"])
    return locked


def token_reject(*, token: ServiceRequestToken, reviewer, reason: str = "") -> ServiceRequestToken:
    updated = ServiceRequestToken.objects.filter(pk=token.pk, status=ServiceRequestToken.Status.PENDING).update(
        status=ServiceRequestToken.Status.REJECTED, decided_at=timezone.now(), decided_by=reviewer, reason=reason[:500]
    )
    if not updated:
        raise ActionRefused("该请求已审核。")
    token.refresh_from_db()
    return token


# ---------------------------------------------------------------------------------------------
# Updates from the client (mySociety's extension)

REOPEN_PREFIX = "【群众要求重新办理】"
# The statuses of an update (GeoReport's OPEN and CLOSED, and mySociety's extension, which
# FixMyStreet sends) and what each does to the item (docs/open311.md): OPEN may reopen it; these
# are recorded as a progress note; the rest decide the item's handling, which is the department's.
NOTE_UPDATE_STATUSES = frozenset({"CLOSED", "INVESTIGATING", "IN_PROGRESS", "ACTION_SCHEDULED", "FIXED"})
REFUSED_UPDATE_STATUSES = frozenset(
    {"DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "INTERNAL_REFERRAL"}
)


def update_post(*, key: ApiKey, jurisdiction: Division, data: QueryDict):
    """A comment on a request the client filed (a progress note, whatever its status among
    NOTE_UPDATE_STATUSES), or, with status=OPEN on a resolved request, a reopen: recorded as an
    unsatisfied callback, so the item is redone (重办). REFUSED_UPDATE_STATUSES answer 400."""
    number = _value(data, "service_request_id")
    if not number:
        raise Open311Error(400, "service_request_id is required")
    item = Item.objects.filter(number=number, division_path__startswith=jurisdiction.path).first()
    if item is None:
        raise Open311Error(404, f"service_request_id {number} was not found")
    if not ServiceRequest.objects.filter(item=item, client=key.client).exists():
        raise Open311Error(403, "this api_key's client did not file this request")
    status = _value(data, "status").upper()
    if status in REFUSED_UPDATE_STATUSES:
        raise Open311Error(400, f"status {status} is the department's decision and cannot be posted by a client")
    if status and status not in NOTE_UPDATE_STATUSES | {"OPEN"}:
        raise Open311Error(400, f"status {status} is not one of OPEN, CLOSED or mySociety's update statuses")
    description = _value(data, "description")
    if not description:
        raise Open311Error(400, "description is required")
    if len(description) > 1000:
        raise Open311Error(400, "description is longer than 1000 characters")
    name = " ".join(p for p in (_value(data, "first_name"), _value(data, "last_name")) if p)
    text = f"{name}：{description}" if name else description
    actor = key.client.user
    reopen = status == "OPEN" and item.status in (Status.RESOLVED, Status.CALLED_BACK)
    try:
        # the client speaks for the request's own submitter, not for those of repeats merged into it
        if reopen and item.status == Status.RESOLVED and any(p.key == PRIMARY for p in pending_callbacks(item)):
            item = ledger.item_callback(
                item=item, actor=actor, satisfaction=Satisfaction.UNSATISFIED, solved=False, note=text[:1000],
                submitter=PRIMARY,
            )  # fmt: skip
        else:
            item = ledger.item_note(item=item, actor=actor, text=(REOPEN_PREFIX + text if reopen else text)[:1000])
    except ActionRefused as e:
        raise Open311Error(400, f"the request cannot take this update now: {e.message}") from None
    except (ValidationError, PermissionDenied) as e:
        raise Open311Error(400, str(e)) from None
    return item.events.order_by("-at", "-id").first()


def update_window(data: QueryDict) -> tuple[dt.datetime, dt.datetime]:
    return date_window(data, default_days=settings.OPEN311_WINDOW_DAYS)


def date_window(data: QueryDict, *, default_days: int = 90) -> tuple[dt.datetime, dt.datetime]:
    """start_date and end_date, at most default_days apart; the most recent default_days by default."""
    start = parse_w3c(_value(data, "start_date"), "start_date")
    end = parse_w3c(_value(data, "end_date"), "end_date")
    span = dt.timedelta(days=default_days)
    if start is None and end is None:
        end = timezone.now()
        start = end - span
    elif start is None:
        start = end - span
    elif end is None:
        end = start + span
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > span:
        raise Open311Error(400, f"start_date and end_date may not be more than {default_days} days apart")
    return start, end
