from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ledger.models import Kind


class FindingInput(serializers.Serializer):
    text = serializers.CharField(max_length=2000, allow_blank=True, help_text=_("问题或建议"))
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.PROBLEM)
    category = serializers.CharField(required=False, allow_blank=True, help_text=_("分类代码；填写则立即转为事项"))


class VisitInput(serializers.Serializer):
    visited_on = serializers.DateField(help_text=_("走访日期"))
    enterprise = serializers.CharField(required=False, allow_blank=True, help_text=_("企业的统一社会信用代码"))
    division = serializers.CharField(required=False, allow_blank=True, help_text=_("区划代码（不是企业时）"))
    place = serializers.CharField(required=False, allow_blank=True, max_length=100)
    officials = serializers.ListField(child=serializers.CharField(), help_text=_("走访干部的用户名"))
    summary = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    findings = FindingInput(many=True, required=False)


class OpenItemInput(serializers.Serializer):
    category = serializers.CharField(help_text=_("分类代码"))
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)


class FindingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.CharField()
    item = serializers.IntegerField(source="item_id", allow_null=True)
    item_number = serializers.CharField(source="item.number", allow_null=True, default=None)


class VisitOutput(serializers.Serializer):
    id = serializers.IntegerField()
    visited_on = serializers.DateField()
    enterprise = serializers.CharField(source="enterprise.credit_code", allow_null=True, default=None)
    enterprise_name = serializers.CharField(source="enterprise.name", allow_null=True, default=None)
    division = serializers.CharField(source="division.code")
    place = serializers.CharField()
    county_level = serializers.BooleanField()
    officials = serializers.SerializerMethodField()
    summary = serializers.CharField()
    findings = FindingOutput(many=True)
    created_at = serializers.DateTimeField()

    def get_officials(self, visit) -> list[str]:
        return [p.user.username for p in visit.officials.all()]


class PairingInput(serializers.Serializer):
    official = serializers.CharField(help_text=_("挂钩干部的用户名"))
    enterprise = serializers.CharField(required=False, allow_blank=True, help_text=_("企业的统一社会信用代码"))
    county = serializers.CharField(required=False, allow_blank=True, help_text=_("县（市、区）代码（领导挂钩县域）"))
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)


class PairingEndInput(serializers.Serializer):
    ends_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class PairingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    official = serializers.CharField(source="official.user.username")
    official_name = serializers.CharField(source="official.name")
    enterprise = serializers.CharField(source="enterprise.credit_code", allow_null=True, default=None)
    county = serializers.CharField(source="division.code", allow_null=True, default=None)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
