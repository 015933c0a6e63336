"""The GeoReport v2 endpoints under /open311/v2/, in XML (required by the spec) and JSON.

Views only parse the request, call a selector or a service and render; every error, whatever
raised it, leaves as the spec's error body with its status."""

import functools
import json
from xml.etree import ElementTree as ET

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from open311 import selectors, services
from open311.errors import Open311Error
from open311.models import ServiceRequestToken

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# The element name of one entry of each list, in XML.
CHILDREN = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_request_updates": "request_update",
}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(parent: ET.Element, name: str, value) -> None:
    node = ET.SubElement(parent, name)
    if value is None:
        return
    if isinstance(value, dict) and name == "attributes":  # a request's answers: code → value(s)
        for code, answer in value.items():
            entry = ET.SubElement(node, "attribute")
            ET.SubElement(entry, "code").text = code
            for one in answer if isinstance(answer, list) else [answer]:
                ET.SubElement(entry, "value").text = _text(one)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _element(node, key, inner)
    elif isinstance(value, list):
        child = CHILDREN.get(name, "item")
        for entry in value:
            _element(node, child, entry)
    else:
        node.text = _text(value)


def render(data, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """``data`` is a list (rendered as <root><child/>…</root>) or a dict (<root>…</root>)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode()
    else:
        tree = ET.Element(root)
        if isinstance(data, list):
            for entry in data:
                _element(tree, CHILDREN[root], entry)
        else:
            for key, value in data.items():
                _element(tree, key, value)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(tree, encoding="utf-8", xml_declaration=False)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error(fmt: str, status: int, description: str) -> HttpResponse:
    response = render([{"code": status, "description": description}], fmt, "errors", status=status)
    if status == 429:
        response["Retry-After"] = "60"
    return response


def endpoint(methods=("GET",)):
    """Parse the format and the jurisdiction, and turn every Open311Error (and a 404) into the spec's body."""

    def wrap(view):
        @csrf_exempt
        @require_http_methods(list(methods))
        @functools.wraps(view)
        def inner(request, fmt, **kwargs):
            params = request.GET
            if request.method == "POST":  # the form's fields, and those a client put in the query string
                params = request.GET.copy()
                params.update(request.POST)
            try:
                jurisdiction = selectors.jurisdiction_get(services._value(params, "jurisdiction_id"))
                return view(request, fmt, params, jurisdiction, **kwargs)
            except Open311Error as e:
                return error(fmt, e.status, e.description)
            except Http404:
                return error(fmt, 404, "not found")

        return inner

    return wrap


@endpoint()
def discovery(request, fmt, params, jurisdiction):
    url = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    return render(
        {
            "changeset": "2026-11-25T00:00:00+08:00",
            "contact": settings.OPEN311_CONTACT,
            "key_service": settings.OPEN311_KEY_SERVICE,
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": url,
                    "changeset": "2026-11-25T00:00:00+08:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
        fmt,
        "discovery",
    )


@endpoint()
def service_list(request, fmt, params, jurisdiction):
    with_attributes = selectors.services_with_attributes()
    data = [selectors.service_record(c, with_attributes) for c in selectors.service_list()]
    return render(data, fmt, "services")


@endpoint()
def service_definition(request, fmt, params, jurisdiction, code):
    category = selectors.service_list().filter(code=code).first()
    if category is None:
        raise Open311Error(404, f"service_code {code} was not found")
    return render(selectors.service_definition(category), fmt, "service_definition")


@endpoint(methods=("GET", "POST"))
def requests(request, fmt, params, jurisdiction):
    if request.method == "POST":
        return _post_request(fmt, params, jurisdiction)
    extensions = services._value(params, "extensions").lower() == "true"
    ids = [i.strip() for i in services._value(params, "service_request_id").split(",") if i.strip()]
    codes = [c.strip() for c in services._value(params, "service_code").split(",") if c.strip()]
    statuses = [s.strip().lower() for s in services._value(params, "status").split(",") if s.strip()]
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, "status must be open or closed")
    start, end = services.date_window(params, default_days=settings.OPEN311_WINDOW_DAYS)
    if ids:
        start = end = None  # service_request_id overrides every other parameter
    qs = selectors.request_list(
        jurisdiction=jurisdiction, ids=ids, codes=codes, start=start, end=end, statuses=statuses
    )
    if extensions:
        qs = qs.prefetch_related("events__result")
    size = selectors.page_size(services._value(params, "page_size"))
    page_number = services._value(params, "page") or "1"
    if not page_number.isdigit() or int(page_number) < 1:
        raise Open311Error(400, "page must be a whole number from 1")
    offset = (int(page_number) - 1) * size
    rows = list(qs[offset : offset + size])
    data = [selectors.request_record(item, extensions=extensions) for item in rows]
    return render(data, fmt, "service_requests")


def _post_request(fmt, params, jurisdiction):
    key = selectors.api_key_get(services._value(params, "api_key"))
    services.rate_check(key=key)
    made = services.request_file(key=key, jurisdiction=jurisdiction, data=params)
    if isinstance(made, ServiceRequestToken):
        entry = {"token": made.token, "service_notice": "已收到，审核后立账"}
    else:
        entry = {"service_request_id": made.number, "service_notice": "已受理"}
    account = services._value(params, "account_id")
    if account:
        entry["account_id"] = account
    return render([entry], fmt, "service_requests", status=201)


@endpoint()
def token(request, fmt, params, jurisdiction, token):
    found = ServiceRequestToken.objects.select_related("item").filter(token=token).first()
    if found is None:
        raise Open311Error(404, f"token {token} was not found")
    entry = {"service_request_id": found.item.number if found.item_id else None, "token": found.token}
    return render([entry], fmt, "service_requests")


@endpoint()
def request_detail(request, fmt, params, jurisdiction, service_request_id):
    extensions = services._value(params, "extensions").lower() == "true"
    item = selectors.request_get(jurisdiction=jurisdiction, service_request_id=service_request_id)
    return render([selectors.request_record(item, extensions=extensions)], fmt, "service_requests")


@endpoint(methods=("GET", "POST"))
def updates(request, fmt, params, jurisdiction):
    key = selectors.api_key_get(services._value(params, "api_key"))
    if request.method == "POST":
        services.rate_check(key=key)
        event = services.update_post(key=key, jurisdiction=jurisdiction, data=params)
        return render([{"update_id": str(event.pk)}], fmt, "service_request_updates")
    start, end = services.update_window(params)
    data = [selectors.update_record(e) for e in selectors.update_list(key=key, start=start, end=end)]
    return render(data, fmt, "service_request_updates")
