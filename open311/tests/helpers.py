"""Shared set-up for the Open311 tests: a client app with a key, services with extra questions,
and validation of JSON bodies against the GeoReport v2 JSON Schemas (copied from ../shared/open311)."""

import json
import re
from pathlib import Path

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT7

from ledger.models import Category, Kind
from open311 import services
from open311.models import CategoryAttribute, Datatype, ServiceOption
from org.actor import SYSTEM

SCHEMAS = Path(__file__).parent / "schema"
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

_registry = Registry().with_resources(
    (p.name, DRAFT7.create_resource(json.loads(p.read_text()))) for p in SCHEMAS.glob("*.json")
)
_formats = jsonschema.FormatChecker()
_formats.checks("date-time")(lambda v: not isinstance(v, str) or bool(W3C.match(v)))
_formats.checks("uri")(lambda v: not isinstance(v, str) or v.startswith(("http://", "https://")))


def validate(body, schema: str) -> None:
    """Validate a JSON body against one of the schemas (services, service-definition, requests, request)."""
    contents = json.loads((SCHEMAS / f"{schema}.json").read_text())
    validator = jsonschema.Draft7Validator(contents, registry=_registry, format_checker=_formats)
    validator.validate(body)
    if schema == "requests":  # the schema's $ref sits beside "items"' format checks: check each too
        for entry in body:
            validate(entry, "request")


def make_client(cast, name="泉州通", rate_limit=60):
    client = services.client_create(name=name, division=cast.city, rate_limit=rate_limit)
    _key, raw = services.key_create(client=client, actor=SYSTEM)
    return client, raw


def make_services(cast):
    """道路维修 (0101) with two extra questions, and a batch service 信访 (0201)."""
    CategoryAttribute.objects.create(
        category=cast.category,
        code="size",
        description="塌陷面积",
        datatype=Datatype.SINGLE,
        required=True,
        order=1,
        values=[{"key": "small", "name": "小于1平方米"}, {"key": "large", "name": "1平方米以上"}],
    )
    CategoryAttribute.objects.create(
        category=cast.category, code="hazard", description="是否影响通行", datatype=Datatype.STRING, order=2
    )
    parent = Category.objects.create(code="02", name="信访事项")
    petition = Category.objects.create(code="0201", name="集体信访", parent=parent, keywords="信访,请愿")
    ServiceOption.objects.create(category=petition, batch=True, kind=Kind.PETITION, description="先审核后立账")
    return petition


def post_body(key, **overrides):
    body = {
        "api_key": key,
        "service_code": "0101",
        "description": "金山路128号门口路面塌陷，存在安全隐患。",
        "address_string": "泉州市鲤城区海滨街道金山社区居委会金山路128号",
        "attribute[size]": "large",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13812345678",
        "email": "wang@example.test",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}
