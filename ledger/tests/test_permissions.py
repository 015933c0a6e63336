"""Who may pass each page and endpoint of the ledger, on the permission kit: the anonymous visitor is
sent to log in (401 through the API), a role without the action gets 403 (logged), an official of
another county 404 on a read and 403 on a write (logged, nothing written), the allowed pass."""

from django.urls import reverse

from core.testing import Endpoint, permission_tests
from ledger import export_jobs, services
from ledger.machine import MACHINE
from ledger.models import ItemEvent
from ledger.tests.factories import ENDPOINTS, bring, endpoint_body, endpoint_url, open_body
from org.models import Department

OUTSIDERS = ["other_call_taker", "other_handler", "other_leader"]


def _act(action: str, **fields):
    """The body of an action's form on the item page: fields prefixed by the action, with the version."""
    return lambda item: {f"{action}-version": item.version} | {f"{action}-{k}": v for k, v in fields.items()}


def _dispatched(cast, open_item):
    return services.item_dispatch(item=open_item(), actor=cast.call_taker, department=cast.department)


def _wrong_role(action: str) -> str:
    """A member of 鲤城区 whose role may not take the action."""
    return next(role for role in ("auditor", "handler", "call_taker", "submitter") if role not in MACHINE[action].roles)


def _job(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = export_jobs.export_request(user=cast.call_taker, list_name="items", fmt="xlsx", query="")
    return export_jobs.export_run(job_id=job.pk)


test_the_pages_admit_only_whom_they_declare = permission_tests(
    Endpoint("inbox", reverse("ledger:inbox"), allowed=["call_taker"]),
    Endpoint("ledger", reverse("ledger:ledger"), allowed=["leader"]),
    Endpoint(
        "item",
        lambda item: reverse("ledger:item", args=[item.pk]),
        make=lambda open_item: open_item(),
        allowed=["call_taker"],
        out_of_scope=["other_call_taker"],
    ),
    Endpoint(
        "dispatch",
        lambda item: reverse("ledger:act", args=[item.pk, "dispatch"]),
        make=lambda open_item: open_item(),
        method="post",
        data=lambda item: _act("dispatch", department=Department.objects.get(code="350502-ZJ").pk)(item),
        allowed=["call_taker"],
        out_of_scope=["other_call_taker"],
        events=ItemEvent,
    ),
    Endpoint(  # bad input does not reveal more than a 403
        "urge-without-a-reason",
        lambda item: reverse("ledger:act", args=[item.pk, "urge"]),
        make=lambda open_item: open_item(),
        method="post",
        data=_act("urge", reason=""),
        out_of_scope=["other_call_taker"],
        events=ItemEvent,
    ),
    Endpoint(
        "acknowledge",
        lambda item: reverse("ledger:act", args=[item.pk, "acknowledge"]),
        make=_dispatched,
        method="post",
        data=_act("acknowledge"),
        allowed=["handler"],
        wrong_role=["auditor"],
        events=ItemEvent,
    ),
    Endpoint("export-job", lambda job: reverse("ledger:export_job", args=[job.pk]), make=_job, allowed=["call_taker"]),
    Endpoint(
        "export-download",
        lambda job: reverse("ledger:export_download", args=[job.pk]),
        make=_job,
        allowed=["call_taker"],
    ),
)

test_the_api_admits_only_whom_it_declares = permission_tests(
    Endpoint("items", "/api/items/", allowed=["call_taker"]),
    Endpoint(
        "open",
        "/api/items/",
        method="post",
        data=open_body(),
        allowed=["call_taker"],
        out_of_scope=["other_call_taker"],
        events=ItemEvent,
    ),
    Endpoint(
        "open-by-a-submitter",
        "/api/items/",
        method="post",
        data=open_body(),
        wrong_role=["submitter"],
        events=ItemEvent,
    ),  # fmt: skip
    Endpoint(
        "item",
        lambda item: f"/api/items/{item.pk}/",
        make=lambda cast, open_item: bring(cast, open_item(), "resolved"),
        allowed=["call_taker"],
        out_of_scope=OUTSIDERS,
    ),
    Endpoint(
        "timeline",
        lambda item: f"/api/items/{item.pk}/timeline/",
        make=lambda open_item: open_item(),
        allowed=["call_taker"],
        out_of_scope=OUTSIDERS,
    ),
    *(
        Endpoint(
            name,
            lambda item, name=name: endpoint_url(item, name),
            make=lambda cast, open_item, state=state: bring(cast, open_item(), state),
            method="post",
            data=lambda item, name=name: endpoint_body(item, name),
            wrong_role=[_wrong_role(action)],
            out_of_scope=OUTSIDERS,
            events=ItemEvent,
        )
        for name, (_, action, state, *_) in ENDPOINTS.items()
    ),
)
