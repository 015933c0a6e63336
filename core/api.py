"""One exception handler gives every API error the same JSON shape:

{"detail": "...", "code": "...", "errors": {"field": ["message", ...]}}
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ActionRefused


def _messages(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for e in errs for m in e.messages] for field, errs in error.error_dict.items()}
    return {"non_field_errors": [str(m) for m in error.messages]}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        errors = _messages(exc)
        first = next(iter(errors.values()))[0]
        body = {"detail": first, "code": "invalid", "errors": errors}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ActionRefused):
        return Response({"detail": str(exc.message), "code": exc.code, "errors": {}}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        errors = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in errors.items()}
        first = next(iter(errors.values()), [""])[0]
        response.data = {"detail": first, "code": "invalid", "errors": errors}
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else str(data)
        code = getattr(getattr(exc, "detail", None), "code", None) or getattr(exc, "default_code", "error")
        response.data = {"detail": str(detail), "code": code, "errors": {}}
    return response


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField(help_text=_("错误说明（第一条）"))
    code = serializers.CharField(
        help_text=_("invalid、not_found、permission_denied、not_authenticated、action_refused、conflict、locked_out…")
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text=_("各字段的错误信息")
    )
