"""Consultation (征求意见) on a draft policy: opening it for comment, comments and answers."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ActionRefused
from core.history import record
from org.actor import require_actor
from policies.models import Comment, Consultation, Policy, PolicyClause, PolicyStatus
from policies.selectors import DRAFTER_ROLES, consultation_invited_as
from policies.services.catalogue import require_role


def consultation_open(*, policy: Policy, actor, opens_on: dt.date, closes_on: dt.date, users=(),
                      enterprises=(), today: dt.date | None = None) -> Consultation:  # fmt: skip
    """Open a draft for comment by invited users (associations) and enterprises (their members)."""
    require_role(actor, DRAFTER_ROLES, _("您的角色不能发起征求意见。"))
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if closes_on < opens_on:
        errors["closes_on"] = [_("截止日期不能早于开始日期。")]
    elif closes_on < today:
        errors["closes_on"] = [_("截止日期不能早于今天。")]
    if not users and not enterprises:
        errors["invited_users"] = [_("请至少邀请一个用户或一家企业。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Policy.objects.select_for_update().get(pk=policy.pk)
        if locked.status != PolicyStatus.DRAFT:
            raise ActionRefused(_("只有草稿状态的政策可以征求意见。"))
        consultation = Consultation.objects.create(policy=locked, opens_on=opens_on, closes_on=closes_on,
                                                   created_by=actor)  # fmt: skip
        consultation.invited_users.set(users)
        consultation.invited_enterprises.set(enterprises)
        record(locked, actor=actor, action="consult",
               changes={"opens_on": [None, opens_on.isoformat()], "closes_on": [None, closes_on.isoformat()],
                        "invited": [None, len(users) + len(enterprises)]})  # fmt: skip
    return consultation


def comment_add(*, consultation: Consultation, actor, text: str, clause: PolicyClause | None = None,
                on_behalf_of: str = "", today: dt.date | None = None) -> Comment:  # fmt: skip
    """An invited user's comment on the draft or on one of its clauses, while the consultation is open.
    An enterprise's member comments on behalf of that enterprise; a user invited directly names the
    association they speak for (or none)."""
    require_actor(actor)
    today = today or timezone.localdate()
    invited_for = consultation_invited_as(consultation=consultation, user=actor)
    if invited_for is None:
        raise PermissionDenied(_("您未受邀对该政策草案提出意见。"))
    if today < consultation.opens_on:
        raise ActionRefused(
            _("征求意见将于%(date)s开始，届时才能提交意见。") % {"date": consultation.opens_on.isoformat()}
        )
    if today > consultation.closes_on:
        raise ActionRefused(
            _("征求意见已于%(date)s截止，不再接收意见。") % {"date": consultation.closes_on.isoformat()}
        )
    text = (text or "").strip()
    on_behalf_of = (on_behalf_of or "").strip()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["text"] = [_("请填写意见。")]
    elif len(text) > 5000:
        errors["text"] = [_("意见不能超过5000字。")]
    if clause is not None and clause.policy_id != consultation.policy_id:
        errors["clause"] = [_("该条款不属于本政策。")]
    enterprise_names = invited_for["enterprises"]
    if enterprise_names and not invited_for["direct"]:
        on_behalf_of = on_behalf_of or enterprise_names[0]
        if on_behalf_of not in enterprise_names:
            errors["on_behalf_of"] = [_("只能代表您所在的受邀企业提出意见。")]
    if len(on_behalf_of) > 200:
        errors["on_behalf_of"] = [_("代表单位不能超过200字。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Policy.objects.select_for_update().get(pk=consultation.policy_id)
        if locked.status != PolicyStatus.DRAFT:
            raise ActionRefused(_("该政策已不是草稿，征求意见已结束。"))
        return Comment.objects.create(consultation=consultation, clause=clause, author=actor,
                                      on_behalf_of=on_behalf_of, text=text)  # fmt: skip


def comment_answer(*, comment: Comment, actor, answer: str, adopted: bool | None) -> Comment:
    """The drafters' answer to a comment, and whether it was adopted."""
    require_role(actor, DRAFTER_ROLES, _("您的角色不能答复意见。"))
    answer = (answer or "").strip()
    errors: dict[str, list[str]] = {}
    if not answer:
        errors["answer"] = [_("请填写答复。")]
    if adopted is None:
        errors["adopted"] = [_("请选择是否采纳。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        locked.answer, locked.adopted = answer, adopted
        locked.answered_at, locked.answered_by = timezone.now(), actor
        locked.save(update_fields=["answer", "adopted", "answered_at", "answered_by"])
    return locked
