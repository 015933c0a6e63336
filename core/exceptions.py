"""Errors that services raise. Pages and the API turn each into a clear message, never a 500.

Field-level input errors use Django's own ``ValidationError`` (a dict of field → messages).
"""

from django.utils.translation import gettext_lazy as _


class ActionRefused(Exception):
    """The action is not allowed in the item's present state (HTTP 409)."""

    status_code = 409
    code = "action_refused"

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class VersionConflict(ActionRefused):
    """Someone else changed the object since the user loaded it (HTTP 409)."""

    code = "conflict"

    def __init__(self, message=None):
        super().__init__(message or _("该事项已被他人修改，您的操作未保存。请刷新页面查看最新情况后再试。"))
