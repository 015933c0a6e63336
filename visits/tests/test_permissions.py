"""Who may see and change visits, through the shared permission kit."""

from django.utils import timezone

from core.testing import Endpoint, permission_tests
from ledger.models import Category
from visits import services


def _visit(factory):
    return services.visit_record(actor=factory.leader, visited_on=timezone.localdate(),
                                 officials=[factory.leader.person], enterprise=factory.enterprise,
                                 findings=[services.FindingInput("用电增容审批慢")])  # fmt: skip


def _finding(factory):
    return _visit(factory).findings.get()


test_visits_admit_only_whom_they_declare = permission_tests(
    Endpoint("page", lambda v: f"/visits/{v.pk}/", make=_visit, cast="factory",
             allowed=["leader", "call_taker", "auditor", "city_call_taker", "admin"],
             wrong_role=["submitter"], out_of_scope=["other_leader", "other_handler"]),
    Endpoint("api", lambda v: f"/api/visits/{v.pk}/", make=_visit, cast="factory",
             allowed=["leader", "city_call_taker"], out_of_scope=["other_leader"]),
    Endpoint("open", lambda f: f"/visits/findings/{f.pk}/open/", make=_finding, cast="factory", method="post",
             data=lambda f: {f"{f.pk}-kind": "problem", f"{f.pk}-category": Category.objects.get(code="0101").pk},
             allowed=["leader", "call_taker"], wrong_role=["auditor"], out_of_scope=["other_leader"]),
    Endpoint("api-open", lambda f: f"/api/visits/{f.visit_id}/findings/{f.pk}/open-item/", make=_finding,
             cast="factory", method="post", data={"category": "0101"},
             allowed=["leader"], wrong_role=["auditor"], out_of_scope=["other_call_taker"]),
)  # fmt: skip
