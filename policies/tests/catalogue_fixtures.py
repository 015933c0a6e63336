"""Shared set-up for the catalogue tests: a draft policy with one clause, and an enterprise user."""

import datetime as dt

from django.utils import timezone

from enterprises.models import Enterprise
from org.actor import SYSTEM
from org.models import Department
from policies.models import Policy
from policies.services.catalogue import clause_save

CONDITION = {"and": [{"industry_prefix": ["C17"]}, {">=": [{"var": "revenue_y1"}, 20000000]}]}


def draft_policy(code: str = "draft-1") -> Policy:
    policy = Policy.objects.create(
        code=code, title="纺织业稳增长若干措施（征求意见稿）", issuer="泉州市工信局", issued_on=dt.date(2026, 1, 1)
    )
    clause_save(
        actor=SYSTEM,
        policy=policy,
        code=f"{code}-01",
        number=1,
        title="规上纺织企业增产奖励",
        condition=CONDITION,
        benefit=100000,
        budget=5000000,
        department=Department.objects.filter(code="350500-GXJ").first(),  # the cast's 市工信局
    )
    return policy


def enterprise(code: str = "91350502MA2XXXXX01", name: str = "泉州示例纺织有限公司", members=()) -> Enterprise:
    e = Enterprise.objects.create(credit_code=code, name=name, name_search=name, updated_at=timezone.now())
    e.members.add(*members)
    return e
