"""The item's state machine, as data. Services check against it, pages draw their buttons
from it and tests loop over it."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from ledger.models import Status
from org.models import Role


class Action(models.TextChoices):
    OPEN = "open", _("受理立账")
    DISPATCH = "dispatch", _("派单")
    ACKNOWLEDGE = "acknowledge", _("签收")
    RETURN = "return", _("退单")
    ADD_MEASURE = "add_measure", _("添加措施")
    COMPLETE_MEASURE = "complete_measure", _("措施完成")
    NOTE = "note", _("进展说明")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("同意延期")
    REFUSE_EXTENSION = "refuse_extension", _("不同意延期")
    RESOLVE = "resolve", _("办结")
    CALLBACK = "callback", _("回访")
    SIGN_OFF = "sign_off", _("销号")
    SUPERVISE = "supervise", _("督办")
    URGE = "urge", _("催办")
    EDIT = "edit", _("修改")
    MERGE = "merge", _("合并")
    MERGED_IN = "merged_in", _("并入重复件")  # the survivor's side of a merge, written by item_merge
    RECONCILE = "reconcile", _("对账提醒")  # written by the reconcile run, not taken by users


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    roles: frozenset[str]


def _rule(sources, target, roles) -> Rule:
    return Rule(frozenset(sources), target, frozenset(roles))


WORKING = {Status.IN_PROGRESS, Status.REDO}
FINAL = {Status.CLOSED, Status.MERGED}  # signed off, or merged into another item: nothing more happens
NOT_CLOSED = set(Status) - FINAL
DISPATCHERS = {Role.CALL_TAKER, Role.ADMIN}
HANDLERS = {Role.HANDLER}
OVERSEERS = {Role.LEADER, Role.AUDITOR}

MACHINE: dict[str, Rule] = {
    Action.DISPATCH: _rule({Status.OPEN, Status.RETURNED}, Status.DISPATCHED, DISPATCHERS),
    Action.ACKNOWLEDGE: _rule({Status.DISPATCHED}, Status.IN_PROGRESS, HANDLERS),
    Action.RETURN: _rule({Status.DISPATCHED}, Status.RETURNED, HANDLERS),
    Action.ADD_MEASURE: _rule(WORKING, None, HANDLERS),
    Action.COMPLETE_MEASURE: _rule(WORKING, None, HANDLERS),
    Action.NOTE: _rule(NOT_CLOSED, None, DISPATCHERS | HANDLERS | OVERSEERS),
    Action.REQUEST_EXTENSION: _rule(WORKING, None, HANDLERS),
    Action.APPROVE_EXTENSION: _rule(WORKING, None, DISPATCHERS | {Role.LEADER}),
    Action.REFUSE_EXTENSION: _rule(WORKING, None, DISPATCHERS | {Role.LEADER}),
    Action.RESOLVE: _rule(WORKING, Status.RESOLVED, HANDLERS),
    # A callback goes to CALLED_BACK, or to REDO when the submitter is unsatisfied.
    Action.CALLBACK: _rule({Status.RESOLVED}, Status.CALLED_BACK, DISPATCHERS),
    # An anonymous item cannot be called back, so it is signed off once resolved.
    Action.SIGN_OFF: _rule({Status.CALLED_BACK, Status.RESOLVED}, Status.CLOSED, DISPATCHERS | {Role.LEADER}),
    Action.SUPERVISE: _rule(NOT_CLOSED, None, OVERSEERS),
    Action.URGE: _rule(NOT_CLOSED, None, DISPATCHERS | OVERSEERS),
    Action.EDIT: _rule({Status.OPEN, Status.RETURNED}, None, DISPATCHERS),
    # A repeat (重复件) is merged into another item that is not closed either; it keeps its history,
    # and its submitters join the other item's, each to be called back.
    Action.MERGE: _rule(NOT_CLOSED, Status.MERGED, DISPATCHERS),
}
SYSTEM_ACTIONS = {Action.RECONCILE, Action.MERGED_IN}  # written by the system or another action's service

OPEN_STATUSES = NOT_CLOSED
ACTIVE_STATUSES = {Status.DISPATCHED, Status.IN_PROGRESS, Status.REDO}  # the clock is running
