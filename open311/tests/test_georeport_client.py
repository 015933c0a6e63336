"""Third-party clients against the running site: the ``georeport`` package from PyPI (GeoReport v2
reads, in JSON and in XML through xmltodict) and a plain form POST as FixMyStreet sends it."""

import pytest
import requests
from django.core.cache import cache
from georeport import GeoReport

from ledger import services as ledger
from ledger.models import ResultKind, Satisfaction
from open311.tests.helpers import make_client, make_services, post_body, validate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, cast):
    cache.clear()
    make_services(cast)
    _client, key = make_client(cast)
    return f"{live_server.url}/open311/v2", key


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_and_a_definition(site, fmt):
    root, _key = site
    geo = GeoReport(root, output_format=fmt)
    services = geo.get_service_list()
    services = services if isinstance(services, list) else [services]
    codes = {s["service_code"] for s in services}
    assert {"0101", "0201"} <= codes
    if fmt == "json":
        validate(services, "services")
    definition = geo.get_service_definition("0101")
    assert definition["service_code"] == "0101"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_follows_a_request_it_filed_through_the_loop(site, cast, fmt):
    root, key = site
    response = requests.post(f"{root}/requests.{fmt}", data=post_body(key), timeout=10)
    assert response.status_code == 201
    geo = GeoReport(root, api_key=key, output_format=fmt)
    listed = geo.get_service_requests(status="open")
    listed = listed if isinstance(listed, list) else [listed]
    number = listed[0]["service_request_id"]
    one = geo.get_service_request(number)
    assert one["status"] == "open" and one["service_code"] == "0101"

    from ledger.models import Item

    item = Item.objects.get(number=number)
    item = ledger.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
    item = ledger.item_acknowledge(item=item, actor=cast.handler)
    item = ledger.item_resolve(item=item, actor=cast.handler, result_kind=ResultKind.SOLVED, result_text="已修复")
    item = ledger.item_callback(item=item, actor=cast.call_taker, satisfaction=Satisfaction.SATISFIED, solved=True)
    ledger.item_sign_off(item=item, actor=cast.call_taker, reason="已销号")

    one = geo.get_service_request(number)
    assert one["status"] == "closed" and one["status_notes"] == "已销号"
    assert one["agency_responsible"] == "鲤城区住建局"
    closed = geo.get_service_requests(status="closed", service_code="0101")
    closed = closed if isinstance(closed, list) else [closed]
    assert [r["service_request_id"] for r in closed] == [number]
    if fmt == "json":
        validate(closed, "requests")
    updates = requests.get(f"{root}/servicerequestupdates.{fmt}", params={"api_key": key}, timeout=10)
    assert updates.status_code == 200 and b"sign_off" in updates.content


def test_georeport_sees_the_spec_error_as_an_http_error(site):
    root, _key = site
    with pytest.raises(requests.HTTPError) as caught:
        GeoReport(root).get_service_request("20990101000001")
    assert caught.value.response.status_code == 404
    assert caught.value.response.json() == [
        {"code": 404, "description": "service_request_id 20990101000001 was not found"}
    ]
