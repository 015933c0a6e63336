"""Notices by email (Django's email backend; the console in the demo). Called after commit."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from ledger.models import Item


def _recipients(*users_or_emails) -> list[str]:
    emails = []
    for u in users_or_emails:
        email = u if isinstance(u, str) else getattr(u, "email", "")
        if email and email not in emails:
            emails.append(email)
    return emails


def send(subject: str, body: str, recipients: list[str]) -> None:
    if recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)


def item_dispatched(item: Item) -> None:
    department = item.department
    to = _recipients(department.email if department else "", item.handler)
    send(
        _("【派单】%(number)s %(title)s") % {"number": item.number, "title": item.title},
        _("请在期限内签收并办理。办结期限：%(due)s") % {"due": item.resolve_due},
        to,
    )


def item_escalated(item: Item, reason: str) -> None:
    department = item.department
    to = _recipients(department.email if department else "", item.handler)
    send(_("【督办/催办】%(number)s %(title)s") % {"number": item.number, "title": item.title}, reason, to)
