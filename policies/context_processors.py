"""The policy platform's place in the navigation: enterprise users get 我的政策 and their unread
notifications, staff the delivery pages. Evaluated only when a template reads it."""

from functools import cached_property

from policies.selectors import is_enterprise_user, is_staff_user, notification_unread_count


class PolicyNav:
    def __init__(self, user):
        self.user = user

    @cached_property
    def enterprise(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False)) and is_enterprise_user(self.user)

    @cached_property
    def staff(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False)) and is_staff_user(self.user)

    @cached_property
    def unread(self) -> int:
        return notification_unread_count(user=self.user) if self.enterprise else 0


def policy_nav(request) -> dict:
    return {"policy_nav": PolicyNav(getattr(request, "user", None))}
