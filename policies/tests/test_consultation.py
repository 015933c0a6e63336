"""Consultation on drafts (征求意见): drafters open it, the invited (users directly, enterprises through
their members) read the draft and comment until the closing date, drafters answer; nobody else sees it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.exceptions import ActionRefused
from org.models import Role
from org.services import person_create
from policies.models import Comment, Consultation
from policies.services.consultation import comment_add, comment_answer, consultation_open
from policies.tests.catalogue_fixtures import draft_policy, enterprise

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 5, 10)


@pytest.fixture
def setting(cast):
    policy = draft_policy()
    association = person_create(
        username="shanghui", password="x-pass-123456", name="纺织服装商会", role=Role.SUBMITTER, division=cast.county
    ).user
    firm = enterprise(members=[cast.submitter])
    consultation = consultation_open(
        policy=policy,
        actor=cast.handler,
        opens_on=TODAY,
        closes_on=TODAY + dt.timedelta(days=14),
        users=[association],
        enterprises=[firm],
        today=TODAY,
    )
    return policy, consultation, association, firm


def test_an_enterprise_member_comments_on_behalf_of_the_enterprise(setting, cast):
    policy, consultation, _a, firm = setting
    clause = policy.clauses.get()
    comment = comment_add(
        consultation=consultation, actor=cast.submitter, text="建议门槛降至1000万元。", clause=clause, today=TODAY
    )
    assert comment.on_behalf_of == firm.name and comment.clause == clause
    with pytest.raises(ValidationError) as e:
        comment_add(consultation=consultation, actor=cast.submitter, text="x", on_behalf_of="别的企业", today=TODAY)
    assert "on_behalf_of" in e.value.message_dict


def test_an_association_invited_directly_names_itself(setting):
    _p, consultation, association, _f = setting
    comment = comment_add(
        consultation=consultation,
        actor=association,
        text="建议增加服装企业。",
        on_behalf_of="泉州市纺织服装商会",
        today=TODAY,
    )
    assert comment.on_behalf_of == "泉州市纺织服装商会"


def test_comments_outside_the_dates_are_refused(setting, cast):
    _p, consultation, association, _f = setting
    with pytest.raises(ActionRefused, match="已于2026-05-24截止"):
        comment_add(consultation=consultation, actor=association, text="迟到", today=TODAY + dt.timedelta(days=15))
    with pytest.raises(ActionRefused, match="开始"):
        comment_add(consultation=consultation, actor=association, text="太早", today=TODAY - dt.timedelta(days=1))
    assert not Comment.objects.exists()


def test_the_uninvited_may_not_comment(setting, cast):
    _p, consultation, _a, _f = setting
    with pytest.raises(PermissionDenied):
        comment_add(consultation=consultation, actor=cast.other_handler, text="x", today=TODAY)


def test_only_drafters_open_and_answer(setting, cast):
    policy, consultation, association, _f = setting
    with pytest.raises(PermissionDenied):
        consultation_open(
            policy=policy, actor=cast.auditor, opens_on=TODAY, closes_on=TODAY, users=[association], today=TODAY
        )
    comment = comment_add(consultation=consultation, actor=association, text="建议", today=TODAY)
    with pytest.raises(PermissionDenied):
        comment_answer(comment=comment, actor=association, answer="自己答", adopted=True)
    answered = comment_answer(comment=comment, actor=cast.leader, answer="已采纳，门槛调整。", adopted=True)
    assert answered.adopted is True and answered.answered_by == cast.leader


def test_opening_checks_its_dates_and_invitations(setting, cast):
    policy, *_rest = setting
    with pytest.raises(ValidationError) as e:
        consultation_open(
            policy=policy,
            actor=cast.handler,
            opens_on=TODAY,
            closes_on=TODAY - dt.timedelta(days=1),
            users=[],
            today=TODAY,
        )
    assert {"closes_on", "invited_users"} <= set(e.value.message_dict)
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize(
    "who,status",
    [
        ("submitter", 200),
        ("association", 200),
        ("handler", 200),
        ("other_handler", 200),
        ("auditor", 404),
        ("call_taker", 404),
        ("stranger", 404),
    ],
)
def test_the_page_is_for_the_invited_and_the_drafters(setting, cast, client, who, status):
    _p, consultation, association, _f = setting
    users = {
        "association": association,
        "stranger": person_create(
            username="stranger", password="x-pass-123456", name="路人", role=Role.SUBMITTER, division=cast.village
        ).user,
    }
    client.force_login(users.get(who) or getattr(cast, who))
    response = client.get(reverse("policies:consultation", args=[consultation.pk]))
    assert response.status_code == status
    if status == 200:
        assert "规上纺织企业增产奖励" in response.content.decode()


def test_comment_and_answer_through_the_pages(setting, cast, client, monkeypatch):
    _p, consultation, association, _f = setting
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: TODAY)
    client.force_login(association)
    response = client.post(
        reverse("policies:comment-add", args=[consultation.pk]),
        {"text": "建议延长申报期。", "on_behalf_of": "纺织服装商会"},
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    client.force_login(cast.submitter)  # another invited party does not see it
    assert "建议延长申报期" not in client.get(reverse("policies:consultation", args=[consultation.pk])).content.decode()
    client.force_login(cast.handler)
    page = client.get(reverse("policies:consultation", args=[consultation.pk])).content.decode()
    assert "建议延长申报期" in page
    response = client.post(
        reverse("policies:comment-answer", args=[comment.pk]),
        {f"a{comment.pk}-answer": "采纳，延长至30日。", f"a{comment.pk}-adopted": "yes"},
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.adopted is True and comment.answer == "采纳，延长至30日。"


def test_a_late_comment_through_the_page_gets_a_clear_message(setting, client, monkeypatch):
    _p, consultation, association, _f = setting
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: TODAY + dt.timedelta(days=30))
    client.force_login(association)
    response = client.post(reverse("policies:comment-add", args=[consultation.pk]), {"text": "迟到的意见"})
    assert response.status_code == 409 and "不再接收意见" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_drafter_opens_a_consultation_through_the_page(cast, client):
    policy = draft_policy()
    firm = enterprise()
    client.force_login(cast.leader)
    data = {
        "opens_on": "2099-01-01",
        "closes_on": "2099-01-31",
        "invited_users": "resident",
        "invited_enterprises": firm.credit_code,
    }
    response = client.post(reverse("policies:consultation-new", args=[policy.pk]), data)
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert list(consultation.invited_users.all()) == [cast.submitter] and list(
        consultation.invited_enterprises.all()
    ) == [firm]
    bad = client.post(reverse("policies:consultation-new", args=[policy.pk]), data | {"invited_users": "nobody"})
    assert bad.status_code == 400 and "没有这些用户" in bad.content.decode()
