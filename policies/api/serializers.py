from rest_framework import serializers

from org.models import Department
from policies.jsonlogic.render import render_amount, render_both
from policies.models import ClauseMode, Match, Policy, PolicyClause


class ClauseSerializer(serializers.ModelSerializer):
    policy = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="the paying department")
    condition_text = serializers.SerializerMethodField(help_text="the condition as a sentence, in both scripts")
    benefit_text = serializers.SerializerMethodField(help_text="the benefit as a sentence, in both scripts")

    class Meta:
        model = PolicyClause
        fields = ["code", "policy", "number", "title", "condition", "condition_text", "benefit", "cap",
                  "benefit_text", "mode", "budget", "department", "rule_version", "version", "is_example"]  # fmt: skip
        read_only_fields = fields  # output only: the schema is then the same on every database

    def get_condition_text(self, obj) -> dict[str, str]:
        return render_both(obj.condition)

    def get_benefit_text(self, obj) -> dict[str, str]:
        return {"zh-hans": render_amount(obj.benefit), "zh-hant": render_amount(obj.benefit, traditional=True)}


def department_code(**kwargs) -> serializers.SlugRelatedField:
    """The paying department, by its code (``350500-GXJ``); null for none."""
    return serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.all(),
                                        help_text="the paying department's code", **kwargs)  # fmt: skip


class ClauseCreateInput(serializers.Serializer):
    """A draft clause with its condition and benefit in JSON Logic (checked by the same validator as the editor)."""

    policy = serializers.SlugField(help_text="the draft policy's code")
    code = serializers.RegexField(r"^[a-z0-9][a-z0-9-]{0,39}$", max_length=40)
    number = serializers.IntegerField(min_value=1, max_value=999)
    title = serializers.CharField(max_length=200)
    condition = serializers.JSONField(help_text="JSON Logic: the eligibility condition (see docs/policies.md)")
    benefit = serializers.JSONField(required=False, allow_null=True, default=None,
                                    help_text="a fixed amount in yuan, a JSON Logic formula, or null")  # fmt: skip
    cap = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True, default=None)
    mode = serializers.ChoiceField(choices=ClauseMode.choices, default=ClauseMode.APPLY)
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True, default=None)
    department = department_code(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ClauseUpdateInput(serializers.Serializer):
    """A change to a draft clause: the fields given replace the stored ones; ``version`` is the clause
    version the client read (a stale one is refused with 409, nothing written); ``reason`` is kept in the
    clause's history."""

    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=200)
    number = serializers.IntegerField(min_value=1, max_value=999, required=False)
    title = serializers.CharField(max_length=200, required=False)
    condition = serializers.JSONField(required=False)
    benefit = serializers.JSONField(required=False, allow_null=True)
    cap = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    mode = serializers.ChoiceField(choices=ClauseMode.choices, required=False)
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    department = department_code(required=False, allow_null=True)


class ExplanationConditionOutput(serializers.Serializer):
    condition = serializers.JSONField(read_only=True)
    text = serializers.DictField(child=serializers.CharField(), read_only=True)
    values = serializers.DictField(read_only=True)
    outcome = serializers.ChoiceField(choices=["pass", "fail", "unknown"], read_only=True)
    missing = serializers.ListField(child=serializers.CharField(), read_only=True)


class ExplanationOutput(serializers.Serializer):
    clause = serializers.CharField(read_only=True)
    credit_code = serializers.CharField(read_only=True)
    result = serializers.ChoiceField(choices=["eligible", "ineligible", "unknown"], read_only=True)
    amount = serializers.FloatField(read_only=True, allow_null=True)
    missing = serializers.ListField(child=serializers.CharField(), read_only=True)
    conditions = ExplanationConditionOutput(many=True, read_only=True)


class NearMissOutput(serializers.Serializer):
    credit_code = serializers.CharField(read_only=True)
    failed = serializers.IntegerField(read_only=True, help_text="the index of the one condition that fails")
    failed_text = serializers.CharField(read_only=True, help_text="that condition as a sentence")


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
