"""The register's API: list, search and detail through the selectors (scope first) and the shared
FilterSet; the import endpoint takes a file (multipart) and answers with the run and its report."""

import logging

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorOutput
from enterprises import selectors, services
from enterprises.api import serializers as s
from enterprises.filters import EnterpriseFilterSet
from enterprises.models import Enterprise, EnterpriseYear, ImportRun

security_log = logging.getLogger("grassroots.security")


@extend_schema_view(
    list=extend_schema(
        operation_id="enterprise_list",
        summary="市场主体名录",
        description=_("q 按名称（简体或繁体均可）或统一社会信用代码查找；industry 为任一层级的行业代码，如 C17。"),
        tags=["enterprises"],
    ),
    retrieve=extend_schema(
        operation_id="enterprise_detail",
        summary="市场主体详情",
        tags=["enterprises"],
        responses={200: s.EnterpriseDetailOutput, 404: OpenApiResponse(ErrorOutput, description=_("不存在或无权查看"))},
    ),
)
class EnterpriseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Market entities (市场主体). Staff see their division's subtree; an enterprise user their own.
    queryset = Enterprise.objects.none()
    serializer_class = s.EnterpriseOutput
    filterset_class = EnterpriseFilterSet
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        qs = selectors.enterprise_list(user=self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch("years", queryset=EnterpriseYear.objects.order_by("year")))
        return qs

    def get_serializer_class(self):
        return s.EnterpriseDetailOutput if self.action == "retrieve" else s.EnterpriseOutput


class ImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="enterprise_import",
        summary="导入市场主体名录",
        description=_(
            "上传 .xlsx 或 CSV；按统一社会信用代码新增或更新。错误行逐行列出原因且不导入；同一文件重复导入不产生变化。"
        ),
        tags=["enterprises"],
        request={"multipart/form-data": s.ImportInput},
        responses={
            201: s.ImportRunOutput,
            400: OpenApiResponse(ErrorOutput, description=_("未上传文件或文件类型不对")),
            403: OpenApiResponse(ErrorOutput, description=_("只有管理员可以导入")),
        },
    )
    def post(self, request):
        if not selectors.may_import(request.user):
            security_log.warning("refused the register's import through the API by %s", request.user.get_username())
            raise PermissionDenied(_("只有管理员可以导入市场主体名录。"))
        serializer = s.ImportInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        run = services.register_import(file=upload, filename=upload.name, actor=request.user)
        return Response(s.ImportRunOutput(run).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(operation_id="enterprise_import_detail", summary="导入结果", tags=["enterprises"]),
    list=extend_schema(operation_id="enterprise_import_list", summary="导入记录", tags=["enterprises"]),
)
class ImportRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = ImportRun.objects.none()
    serializer_class = s.ImportRunOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.import_run_list(user=self.request.user)
