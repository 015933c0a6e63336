from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from cockpit import selectors
from core.api import ErrorOutput
from org.where import where_for


class FiguresInput(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    division = serializers.CharField(required=False, allow_blank=True, max_length=20)
    department = serializers.CharField(required=False, allow_blank=True, max_length=32)


class FigureOutput(serializers.Serializer):
    key = serializers.CharField()
    group = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    definition = serializers.CharField()
    value = serializers.FloatField()
    link = serializers.CharField(help_text="列表页面的地址：与该数字对应的记录")


@extend_schema(
    operation_id="figures_list",
    summary="统计数据：各项数字、定义及其记录链接",
    parameters=[
        OpenApiParameter("start", str, description="开始日期 YYYY-MM-DD（默认：本年1月1日）"),
        OpenApiParameter("end", str, description="结束日期 YYYY-MM-DD（默认：今天）"),
        OpenApiParameter("division", str, description="区划代码（默认：本人所在区划）"),
        OpenApiParameter("department", str, description="部门代码"),
    ],
    responses={200: FigureOutput(many=True), 400: ErrorOutput, 403: ErrorOutput},
)
@api_view(["GET"])
def figures(request):
    data = FiguresInput(data=request.query_params)
    data.is_valid(raise_exception=True)
    v = data.validated_data
    where = where_for(user=request.user, start=v.get("start"), end=v.get("end"),
                                    division=v.get("division", ""), department=v.get("department", ""))  # fmt: skip
    rows = selectors.figure_rows(where=where)
    return Response(FigureOutput([r.__dict__ for r in rows], many=True).data)
