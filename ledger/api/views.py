"""The ledger's REST API: thin. Lists and details read through the selectors (scope first), every
action parses its input with an Input serializer and calls its service, which checks the version,
the user's scope and role, and the state machine. Errors take the shape of ``core.api``."""

import re
from functools import partial

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import ErrorOutput
from ledger import services
from ledger.api import serializers as s
from ledger.api.filters import CategoryFilterSet
from ledger.filters import ItemFilterSet, MeasureFilterSet, ResultFilterSet
from ledger.models import Category, Item, Measure, Result
from ledger.selectors import item_get, item_list, item_timeline, measure_list, result_list, with_flags

# ---------------------------------------------------------------------------------------------
# Schema helpers

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_('客户端看到的事项版本，如 "3"（与请求体中的 version 二选一）；事项已被他人修改时返回 409。'),
)
ITEM_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("事项 ID"))
MEASURE_ID = OpenApiParameter("measure_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("措施 ID"))


def _error(description):
    return OpenApiResponse(ErrorOutput, description=description)


READ_ERRORS = {404: _error(_("事项不存在或不在您的管辖范围内"))}
ACTION_ERRORS = {
    400: _error(_("输入有误：errors 中按字段列出")),
    403: _error(_("您无权对该事项执行此操作（越权操作会被记录）")),
    404: _error(_("事项不存在")),
    409: _error(_("状态不允许此操作（code=action_refused），或事项已被他人修改（code=conflict）")),
}


def _action_schema(operation_id, summary, request, *, response=s.ItemDetailOutput, created=False, parameters=()):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        tags=["actions"],
        request=request,
        parameters=[ITEM_ID, IF_MATCH, *parameters],
        responses={201 if created else 200: response, **ACTION_ERRORS},
    )


# ---------------------------------------------------------------------------------------------
# Items


def _client_version(request, body_version: int | None) -> int | None:
    """The version the client saw: ``version`` in the body or an ``If-Match: "3"`` header."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        return body_version
    match = re.fullmatch(r'(?:W/)?"?(\d+)"?', header)
    if match is None:
        raise ValidationError({"version": [_('If-Match 须为事项版本号，如 "3"。')]})
    version = int(match.group(1))
    if body_version is not None and body_version != version:
        raise ValidationError({"version": [_("请求体中的 version 与 If-Match 不一致。")]})
    return version


@extend_schema_view(
    list=extend_schema(operation_id="item_list", summary="事项台账（问题清单）", tags=["items"]),
)
class ItemViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    # Items (事项): the problem list of the ledger, and one endpoint per action of the closed loop.
    # (Comments, not docstrings: a docstring would become every operation's description.)
    queryset = Item.objects.none()  # the schema's hint; every request reads through item_list
    serializer_class = s.ItemOutput
    filterset_class = ItemFilterSet
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return item_list(user=self.request.user)

    def _item_response(self, pk, code=status.HTTP_200_OK):
        """The item as the user now sees it. An action can take an item out of its actor's scope
        (a department returning it): they are still shown the item they just changed."""
        try:
            item = item_get(user=self.request.user, pk=pk)
        except Http404:
            item = with_flags(Item.objects.filter(pk=pk)).select_related("category__parent", "division").get()
        prefetch_related_objects(
            [item], "measures__owner__person", "results__created_by__person", "callbacks__by__person"
        )
        data = s.ItemDetailOutput(item, context=self.get_serializer_context()).data
        return Response(data, status=code, headers={"ETag": f'"{item.version}"'})

    def _input(self, input_class):
        serializer = input_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if issubclass(input_class, s.ActionInput):
            data["version"] = _client_version(self.request, data.pop("version", None))
        return data

    def _act(self, pk, input_class, service):
        """Fetch the item (404 when it does not exist; the service answers 403 outside the user's
        scope, and logs the attempt), parse the input and call the service."""
        item = get_object_or_404(Item, pk=pk)
        service(item=item, actor=self.request.user, **self._input(input_class))
        return self._item_response(item.pk)

    # Open and read ---------------------------------------------------------------------------

    @extend_schema(
        operation_id="item_open",
        summary="受理立账",
        description=_("分类和区划按代码填写；操作人为首接人。"),
        tags=["items"],
        request=s.ItemOpenInput,
        responses={
            201: s.ItemDetailOutput,
            400: ACTION_ERRORS[400],
            403: _error(_("您的角色不能受理事项，或区划不在您的管辖范围内")),
        },
    )
    def create(self, request):
        item = services.item_open(actor=request.user, **self._input(s.ItemOpenInput))
        return self._item_response(item.pk, status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="item_get",
        summary="事项详情",
        description=_("含版本号、当前用户可执行的操作、解决措施、成果和回访；响应头 ETag 为版本号。"),
        tags=["items"],
        parameters=[ITEM_ID],
        responses={200: s.ItemDetailOutput, **READ_ERRORS},
    )
    def retrieve(self, request, pk=None):
        return self._item_response(item_get(user=request.user, pk=pk).pk)

    @extend_schema(
        operation_id="item_timeline",
        summary="事项日志",
        description=_("事项的每一次变更：谁、何时、做了什么、为什么。"),
        tags=["items"],
        parameters=[ITEM_ID],
        responses={200: s.EventOutput(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def timeline(self, request, pk=None):
        item = item_get(user=request.user, pk=pk)
        context = self.get_serializer_context() | {"item": item}
        return Response(s.EventOutput(item_timeline(item=item), many=True, context=context).data)

    # Actions: one endpoint each ---------------------------------------------------------------

    @_action_schema("item_dispatch", "派单", s.DispatchInput)
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_item(self, request, pk=None):
        return self._act(pk, s.DispatchInput, services.item_dispatch)

    @_action_schema("item_acknowledge", "签收", s.ReasonInput)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._act(pk, s.ReasonInput, services.item_acknowledge)

    @_action_schema("item_return", "退单", s.RequiredReasonInput)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_item(self, request, pk=None):
        return self._act(pk, s.RequiredReasonInput, services.item_return)

    @_action_schema("item_add_measure", "添加解决措施", s.MeasureInput, response=s.MeasureOutput, created=True)
    @action(detail=True, methods=["post"], url_path="measures", url_name="measures")
    def add_measure(self, request, pk=None):
        item = get_object_or_404(Item, pk=pk)
        measure = services.item_add_measure(item=item, actor=request.user, **self._input(s.MeasureInput))
        return Response(s.MeasureOutput(measure).data, status=status.HTTP_201_CREATED)

    @_action_schema("item_complete_measure", "措施完成", s.ReasonInput, parameters=[MEASURE_ID])
    @action(
        detail=True,
        methods=["post"],
        url_path=r"measures/(?P<measure_id>[0-9]+)/complete",
        url_name="complete-measure",
    )
    def complete_measure(self, request, pk=None, measure_id=None):
        measure = get_object_or_404(Measure.objects.select_related("item"), pk=measure_id, item_id=pk)
        services.item_complete_measure(measure=measure, actor=request.user, **self._input(s.ReasonInput))
        return self._item_response(measure.item_id)

    @_action_schema("item_note", "进展说明", s.NoteInput)
    @action(detail=True, methods=["post"], url_path="notes", url_name="notes")
    def note(self, request, pk=None):
        return self._act(pk, s.NoteInput, services.item_note)

    @_action_schema("item_request_extension", "申请延期", s.ExtensionRequestInput)
    @action(detail=True, methods=["post"], url_path="extension/request", url_name="extension-request")
    def request_extension(self, request, pk=None):
        return self._act(pk, s.ExtensionRequestInput, services.item_request_extension)

    @_action_schema("item_approve_extension", "同意延期", s.ReasonInput)
    @action(detail=True, methods=["post"], url_path="extension/approve", url_name="extension-approve")
    def approve_extension(self, request, pk=None):
        return self._act(pk, s.ReasonInput, partial(services.item_decide_extension, approve=True))

    @_action_schema("item_refuse_extension", "不同意延期", s.RequiredReasonInput)
    @action(detail=True, methods=["post"], url_path="extension/refuse", url_name="extension-refuse")
    def refuse_extension(self, request, pk=None):
        return self._act(pk, s.RequiredReasonInput, partial(services.item_decide_extension, approve=False))

    @_action_schema("item_resolve", "办结", s.ResolveInput)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act(pk, s.ResolveInput, services.item_resolve)

    @_action_schema("item_callback", "回访", s.CallbackInput)
    @action(detail=True, methods=["post"])
    def callback(self, request, pk=None):
        return self._act(pk, s.CallbackInput, services.item_callback)

    @_action_schema("item_sign_off", "销号", s.ReasonInput)
    @action(detail=True, methods=["post"], url_path="sign-off", url_name="sign-off")
    def sign_off(self, request, pk=None):
        return self._act(pk, s.ReasonInput, services.item_sign_off)

    @_action_schema("item_supervise", "督办", s.RequiredReasonInput)
    @action(detail=True, methods=["post"])
    def supervise(self, request, pk=None):
        return self._act(pk, s.RequiredReasonInput, services.item_supervise)

    @_action_schema("item_urge", "催办", s.RequiredReasonInput)
    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        return self._act(pk, s.RequiredReasonInput, services.item_urge)

    @_action_schema("item_edit", "修改事项（派单前）", s.EditInput)
    @action(detail=True, methods=["post"])
    def edit(self, request, pk=None):
        return self._act(pk, s.EditInput, services.item_edit)

    @_action_schema("item_merge", "合并重复件", s.MergeInput)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        # The item (the repeat) is closed as merged; ``into`` keeps every submitter of both.
        return self._act(pk, s.MergeInput, services.item_merge)


# ---------------------------------------------------------------------------------------------
# The measure and result lists


@extend_schema_view(list=extend_schema(operation_id="measure_list", summary="解决措施清单", tags=["lists"]))
class MeasureViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Measure.objects.none()
    serializer_class = s.MeasureRowOutput
    filterset_class = MeasureFilterSet

    def get_queryset(self):
        return measure_list(user=self.request.user)


@extend_schema_view(list=extend_schema(operation_id="result_list", summary="成果转化清单", tags=["lists"]))
class ResultViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Result.objects.none()
    serializer_class = s.ResultRowOutput
    filterset_class = ResultFilterSet

    def get_queryset(self):
        return result_list(user=self.request.user)


# ---------------------------------------------------------------------------------------------
# Reference data: categories (divisions and departments are in org.api)


@extend_schema_view(
    list=extend_schema(operation_id="category_list", summary="事项分类列表", tags=["reference"]),
    retrieve=extend_schema(operation_id="category_get", summary="事项分类（按代码）", tags=["reference"]),
)
class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Category.objects.select_related("parent")
    serializer_class = s.CategoryOutput
    filterset_class = CategoryFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"


# ---------------------------------------------------------------------------------------------
# Tokens


class TokenView(ObtainAuthToken):
    # Password attempts count towards django-axes' lockout like the login page's: DRF's serializer
    # calls authenticate(request=…), so axes records failures and refuses a locked-out user. But axes
    # flags the lockout on DRF's request object, which its middleware never sees, so DRF would answer
    # a locked-out user with "unable to log in"; this view reads the flag and says so (429).

    @extend_schema(
        operation_id="auth_token_create",
        summary="获取 API 令牌",
        description=_("用用户名和密码换取令牌，之后在请求头中使用 Authorization: Token <令牌>。多次失败将暂时锁定。"),
        tags=["auth"],
        auth=[],
        request=AuthTokenSerializer,
        responses={
            200: s.TokenOutput,
            400: _error(_("用户名或密码错误")),
            429: _error(_("登录失败次数过多，已暂时锁定（code=locked_out）")),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        valid = serializer.is_valid()
        if getattr(request, "axes_locked_out", False):
            body = {"detail": str(_("登录失败次数过多，已暂时锁定，请稍后再试。")), "code": "locked_out", "errors": {}}
            return Response(body, status=settings.AXES_HTTP_RESPONSE_CODE)
        if not valid:
            raise ValidationError(serializer.errors)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
