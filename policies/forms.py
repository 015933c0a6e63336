"""Forms of the policy catalogue. The clause editor builds a condition from rows (attribute, operator,
values) joined with 且 / 或, and a benefit (a fixed amount, or a rate times an attribute, with a cap),
and compiles them to JSON Logic; an existing clause's JSON is read back into rows. Parts that rows
cannot express (nested groups, other operations) are kept as they are and shown read-only."""

import decimal
import json
import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from org.models import Department
from policies.jsonlogic import attributes as A
from policies.jsonlogic.render import render_amount, render_both
from policies.jsonlogic.validate import op_of, parse_date
from policies.models import ClauseMode, Consultation, PolicyClause
from policies.selectors import amount_sentence
from policies.services.catalogue import clause_check

# ---------------------------------------------------------------------------------------------
# What a row can say: attribute kinds and their operators

NUMBER, GROWTH, DATE, CERT, INDUSTRY, DIVISION, TAG, SIZE, RAW = (
    "number", "growth", "date", "cert", "industry", "division", "tag", "size", "raw",
)  # fmt: skip

OPERATORS: dict[str, Any] = {
    "gte": _("≥ 不低于（不早于）"),
    "lte": _("≤ 不高于（不晚于）"),
    "eq": _("= 等于"),
    "between": _("介于（含两端）"),
    "within": _("成立未满 N 年"),
    "is": _("是"),
    "is_not": _("不是"),
    "prefix": _("行业属于"),
    "under": _("注册地位于"),
    "has": _("带有标签"),
    "in": _("规模为"),
}
OPS_BY_KIND = {
    NUMBER: ("gte", "lte", "eq", "between"),
    GROWTH: ("gte", "lte", "between"),
    DATE: ("within", "gte", "lte", "between"),
    CERT: ("is", "is_not"),
    INDUSTRY: ("prefix",),
    DIVISION: ("under",),
    TAG: ("has",),
    SIZE: ("in",),
}
_RELATIVE_PAIRS = [(-1, 0), (-2, -1), (-3, -2), (-3, -1)]  # growth from the first year to the second


def _growth_label(metric: str, y0: int, y1: int) -> str:
    return f"{A.RELATIVE_YEARS[-y1]}{A.METRICS[metric]}较{A.RELATIVE_YEARS[-y0]}增长率"


def attribute_kinds() -> dict[str, tuple[str, str]]:
    """Row attribute key → (label, kind), in the order of the select."""
    out: dict[str, tuple[str, str]] = {}
    for name in A.CERTIFICATIONS:
        out[name] = (A.get(name).label, CERT)
    out["industry_code"] = (_("行业（国民经济行业分类）"), INDUSTRY)
    out["division_path"] = (_("注册地（行政区划）"), DIVISION)
    out["tags"] = (A.get("tags").label, TAG)
    out["size_class"] = (A.get("size_class").label, SIZE)
    out["founded_on"] = (A.get("founded_on").label, DATE)
    out["employees"] = (A.get("employees").label, NUMBER)
    for metric in A.METRICS:
        for offset in A.RELATIVE_YEARS:
            name = f"{metric}_y{offset}"
            out[name] = (A.get(name).label, NUMBER)
    for metric in A.METRICS:
        for y0, y1 in _RELATIVE_PAIRS:
            out[f"growth:{metric}:{y0}:{y1}"] = (_growth_label(metric, y0, y1), GROWTH)
    return out


KINDS = attribute_kinds()
ATTRIBUTE_CHOICES = [("", "—")] + [(k, label) for k, (label, _kind) in KINDS.items()]

# the bases a formula benefit can multiply: figures, and a figure's increase over the year before
BASES: dict[str, Any] = {"employees": A.get("employees").label}
for _metric in A.METRICS:
    for _o in A.RELATIVE_YEARS:
        BASES[f"{_metric}_y{_o}"] = A.get(f"{_metric}_y{_o}").label
    for _later, _earlier in ((1, 2), (0, 1), (2, 3)):
        BASES[f"increase:{_metric}:{_later}:{_earlier}"] = (
            f"{A.RELATIVE_YEARS[_later]}{A.METRICS[_metric]}较{A.RELATIVE_YEARS[_earlier]}增加额（为负按0计）"
        )


# ---------------------------------------------------------------------------------------------
# Numbers as officials write them: 2000万, 1.5亿, 1,000, 15%

_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(万|亿)?\s*(元|%|％)?\s*$")


def parse_number(text: str) -> float:
    found = _NUMBER.match((text or "").replace(",", "").replace("，", ""))
    if not found:
        raise ValidationError(_("请填写数字（可写作 2000万、1.5亿）。"))
    value = decimal.Decimal(found.group(1)) * {"万": 10_000, "亿": 100_000_000, None: 1}[found.group(2)]
    return int(value) if value == int(value) else float(value)


def format_number(value: Any) -> str:
    v = decimal.Decimal(str(value))
    for unit, size in (("亿", 100_000_000), ("万", 10_000)):
        if abs(v) >= size and (v / size) == (v / size).quantize(decimal.Decimal("0.0001")):
            return f"{(v / size).normalize():f}{unit}"
    return f"{v.normalize():f}"


def _percent_in(text: str) -> float:
    return round(float(parse_number(text)) / 100, 8)


def _percent_out(value: float) -> str:
    return f"{decimal.Decimal(str(round(value * 100, 6))).normalize():f}"


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,，、;；]+", (text or "").strip().upper()) if c]


# ---------------------------------------------------------------------------------------------
# One row of the condition


class ConditionRowForm(forms.Form):
    attr = forms.ChoiceField(label=_("企业属性"), choices=ATTRIBUTE_CHOICES + [(RAW, _("（保留原条件）"))],
                             required=False)  # fmt: skip
    op = forms.ChoiceField(label=_("运算"), choices=[("", "—")] + list(OPERATORS.items()), required=False)
    value = forms.CharField(label=_("值"), required=False, max_length=400)
    value2 = forms.CharField(label=_("至"), required=False, max_length=100)
    raw = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in ("value", "value2"):
            self.fields[field].widget.attrs["autocomplete"] = "off"
        self.fields["attr"].widget.attrs["class"] = "row-attr"
        self.fields["op"].widget.attrs["class"] = "row-op"

    def is_blank(self) -> bool:
        d = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not d.get("attr") or self.cleaned_data.get("DELETE")

    def raw_rule(self) -> Any:
        try:
            return json.loads(self.cleaned_data.get("raw") or "null")
        except ValueError:
            return None

    def sentence(self) -> str:
        rule = self.raw_rule() if self.is_bound else json.loads(self.initial.get("raw") or "null")
        return render_both(rule)["zh-hans"] if rule is not None else ""

    def clean(self):
        data = super().clean()
        if not data.get("attr") or data.get("DELETE"):
            return data
        try:
            data["rule"] = self.compile(data)
        except ValidationError as e:
            self.add_error(getattr(e, "field", None) or "value", e)
        return data

    def compile(self, d: dict) -> Any:
        attr, op, value, value2 = d["attr"], d.get("op") or "", d.get("value") or "", d.get("value2") or ""
        if attr == RAW:
            rule = self.raw_rule()
            if rule is None:
                raise _field_error("value", _("保留的原条件已损坏，请删除该行后重新填写。"))
            return rule
        kind = KINDS[attr][1]
        if op not in OPS_BY_KIND[kind]:
            allowed = "、".join(str(OPERATORS[o]) for o in OPS_BY_KIND[kind])
            raise _field_error("op", _("该属性可用的运算：%(ops)s") % {"ops": allowed})
        if kind == CERT:
            rule = {"certified": attr}
            return rule if op == "is" else {"!": [rule]}
        if kind == INDUSTRY:
            codes = _codes(value)
            if not codes:
                raise _field_error("value", _("请填写行业代码，如 C17 或 C1711（多个用逗号分隔）。"))
            return {"industry_prefix": codes}
        if kind == DIVISION:
            codes = _codes(value)
            if not codes:
                raise _field_error("value", _("请填写区划代码，如 350582（多个用逗号分隔）。"))
            return {"division_under": codes}
        if kind == TAG:
            if not value.strip():
                raise _field_error("value", _("请填写标签，如“外贸”。"))
            return {"has_tag": value.strip()}
        if kind == SIZE:
            by_label = {v: k for k, v in A.SIZE_CLASSES.items()}
            words = [w for w in re.split(r"[\s,，、;；]+", value.strip()) if w]
            sizes = [by_label.get(w, w.lower()) for w in words]
            bad = [w for w, s in zip(words, sizes, strict=True) if s not in A.SIZE_CLASSES]
            if not sizes or bad:
                raise _field_error("value", _("规模请填写：微型、小型、中型、大型（可多选，用顿号分隔）。"))
            return {"in": [{"var": "size_class"}, sizes]}
        if kind == DATE and op == "within":
            try:
                years = int(value.strip())
            except ValueError:
                raise _field_error("value", _("请填写年数（1至100的整数）。")) from None
            return {"within_years": [{"var": attr}, years]}
        if kind == GROWTH:
            _g, metric, y0, y1 = attr.split(":")
            operand: Any = {"growth": [metric, int(y0), int(y1)]}
            read = _percent_in
        else:
            operand = {"var": attr}
            read = _date_in if kind == DATE else parse_number
        first = _read(read, value, "value")
        if op == "between":
            second = _read(read, value2, "value2")
            return {"<=": [first, operand, second]}
        return {{"gte": ">=", "lte": "<=", "eq": "=="}[op]: [operand, first]}


def _field_error(field: str, message) -> ValidationError:
    error = ValidationError(message)
    error.field = field
    return error


def _read(read, text: str, field: str):
    try:
        return read(text)
    except ValidationError as e:
        raise _field_error(field, e.messages[0]) from None


def _date_in(text: str) -> str:
    text = (text or "").strip()
    if parse_date(text) is None:
        raise ValidationError(_("请填写日期，格式为 YYYY-MM-DD（如 2023-01-01）。"))
    return text


def row_of(rule: Any) -> dict[str, str]:
    """One part of a condition as a row's initial values; a part rows cannot say is kept as raw JSON."""
    raw = {"attr": RAW, "raw": json.dumps(rule, ensure_ascii=False)}
    try:
        parsed = op_of(rule)
    except Exception:  # an unreadable part is simply kept
        return raw
    if parsed is None:
        return raw
    op, args = parsed
    if op == "certified" and args and args[0] in A.CERTIFICATIONS:
        return {"attr": args[0], "op": "is"}
    if op == "!" and len(args) == 1 and (inner := op_of(args[0])) and inner[0] == "certified":
        return {"attr": inner[1][0], "op": "is_not"} if inner[1][0] in A.CERTIFICATIONS else raw
    if op == "industry_prefix" and args:
        return {"attr": "industry_code", "op": "prefix", "value": "，".join(args)}
    if op == "division_under" and args:
        return {"attr": "division_path", "op": "under", "value": "，".join(args)}
    if op == "has_tag" and len(args) == 1:
        return {"attr": "tags", "op": "has", "value": args[0]}
    if op == "in" and len(args) == 2 and args[0] == {"var": "size_class"} and isinstance(args[1], list):
        if all(s in A.SIZE_CLASSES for s in args[1]):
            return {"attr": "size_class", "op": "in", "value": "、".join(A.SIZE_CLASSES[s] for s in args[1])}
    if op == "within_years" and len(args) == 2 and args[0] == {"var": "founded_on"}:
        return {"attr": "founded_on", "op": "within", "value": str(args[1])}
    if op in (">=", "<=", "==") and len(args) == 2:
        key, fmt = _operand_key(args[0])
        if key and op_of(args[1]) is None:
            return {"attr": key, "op": {">=": "gte", "<=": "lte", "==": "eq"}[op], "value": fmt(args[1])}
    if op == "<=" and len(args) == 3 and op_of(args[0]) is None and op_of(args[2]) is None:
        key, fmt = _operand_key(args[1])
        if key:
            return {"attr": key, "op": "between", "value": fmt(args[0]), "value2": fmt(args[2])}
    return raw


def _operand_key(operand: Any) -> tuple[str | None, Any]:
    parsed = op_of(operand) if isinstance(operand, dict) else None
    if parsed is None:
        return None, str
    op, args = parsed
    if op == "var" and args and args[0] in KINDS:
        kind = KINDS[args[0]][1]
        if kind == NUMBER:
            return args[0], format_number
        if kind == DATE:
            return args[0], str
    if op == "growth" and len(args) == 3:
        key = f"growth:{args[0]}:{args[1]}:{args[2]}"
        if key in KINDS:
            return key, _percent_out
    return None, str


def rows_of(condition: Any) -> tuple[str, list[dict[str, str]]]:
    """(且 / 或, rows) of a stored condition."""
    parsed = op_of(condition) if isinstance(condition, dict) else None
    if parsed and parsed[0] in ("and", "or") and parsed[1]:
        return parsed[0], [row_of(part) for part in parsed[1]]
    return "and", [row_of(condition)]


def benefit_initial(benefit: Any) -> dict[str, str]:
    """The benefit fields of a stored benefit."""
    if benefit is None:
        return {"benefit_kind": "none"}
    if isinstance(benefit, int | float) and not isinstance(benefit, bool):
        return {"benefit_kind": "fixed", "fixed_amount": format_number(benefit)}
    parsed = op_of(benefit)
    raw = {"benefit_kind": "raw", "benefit_raw": json.dumps(benefit, ensure_ascii=False)}
    if parsed and parsed[0] == "*" and len(parsed[1]) == 2 and op_of(parsed[1][0]) is None:
        rate, base = parsed[1]
        b = op_of(base)
        if b and b[0] == "var" and b[1][0] in BASES and isinstance(rate, int | float):
            return _rate_initial(rate) | {"benefit_kind": "formula", "base": b[1][0]}
    if parsed and parsed[0] == "max" and len(parsed[1]) == 2 and parsed[1][0] == 0:
        inner = op_of(parsed[1][1])
        if inner and inner[0] == "*" and len(inner[1]) == 2 and isinstance(inner[1][0], int | float):
            diff = op_of(inner[1][1])
            if diff and diff[0] == "-" and len(diff[1]) == 2:
                names = [op_of(x)[1][0] if op_of(x) and op_of(x)[0] == "var" else "" for x in diff[1]]
                m = [re.match(r"^(revenue|exports|tax)_y([0-3])$", n or "") for n in names]
                if all(m) and m[0].group(1) == m[1].group(1):
                    key = f"increase:{m[0].group(1)}:{m[0].group(2)}:{m[1].group(2)}"
                    if key in BASES:
                        return _rate_initial(inner[1][0]) | {"benefit_kind": "formula", "base": key}
    return raw


def _rate_initial(rate: float) -> dict[str, str]:
    if 0 < rate < 1:
        return {"rate": _percent_out(rate), "rate_unit": "percent"}
    return {"rate": format_number(rate), "rate_unit": "per_unit"}


# ---------------------------------------------------------------------------------------------
# The clause editor

RowFormSet = forms.formset_factory(ConditionRowForm, extra=0, can_delete=True, max_num=30, absolute_max=40)

BENEFIT_KINDS = [("none", _("不设金额")), ("fixed", _("固定金额")), ("formula", _("按公式计算"))]


class DepartmentChoiceField(forms.ModelChoiceField):
    """A department picker: names are not unique, so each shows its division too."""

    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.name}（{obj.division.name}）"


class ClauseForm(forms.Form):
    code = forms.RegexField(label=_("条款编号"), regex=r"^[a-z0-9][a-z0-9-]{0,39}$", max_length=40,
                            help_text=_("小写字母、数字和连字符，如 wgy-12"),
                            error_messages={"invalid": _("条款编号只能使用小写字母、数字和连字符。")})  # fmt: skip
    number = forms.IntegerField(label=_("序号"), min_value=1, max_value=999)
    title = forms.CharField(label=_("条款"), max_length=200)
    conj = forms.ChoiceField(label=_("条件之间"), choices=[("and", _("且（全部满足）")), ("or", _("或（满足其一）"))],
                             initial="and", widget=forms.RadioSelect)  # fmt: skip
    benefit_kind = forms.ChoiceField(label=_("兑现金额"), choices=BENEFIT_KINDS, initial="fixed",
                                     widget=forms.RadioSelect)  # fmt: skip
    fixed_amount = forms.CharField(label=_("固定金额（元）"), required=False, help_text=_("可写作 30万"))
    rate = forms.CharField(label=_("比例或单价"), required=False, help_text=_("如 5（%）或 2000（元/人）"))
    rate_unit = forms.ChoiceField(label=_("单位"), choices=[("percent", _("% 比例")), ("per_unit", _("元 / 单位"))],
                                  required=False, initial="percent")  # fmt: skip
    base = forms.ChoiceField(label=_("乘以"), choices=[("", "—")] + list(BASES.items()), required=False)
    benefit_raw = forms.CharField(required=False, widget=forms.HiddenInput)
    cap = forms.CharField(label=_("最高金额（元）"), required=False, help_text=_("留空为不封顶"))
    mode = forms.ChoiceField(label=_("兑现方式"), choices=ClauseMode.choices)
    budget = forms.CharField(label=_("资金预算（元）"), required=False)
    department = DepartmentChoiceField(
        label=_("兑现部门"), queryset=Department.objects.filter(active=True).select_related("division"), required=False
    )
    reason = forms.CharField(label=_("修改原因"), max_length=200, required=False,
                             help_text=_("修改已有条款时必填，记入版本历史"))  # fmt: skip
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, clause: PolicyClause | None = None, amend: bool = False,
                 reason_required: bool | None = None, **kwargs):  # fmt: skip
        """``amend``: a clause of a published policy (changed or new), whose reason is always required;
        ``reason_required=False`` for a trial run (the impact preview), which writes nothing."""
        self.clause, self.amend = clause, amend
        initial = kwargs.pop("initial", {}) or {}
        if clause is not None:
            conj, rows = rows_of(clause.condition)
            initial = {
                "code": clause.code, "number": clause.number, "title": clause.title, "conj": conj,
                "cap": format_number(clause.cap) if clause.cap is not None else "", "mode": clause.mode,
                "budget": format_number(clause.budget) if clause.budget is not None else "",
                "department": clause.department_id, "version": clause.version,
            } | benefit_initial(clause.benefit) | initial  # fmt: skip
        else:
            rows = []
        super().__init__(data, initial=initial, **kwargs)
        if clause is not None:
            self.fields["code"].disabled = True
            self.fields["version"].required = True  # the version the editor started from: stale → 409
        if reason_required is not False and (clause is not None or amend):
            self.fields["reason"].required = True
        if amend:
            self.fields["reason"].help_text = _("修改已发布政策的条款必填（如：门槛更正、预算追加），记入版本历史")
        if initial.get("benefit_kind") == "raw" or (data is not None and data.get("benefit_kind") == "raw"):
            self.fields["benefit_kind"].choices = BENEFIT_KINDS + [("raw", _("保留原公式"))]
        rows = rows or [{}]
        self.rows = RowFormSet(data, initial=rows if data is None else None, prefix="row")
        if data is None:
            self.rows.extra = 1

    def raw_benefit_text(self) -> str:
        """The kept formula (one the fields cannot say) as a sentence."""
        text = self["benefit_raw"].value()
        try:
            return render_amount(json.loads(text)) if text else ""
        except (ValueError, TypeError):
            return ""

    # -- compiling

    def _money(self, field: str):
        text = (self.cleaned_data.get(field) or "").strip()
        if not text:
            return None
        try:
            return decimal.Decimal(str(parse_number(text)))
        except ValidationError as e:
            self.add_error(field, e)
            return None

    def clean(self):
        data = super().clean()
        for field in ("cap", "budget"):
            data[f"{field}_value"] = self._money(field)
        kind = data.get("benefit_kind")
        benefit: Any = None
        if kind == "fixed":
            amount = self._money("fixed_amount")
            if amount is None and "fixed_amount" not in self.errors:
                self.add_error("fixed_amount", _("请填写固定金额。"))
            benefit = None if amount is None else (int(amount) if amount == int(amount) else float(amount))
        elif kind == "formula":
            benefit = self._formula(data)
        elif kind == "raw":
            try:
                benefit = json.loads(data.get("benefit_raw") or "null")
            except ValueError:
                self.add_error("benefit_kind", _("保留的原公式已损坏，请重新选择兑现金额。"))
        data["benefit"] = benefit
        return data

    def _formula(self, data) -> Any:
        base, unit = data.get("base"), data.get("rate_unit") or "percent"
        if not base:
            self.add_error("base", _("请选择按哪项数据计算。"))
        try:
            rate = parse_number(data.get("rate") or "")
        except ValidationError as e:
            self.add_error("rate", e)
            return None
        if rate <= 0:
            self.add_error("rate", _("比例或单价必须大于0。"))
            return None
        if not base:
            return None
        factor = round(rate / 100, 8) if unit == "percent" else rate
        if base.startswith("increase:"):
            _i, metric, later, earlier = base.split(":")
            diff = {"-": [{"var": f"{metric}_y{later}"}, {"var": f"{metric}_y{earlier}"}]}
            return {"max": [0, {"*": [factor, diff]}]}
        return {"*": [factor, {"var": base}]}

    def condition(self) -> Any:
        """The condition the rows say (rows must be valid)."""
        rules = [f.cleaned_data["rule"] for f in self.rows.forms if "rule" in getattr(f, "cleaned_data", {})]
        if len(rules) == 1:
            return rules[0]
        return {self.cleaned_data.get("conj") or "and": rules} if rules else None

    def is_valid(self) -> bool:
        main, rows = super().is_valid(), self.rows.is_valid()
        if not rows:
            return False
        condition = self.condition()
        if condition is None:
            self.add_error(None, _("请至少填写一个条件。"))
            return False
        if not main:
            return False
        try:
            clause_check(condition=condition, benefit=self.cleaned_data["benefit"],
                         cap=self.cleaned_data["cap_value"], budget=self.cleaned_data["budget_value"])  # fmt: skip
        except ValidationError as e:
            self.attach(e)
            return False
        return True

    def attach(self, error: ValidationError) -> None:
        """A service's errors next to their fields (condition errors above the rows)."""
        where = {"condition": None, "benefit": "benefit_kind", "cap": "cap", "budget": "budget"}
        for field, messages in error.message_dict.items():
            target = where.get(field, field if field in self.fields else None)
            if field == "condition":
                self.condition_errors = getattr(self, "condition_errors", []) + messages
                rows = [f for f in self.rows.forms if "rule" in getattr(f, "cleaned_data", {})]
                for m in messages:
                    row = self._row_at(m, rows)
                    if row is not None:
                        row.add_error("value", m)  # next to the row it is about
                    else:
                        self.add_error(None, m)
                continue
            for m in messages:
                self.add_error(target, m)

    @staticmethod
    def _row_at(message: str, rows: list) -> Any:
        """The row a condition error is about, from the JSON location at its end (``$.and[2]…``)."""
        found = re.search(r"（\$(?:\.(?:and|or)\[(\d+)\])?[^（]*）$", message)
        if not found:
            return None
        if found.group(1) is not None:
            i = int(found.group(1))
            return rows[i] if len(rows) > 1 and i < len(rows) else None
        return rows[0] if len(rows) == 1 else None

    def save_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "code": self.clause.code if self.clause else d["code"],
            "number": d["number"],
            "title": d["title"],
            "condition": self.condition(),
            "benefit": d["benefit"],
            "cap": d["cap_value"],
            "mode": d["mode"],
            "budget": d["budget_value"],
            "department": d.get("department"),
            "reason": d.get("reason", ""),
            "version": d.get("version") if self.clause else None,
        }

    # -- the preview (also while the form is incomplete)

    def stored_preview(self) -> dict[str, Any]:
        """The preview of the stored clause (an unbound editor)."""
        clause = self.clause
        if clause is None:
            return {"texts": None, "amount": None, "errors": [], "condition_json": "", "benefit_json": ""}
        both = render_both(clause.condition)
        amount = amount_sentence(clause.benefit, clause.cap) if clause.benefit is not None else None
        return {
            "texts": {"hans": both["zh-hans"], "hant": both["zh-hant"]},
            "amount": amount,
            "errors": [],
            "condition_json": json.dumps(clause.condition, ensure_ascii=False, indent=1),
            "benefit_json": json.dumps(clause.benefit, ensure_ascii=False) if clause.benefit is not None else "",
        }

    def preview(self) -> dict[str, Any]:
        """The sentence of what has been entered so far, the JSON and the errors, for the live preview."""
        valid = self.is_valid()
        rows_ok = all(not f.errors for f in self.rows.forms) if self.rows.is_bound else True
        condition = self.condition() if rows_ok and hasattr(self, "cleaned_data") else None
        benefit = self.cleaned_data.get("benefit") if hasattr(self, "cleaned_data") else None
        cap = self.cleaned_data.get("cap_value") if hasattr(self, "cleaned_data") else None
        texts = None
        if condition is not None and not getattr(self, "condition_errors", None):
            both = render_both(condition)
            texts = {"hans": both["zh-hans"], "hant": both["zh-hant"]}
        amount = None
        if benefit is not None and not self.has_error("benefit_kind"):
            amount = amount_sentence(benefit, cap)
        errors = [str(e) for e in self.non_field_errors()]
        errors += [f"{self.fields[f].label}：{e}" for f, es in self.errors.items() if f != "__all__" for e in es]
        for i, row in enumerate(self.rows.forms, 1):
            errors += [str(_("第%(n)d行：%(e)s")) % {"n": i, "e": e} for es in row.errors.values() for e in es]
        return {
            "valid": valid,
            "condition": condition,
            "condition_json": json.dumps(condition, ensure_ascii=False, indent=1) if condition is not None else "",
            "benefit_json": json.dumps(benefit, ensure_ascii=False) if benefit is not None else "",
            "texts": texts,
            "amount": amount,
            "errors": errors,
        }


def add_row(data) -> Any:
    """The editor's data with one more blank row (the 添加条件 button, without JavaScript)."""
    data = data.copy()
    total = int(data.get("row-TOTAL_FORMS") or 0)
    if total < RowFormSet.max_num:
        data["row-TOTAL_FORMS"] = str(total + 1)
    return data


# ---------------------------------------------------------------------------------------------
# The policy, consultation and comments


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PolicyForm(forms.Form):
    code = forms.RegexField(label=_("政策编号"), regex=r"^[a-z0-9][a-z0-9-]{0,31}$", max_length=32,
                            help_text=_("小写字母、数字和连字符，如 wgy-2026"),
                            error_messages={"invalid": _("政策编号只能使用小写字母、数字和连字符。")})  # fmt: skip
    title = forms.CharField(label=_("标题"), max_length=200)
    issuer = forms.CharField(label=_("发文单位"), max_length=100)
    document_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("发布日期"), widget=_date_widget())
    expires_on = forms.DateField(label=_("失效日期"), required=False, widget=_date_widget())
    full_text = forms.CharField(label=_("全文"), required=False, widget=forms.Textarea(attrs={"rows": 10}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, policy=None, **kwargs):
        self.policy = policy
        if policy is not None:
            names = ("code", "title", "issuer", "document_number", "issued_on", "expires_on", "full_text", "version")
            kwargs["initial"] = {f: getattr(policy, f) for f in names}
        super().__init__(data, **kwargs)
        if policy is not None:
            self.fields["code"].disabled = True

    def save_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        keys = ("code", "title", "issuer", "document_number", "issued_on", "expires_on", "full_text")
        out = {k: d[k] for k in keys}
        if self.policy is not None:
            out |= {"policy": self.policy, "version": d.get("version"), "code": self.policy.code}
        return out


class ConsultationForm(forms.Form):
    opens_on = forms.DateField(label=_("开始日期"), widget=_date_widget())
    closes_on = forms.DateField(label=_("截止日期"), widget=_date_widget())
    invited_users = forms.CharField(label=_("受邀用户（协会等）"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=_("用户名，每行一个或用逗号分隔"))  # fmt: skip
    invited_enterprises = forms.CharField(
        label=_("受邀企业"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("统一社会信用代码，每行一个；其企业用户可代表企业提出意见"),
    )

    def clean_invited_users(self):
        names = [n for n in re.split(r"[\s,，、;；]+", self.cleaned_data["invited_users"].strip()) if n]
        users = list(get_user_model().objects.filter(username__in=names, is_active=True))
        unknown = sorted(set(names) - {u.username for u in users})
        if unknown:
            raise ValidationError(_("没有这些用户：%(names)s") % {"names": "、".join(unknown)})
        return users

    def clean_invited_enterprises(self):
        codes = _codes(self.cleaned_data["invited_enterprises"])
        found = list(Enterprise.objects.filter(credit_code__in=codes))
        unknown = sorted(set(codes) - {e.credit_code for e in found})
        if unknown:
            raise ValidationError(_("名录中没有这些统一社会信用代码：%(codes)s") % {"codes": "、".join(unknown)})
        return found

    def save_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"opens_on": d["opens_on"], "closes_on": d["closes_on"], "users": d["invited_users"],
                "enterprises": d["invited_enterprises"]}  # fmt: skip


class CommentForm(forms.Form):
    clause = forms.ModelChoiceField(label=_("针对条款"), queryset=PolicyClause.objects.none(), required=False,
                                    empty_label=_("整个政策"))  # fmt: skip
    on_behalf_of = forms.CharField(label=_("代表单位"), max_length=200, required=False)
    text = forms.CharField(label=_("意见"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, data=None, *, consultation: Consultation, invited_as: dict | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["clause"].queryset = consultation.policy.clauses.all()
        self.fields["clause"].label_from_instance = lambda c: f"{c.number}. {c.title}"
        names = (invited_as or {}).get("enterprises") or []
        if names and not (invited_as or {}).get("direct"):
            self.fields["on_behalf_of"] = forms.ChoiceField(label=_("代表企业"), choices=[(n, n) for n in names])
        else:
            self.fields["on_behalf_of"].help_text = _("如：泉州市纺织服装商会")


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    adopted = forms.TypedChoiceField(label=_("是否采纳"), choices=[("yes", _("采纳")), ("no", _("不采纳"))],
                                     coerce=lambda v: v == "yes", widget=forms.RadioSelect)  # fmt: skip
