"""Read-only reference data for API clients: divisions and departments, by code."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from org.api.filters import DepartmentFilterSet, DivisionFilterSet
from org.api.serializers import DepartmentOutput, DivisionOutput
from org.models import Department, Division


@extend_schema_view(
    list=extend_schema(operation_id="division_list", summary="行政区划列表", tags=["reference"]),
    retrieve=extend_schema(operation_id="division_get", summary="行政区划（按代码）", tags=["reference"]),
)
class DivisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Divisions by GB/T 2260 and statistics code; ?parent=350502 lists one level down.
    queryset = Division.objects.select_related("parent")
    serializer_class = DivisionOutput
    filterset_class = DivisionFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z]+"


@extend_schema_view(
    list=extend_schema(operation_id="department_list", summary="承办部门列表", tags=["reference"]),
    retrieve=extend_schema(operation_id="department_get", summary="承办部门（按代码）", tags=["reference"]),
)
class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Handling departments; ?handles=CODE gives those that may be dispatched an item located there.
    queryset = Department.objects.select_related("division")
    serializer_class = DepartmentOutput
    filterset_class = DepartmentFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
