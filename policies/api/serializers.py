from rest_framework import serializers

from policies.jsonlogic.render import render_amount, render_both
from policies.models import Match, Policy, PolicyClause


class ClauseSerializer(serializers.ModelSerializer):
    policy = serializers.SlugRelatedField(slug_field="code", read_only=True)
    condition_text = serializers.SerializerMethodField(help_text="the condition as a sentence, in both scripts")
    benefit_text = serializers.SerializerMethodField(help_text="the benefit as a sentence, in both scripts")

    class Meta:
        model = PolicyClause
        fields = ["code", "policy", "number", "title", "condition", "condition_text", "benefit", "cap",
                  "benefit_text", "mode", "budget", "department", "rule_version", "is_example"]  # fmt: skip
        read_only_fields = fields  # output only: the schema is then the same on every database

    def get_condition_text(self, obj) -> dict[str, str]:
        return render_both(obj.condition)

    def get_benefit_text(self, obj) -> dict[str, str]:
        return {"zh-hans": render_amount(obj.benefit), "zh-hant": render_amount(obj.benefit, traditional=True)}


class PolicySerializer(serializers.ModelSerializer):
    clauses = ClauseSerializer(many=True, read_only=True)

    class Meta:
        model = Policy
        fields = ["code", "title", "issuer", "document_number", "issued_on", "expires_on", "status", "is_example",
                  "clauses"]  # fmt: skip
        read_only_fields = fields


class MatchSerializer(serializers.ModelSerializer):
    clause = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Match
        fields = ["clause", "credit_code", "result", "amount", "missing", "computed_at", "rule_version"]
        read_only_fields = fields
