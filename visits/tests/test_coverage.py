"""Pairing (挂钩) and coverage (万名干部进万企): which above-scale enterprises were visited, by whom."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.exceptions import ActionRefused
from core.figures import Where, figure
from core.models import ChangeRecord
from enterprises.models import Enterprise
from visits import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(factory):
    factory.enterprise.above_scale = True
    factory.enterprise.save(update_fields=["above_scale"])
    factory.quiet = Enterprise.objects.create(credit_code="91350502MA2XXXXX1X", name="金山示例机械有限公司",
                                              name_search="金山示例机械有限公司", division=factory.village,
                                              above_scale=True, updated_at=timezone.now())  # fmt: skip
    today = timezone.localdate()
    services.pairing_create(actor=factory.leader, official=factory.leader.person, enterprise=factory.enterprise,
                            starts_on=today.replace(month=1, day=1))  # fmt: skip
    services.pairing_create(actor=factory.leader, official=factory.leader.person, enterprise=factory.quiet,
                            starts_on=today.replace(month=1, day=1))  # fmt: skip
    services.visit_record(actor=factory.leader, visited_on=today, officials=[factory.leader.person],
                          enterprise=factory.enterprise,
                          findings=[services.FindingInput("用地指标不足", category=factory.category)])  # fmt: skip
    return factory


def test_coverage_counts_the_above_scale_enterprises_visited_and_lists_the_rest(world):
    today = timezone.localdate()
    args = {"user": world.leader, "division": world.county, "start": today.replace(month=1, day=1), "end": today}
    whole = selectors.coverage_by_division(**args)[-1]
    assert (whole.above_scale, whole.visited, whole.findings, whole.solved) == (2, 1, 1, 0)
    assert whole.share == 50.0
    assert list(selectors.not_visited(**args)) == [world.quiet]
    official = selectors.coverage_by_official(**args)[0]
    assert official["person"] == world.leader.person
    assert (official["paired"], official["paired_visited"], official["visited"]) == (2, 1, 1)


def test_the_coverage_page_and_its_export(world, client):
    client.force_login(world.leader)
    response = client.get(reverse("visits:coverage"))
    assert response.status_code == 200
    assert "金山示例机械有限公司" in response.text and "50.0%" in response.text
    csv = b"".join(client.get(reverse("visits:coverage"), {"export": "csv"}).streaming_content).decode()
    assert "金山示例机械有限公司" in csv and "泉州示例纺织有限公司" not in csv
    assert client.get(reverse("visits:coverage"), {"division": world.other_county.code}).status_code == 403
    assert client.get(reverse("visits:coverage"), {"start": "2026-05-01", "end": "2026-04-01"}).status_code == 400


def test_the_coverage_figure_counts_each_enterprise_once(world):
    today = timezone.localdate()
    services.visit_record(actor=world.leader, visited_on=today, officials=[world.leader.person],
                          enterprise=world.enterprise)  # fmt: skip
    where = Where(start=today.replace(month=1, day=1), end=today, division_path=world.county.path)
    assert figure("visits.above_scale_visited").count(where) == 1


def test_a_pairing_is_refused_when_it_overlaps_ends_before_it_starts_or_lies_outside_the_scope(world):
    today = timezone.localdate()
    with pytest.raises(ActionRefused, match="已存在"):
        services.pairing_create(actor=world.leader, official=world.leader.person, enterprise=world.enterprise,
                                starts_on=today)  # fmt: skip
    with pytest.raises(ValidationError) as e:
        services.pairing_create(actor=world.leader, official=world.leader.person, enterprise=world.other_enterprise,
                                starts_on=today, ends_on=today - dt.timedelta(days=1))  # fmt: skip
    assert "结束日期不能早于开始日期。" in e.value.message_dict["ends_on"]
    with pytest.raises(ValidationError):
        services.pairing_create(actor=world.leader, official=world.leader.person, starts_on=today)
    with pytest.raises(PermissionDenied):
        services.pairing_create(actor=world.leader, official=world.leader.person,
                                enterprise=world.other_enterprise, starts_on=today)  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.pairing_create(actor=world.handler, official=world.leader.person, enterprise=world.quiet,
                                starts_on=today + dt.timedelta(days=400))  # fmt: skip


def test_a_city_leader_is_paired_with_a_county_and_the_pairing_ends_with_its_history(world):
    today = timezone.localdate()
    pairing = services.pairing_create(actor=world.admin, official=world.leader.person, county=world.other_county,
                                      starts_on=today)  # fmt: skip
    with pytest.raises(ValidationError):
        services.pairing_create(actor=world.admin, official=world.leader.person, county=world.village,
                                starts_on=today)  # fmt: skip
    services.pairing_end(actor=world.admin, pairing=pairing, ends_on=today, reason="换届")
    pairing.refresh_from_db()
    assert pairing.ends_on == today
    end = ChangeRecord.objects.get(object_id=str(pairing.pk), action="end")
    assert end.reason == "换届" and end.changes == {"ends_on": [None, today.isoformat()]}


def test_the_api_sets_and_ends_a_pairing(world):
    api = APIClient()
    api.force_authenticate(world.leader)
    body = {"official": "leader", "county": world.county.code, "starts_on": timezone.localdate().isoformat()}
    response = api.post("/api/pairings/", body, format="json")
    assert response.status_code == 201 and response.json()["county"] == world.county.code
    again = api.post("/api/pairings/", body, format="json")
    assert again.status_code == 409
    bad = api.post("/api/pairings/", {**body, "county": "", "enterprise": "91350503MA2XXXXX0G"}, format="json")
    assert bad.status_code == 400 and "enterprise" in bad.json()["errors"]  # another county's enterprise
    ended = api.post(f"/api/pairings/{response.json()['id']}/end/", {"ends_on": "2000-01-01"}, format="json")
    assert ended.status_code == 400 and "ends_on" in ended.json()["errors"]
    assert len(api.get("/api/pairings/").json()["results"]) == 3
    outsider = APIClient()
    outsider.force_authenticate(world.other_leader)
    refused = outsider.post(
        f"/api/pairings/{response.json()['id']}/end/", {"ends_on": body["starts_on"]}, format="json"
    )
    assert refused.status_code == 403
