import uuid

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

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


UNESCAPED = {"ensure_ascii": False}


class RequestSanityMiddleware:
    """Refuse, with a 400 in the user's language, what no part of the site can take: a NUL character
    in the path, a query or form value (PostgreSQL cannot store one: the database would fail with a
    500), and JSON nested so deep that parsing it exhausts the stack. Checked once here, for every
    page, API and Open311 URL, rather than field by field. The answer takes the shape of the URL:
    the API's error shape under /api/, Open311's error list for .json/.xml, a page otherwise."""

    MAX_JSON_DEPTH = 64

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = None
        if self._has_nul(request):
            problem = _("请求中含有不允许的空字符（NUL），未做任何处理。")
        elif self._too_deep(request):
            problem = _("JSON 嵌套层数过多（最多 %(n)d 层），未做任何处理。") % {"n": self.MAX_JSON_DEPTH}
        if problem is None:
            return self.get_response(request)
        return self._bad_request(request, problem)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in k or any("\x00" in v for v in values) for k, values in request.GET.lists()):
            return True
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any("\x00" in k or any("\x00" in str(v) for v in vs) for k, vs in request.POST.lists())
        if content_type.endswith("json"):
            body = request.body
            return b"\x00" in body or b"\\u0000" in body.lower()
        return False

    def _too_deep(self, request) -> bool:
        if not (request.content_type or "").endswith("json") or not request.body:
            return False
        depth = deepest = 0
        in_string = escaped = False
        for ch in request.body.decode("utf-8", "replace"):
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch in "[{":
                depth += 1
                deepest = max(deepest, depth)
                if deepest > self.MAX_JSON_DEPTH:
                    return True
            elif ch in "]}":
                depth -= 1
        return False

    @staticmethod
    def _bad_request(request, message: str):
        path = request.path.replace("\x00", "")
        if path.startswith("/api/"):
            return JsonResponse(
                {"detail": message, "code": "invalid", "errors": {}}, status=400, json_dumps_params=UNESCAPED
            )
        if path.endswith(".json"):
            return JsonResponse(
                [{"code": 400, "description": message}], status=400, safe=False, json_dumps_params=UNESCAPED
            )
        if path.endswith(".xml"):
            body = (
                '<?xml version="1.0" encoding="utf-8"?><errors><error><code>400</code>'
                f"<description>{escape(message)}</description></error></errors>"
            )
            return HttpResponse(body, status=400, content_type="text/xml; charset=utf-8")
        return render(request, "400.html", {"message": message}, status=400)
