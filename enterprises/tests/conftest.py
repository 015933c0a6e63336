import pytest
from stdnum.cn import uscc


def code(county: str = "350502", org: str = "12345678X", kind: str = "91") -> str:
    """A valid credit code registered in ``county``."""
    body = f"{kind}{county}{org}"
    return body + uscc.calc_check_digit(body)


@pytest.fixture
def register(cast):
    """The cast (鲤城区 and 丰泽区 with a township and a village each) and the industry classification."""
    from enterprises.services import industries_load_reference

    industries_load_reference()
    return cast
