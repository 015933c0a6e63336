import pytest

from core.testing import make_cast


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def open_item(cast):
    """Open an item as the call-taker; keyword arguments override the defaults."""
    from ledger.models import Channel, Kind, SubmitterType
    from ledger.services import item_open

    def make(**overrides):
        fields = dict(
            actor=cast.call_taker,
            title="金山路路面塌陷",
            description="金山路128号门口路面塌陷，存在安全隐患。",
            kind=Kind.PROBLEM,
            channel=Channel.HOTLINE,
            category=cast.category,
            division=cast.village,
            submitter_type=SubmitterType.RESIDENT,
            submitter_name="王小明",
            submitter_phone="13812345678",
        )
        fields.update(overrides)
        return item_open(**fields)

    return make
