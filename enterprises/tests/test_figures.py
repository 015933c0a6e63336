"""The register's figures count what the register page lists behind their links."""

import datetime as dt

import pytest

from core.figures import Where, evaluate, figure
from enterprises.models import Enterprise
from enterprises.services import register_import
from enterprises.tests.conftest import code

pytestmark = pytest.mark.django_db

A, B, C = code("350502", "11111111X"), code("350503", "22222222X"), code("350502", "33333333X")
FILE = (
    "统一社会信用代码,企业名称,行业代码,区划代码,四上企业\n"
    f"{A},泉州市鸿达鞋业有限公司,C1951,350502001,是\n"
    f"{B},豐澤區瑞信茶業有限公司,C1530,350503001,是\n"
    f"{C},鲤城区小店,C1530,350502001,否\n"
)
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_market_entities_and_above_scale_enterprises_by_division_with_links(register, client):
    assert register_import(file=FILE.encode(), filename="a.csv").created == 3
    everywhere = Where(*YEAR)
    county = Where(*YEAR, division_path=register.county.path)
    values = {f.key: (value, link) for f, value, link in evaluate(county, ["enterprises.market_entities",
                                                                           "enterprises.above_scale"])}  # fmt: skip
    assert values["enterprises.market_entities"][0] == 2 and values["enterprises.above_scale"][0] == 1
    assert figure("enterprises.market_entities").count(everywhere) == Enterprise.objects.count() == 3
    assert figure("enterprises.above_scale").count(everywhere) == 2
    client.force_login(register.admin)
    for key, (value, link) in values.items():
        assert "division=350502" in link
        page = client.get(link)
        assert page.status_code == 200
        listed = sum(1 for c in (A, B, C) if c in page.content.decode())
        assert listed == value, key
