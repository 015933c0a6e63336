"""Opening items: validation of what the call-taker types."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ledger.models import Item, ItemEvent, SubmitterType


@pytest.mark.parametrize(
    "field,value",
    [
        ("submitter_phone", "1381234"),
        ("submitter_phone", "電話"),
        ("submitter_id_number", "350502199001011235"),
        ("submitter_id_number", "12345"),
        ("title", "长" * 201),
        ("description", "长" * 4001),
        ("kind", "gossip"),
        ("channel", "carrier-pigeon"),
        ("priority", "whenever"),
        ("submitter_type", "alien"),
        ("title", ""),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_written(open_item, field, value):
    with pytest.raises(ValidationError) as e:
        open_item(**{field: value})
    assert field in e.value.message_dict
    assert Item.objects.count() == 0 and ItemEvent.objects.count() == 0


def test_a_phone_number_is_kept_in_its_normal_form(open_item):
    assert open_item(submitter_phone="+86 138-1234-5678").submitter_phone == "13812345678"
    assert open_item(submitter_phone="0595-22345678").submitter_phone == "059522345678"


def test_a_valid_id_number_is_accepted(open_item):
    assert open_item(submitter_id_number="11010519491231002x").submitter_id_number == "11010519491231002X"


def test_an_enterprise_item_needs_the_enterprise_name_and_a_valid_credit_code(open_item):
    with pytest.raises(ValidationError) as e:
        open_item(submitter_type=SubmitterType.ENTERPRISE, enterprise_name="", submitter_name="")
    assert "enterprise_name" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        open_item(submitter_type=SubmitterType.ENTERPRISE, enterprise_name="泉州某鞋业", enterprise_credit_code="abc")
    assert "enterprise_credit_code" in e.value.message_dict


def test_an_anonymous_item_keeps_no_personal_data(open_item):
    item = open_item(submitter_type=SubmitterType.ANONYMOUS, submitter_phone="13812345678")
    assert item.submitter_phone == "" and item.submitter_name == ""


def test_a_call_taker_cannot_open_an_item_in_another_county(cast, open_item):
    with pytest.raises(PermissionDenied):
        open_item(division=cast.other_village)
    assert Item.objects.count() == 0


def test_a_submitter_cannot_open_items_through_the_staff_intake(cast, open_item):
    with pytest.raises(PermissionDenied):
        open_item(actor=cast.submitter)


def test_the_open_event_records_the_initial_fields(cast, open_item):
    item = open_item()
    event = item.events.get()
    assert event.action == "open" and event.actor == cast.call_taker
    assert event.changes["title"] == [None, "金山路路面塌陷"]
