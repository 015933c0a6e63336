"""Output serializers of the reference data: divisions and departments, named by code."""

from rest_framework import serializers

from org.models import Department, Division


class DivisionOutput(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="上级区划代码")

    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent", "division_type", "longitude", "latitude"]
        read_only_fields = fields


class DepartmentOutput(serializers.ModelSerializer):
    division = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="所属区划代码")
    division_name = serializers.CharField(source="division.name", read_only=True)

    class Meta:
        model = Department
        fields = ["code", "name", "division", "division_name", "active"]
        read_only_fields = fields
