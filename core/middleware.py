import uuid

from django.utils import translation

from core.context import request_id


class RequestIdMiddleware:
    """Give every request an id; the event log stores it beside each change."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        token = request_id.set(rid[:64])
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-Id"] = rid[:64]
        return response


class UserLanguageMiddleware:
    """Serve each user in the language they chose (session, then profile), else Simplified Chinese."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        codes = {code for code, _ in settings.LANGUAGES}
        language = request.session.get("language")
        if language not in codes:
            person = getattr(request.user, "person", None) if request.user.is_authenticated else None
            language = getattr(person, "language", None) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
