import pytest
from django.utils import timezone

from enterprises.models import Enterprise
from org.models import Rank


@pytest.fixture
def factory(cast):
    """An enterprise of 鲤城区 and one of 丰泽区 (another county), and the officials who visit."""
    cast.leader.person.rank = Rank.COUNTY
    cast.leader.person.save(update_fields=["rank"])

    def enterprise(code, name, division):
        return Enterprise.objects.create(credit_code=code, name=name, name_search=name, division=division,
                                         address="金山路1号", updated_at=timezone.now())  # fmt: skip

    cast.enterprise = enterprise("91350502MA2XXXXX02", "泉州示例纺织有限公司", cast.village)
    cast.other_enterprise = enterprise("91350503MA2XXXXX0G", "丰泽示例鞋业有限公司", cast.other_village)
    return cast
