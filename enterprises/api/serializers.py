from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from enterprises.models import PROFILE_FIELDS, Enterprise, EnterpriseYear, ImportRun


class EnterpriseYearOutput(serializers.ModelSerializer):
    class Meta:
        model = EnterpriseYear
        fields = ["year", "revenue", "exports", "tax", "employees"]
        read_only_fields = fields  # output only; and no database-dependent integer ranges in the schema


class EnterpriseOutput(serializers.ModelSerializer):
    industry_code = serializers.CharField(source="industry.full_code", default=None, read_only=True)
    industry_name = serializers.CharField(source="industry.name", default=None, read_only=True)
    division_code = serializers.CharField(source="division.code", default=None, read_only=True)
    division_name = serializers.CharField(source="division.name", default=None, read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "credit_code",
            "name",
            "industry_code",
            "industry_name",
            "division_code",
            "division_name",
            *PROFILE_FIELDS,
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class EnterpriseDetailOutput(EnterpriseOutput):
    years = EnterpriseYearOutput(many=True, read_only=True)

    class Meta(EnterpriseOutput.Meta):
        fields = [*EnterpriseOutput.Meta.fields, "contact_name", "contact_phone", "address", "years"]
        read_only_fields = fields


class ImportInput(serializers.Serializer):
    file = serializers.FileField(help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK）文件，第一行为表头"))

    def validate_file(self, file):
        if not file.name.lower().endswith((".xlsx", ".csv")):
            raise serializers.ValidationError(_("只能导入 .xlsx 或 .csv 文件。"))
        return file


class ImportReportRow(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("文件中的行号（表头为第1行）"))
    credit_code = serializers.CharField()
    name = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class ImportRunOutput(serializers.ModelSerializer):
    report = ImportReportRow(many=True, read_only=True)

    class Meta:
        model = ImportRun
        fields = [
            "id",
            "created_at",
            "filename",
            "file_format",
            "total_rows",
            "created",
            "updated",
            "unchanged",
            "error_rows",
            "duration_s",
            "report",
        ]
        read_only_fields = fields
