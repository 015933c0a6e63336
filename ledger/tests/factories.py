"""Factories of the ledger's tests: an item brought to any state through the services, every action
endpoint with a valid body, and the intake body of the API."""

import datetime as dt

from django.utils import timezone

from ledger import services
from ledger.machine import Action
from ledger.models import Item, ResultKind, Satisfaction


def in_days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def bring(cast, item: Item, state: str) -> Item:
    """Take a freshly opened item to ``state`` through the services."""
    if state == "open":
        return item
    item = services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
    if state == "dispatched":
        return item
    item = services.item_acknowledge(item=item, actor=cast.handler)
    if state == "in_progress":
        return item
    if state == "pending_extension":
        until = timezone.localtime(item.resolve_due).date() + dt.timedelta(days=10)
        return services.item_request_extension(item=item, actor=cast.handler, until=until, reason="需协调")
    services.item_add_measure(
        item=item, actor=cast.handler, text="安排施工队修复", due=timezone.localdate() + dt.timedelta(days=3)
    )
    item.refresh_from_db()
    if state == "with_measure":
        return item
    item = services.item_resolve(item=item, actor=cast.handler, result_kind=ResultKind.SOLVED, result_text="已修复")
    if state == "resolved":
        return item
    item = services.item_callback(item=item, actor=cast.call_taker, satisfaction=Satisfaction.SATISFIED, solved=True)
    if state == "called_back":
        return item
    item = services.item_sign_off(item=item, actor=cast.call_taker)
    assert state == "closed", state
    return item


def _extension_until(item):
    return (timezone.localtime(item.resolve_due).date() + dt.timedelta(days=10)).isoformat()


def _measure_path(item):
    return f"measures/{item.measures.get().pk}/complete/"


def _merge_body(item):
    """A second, open item of the same place and submitter to merge the item into (a repeat)."""
    twin = services.item_open(
        actor=item.first_receiver,
        title=f"{item.title}（再次来电）",
        description=item.description,
        kind=item.kind,
        channel=item.channel,
        category=item.category,
        division=item.division,
        submitter_type=item.submitter_type,
        submitter_name="李四",
        submitter_phone="13900001111",
    )
    return {"into": twin.pk, "into_version": twin.version, "reason": "同一事项重复来电"}


# Every action endpoint: (path or path(item), the action, the state it works in, who takes it, a valid
# body or body(item), a state it is refused in with 409, and the status it leaves the item in).
ENDPOINTS = {
    "dispatch": ("dispatch/", Action.DISPATCH, "open", "call_taker", {"department": "350502-ZJ"}, "in_progress"),
    "acknowledge": ("acknowledge/", Action.ACKNOWLEDGE, "dispatched", "handler", {}, "in_progress"),
    "return": ("return/", Action.RETURN, "dispatched", "handler", {"reason": "不属于本部门职责"}, "in_progress"),
    "add_measure": (
        "measures/",
        Action.ADD_MEASURE,
        "in_progress",
        "handler",
        {"text": "安排施工队", "due": in_days(3)},
        "dispatched",
    ),
    "complete_measure": (_measure_path, Action.COMPLETE_MEASURE, "with_measure", "handler", {}, "resolved"),
    "note": ("notes/", Action.NOTE, "open", "call_taker", {"text": "已联系诉求人"}, "closed"),
    "request_extension": (
        "extension/request/",
        Action.REQUEST_EXTENSION,
        "in_progress",
        "handler",
        lambda item: {"until": _extension_until(item), "reason": "需协调多部门"},
        "pending_extension",
    ),
    "approve_extension": (
        "extension/approve/",
        Action.APPROVE_EXTENSION,
        "pending_extension",
        "call_taker",
        {},
        "in_progress",
    ),
    "refuse_extension": (
        "extension/refuse/",
        Action.REFUSE_EXTENSION,
        "pending_extension",
        "leader",
        {"reason": "时间充足"},
        "in_progress",
    ),
    "resolve": (
        "resolve/",
        Action.RESOLVE,
        "in_progress",
        "handler",
        {"result_kind": "solved", "result_text": "已修复路面"},
        "dispatched",
    ),
    "callback": (
        "callback/",
        Action.CALLBACK,
        "resolved",
        "call_taker",
        {"satisfaction": "satisfied", "solved": True},
        "in_progress",
    ),
    "sign_off": ("sign-off/", Action.SIGN_OFF, "called_back", "call_taker", {}, "resolved"),
    "supervise": ("supervise/", Action.SUPERVISE, "open", "leader", {"reason": "请加快办理"}, "closed"),
    "urge": ("urge/", Action.URGE, "dispatched", "auditor", {"reason": "请尽快签收"}, "closed"),
    "edit": (
        "edit/",
        Action.EDIT,
        "open",
        "call_taker",
        {"reason": "更正标题", "title": "金山路128号路面塌陷"},
        "dispatched",
    ),
    "merge": ("merge/", Action.MERGE, "in_progress", "call_taker", _merge_body, "closed"),
}


def endpoint_url(item: Item, name: str) -> str:
    path = ENDPOINTS[name][0]
    return f"/api/items/{item.pk}/{path(item) if callable(path) else path}"


def endpoint_body(item: Item, name: str) -> dict:
    body = ENDPOINTS[name][4]
    return body(item) if callable(body) else dict(body)


def open_body(**overrides):
    body = {
        "title": "金山路路面塌陷",
        "description": "金山路128号门口路面塌陷，存在安全隐患。",
        "kind": "problem",
        "channel": "hotline",
        "category": "0101",
        "division": "350502001001",
        "submitter_type": "resident",
        "submitter_name": "王小明",
        "submitter_phone": "138-1234-5678",
        "submitter_id_number": "11010519491231002X",
        "priority": "urgent",
    }
    body.update(overrides)
    return body
