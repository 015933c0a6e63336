"""Validation: a condition or formula is checked, and typed, before it is stored or compiled.

Rejected, each with a message naming where: unknown operations and attributes, wrong arity, wrong
types (a date compared with a number, a boolean added to a number), impossible ranges (``5 < x < 3``,
a size class that does not exist, a growth from a later year to an earlier one), ``null`` literals and
``var`` defaults (they would hide missing data) and divisions whose divisor can be zero (only a non-zero
number may divide; ratios between figures use ``growth``, whose zero base is "unknown").
"""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from policies.jsonlogic import attributes as A

STANDARD_OPS = {"var", "==", "!=", "===", "!==", "<", "<=", ">", ">=", "and", "or", "!", "!!", "if", "in", "+", "-",
                "*", "/", "min", "max"}  # fmt: skip
CUSTOM_OPS = {"industry_prefix", "division_under", "certified", "has_tag", "within_years", "growth"}
OPS = STANDARD_OPS | CUSTOM_OPS
COMPARISONS = {"==", "!=", "===", "!==", "<", "<=", ">", ">="}
INDUSTRY = re.compile(r"^[A-T](\d{2}(\d{1,2})?)?$")
DIVISION = re.compile(r"^\d{6}(\d{3}){0,2}$")


class RuleError(ValueError):
    """A condition or formula that cannot be accepted; ``str()`` is the message for the editor."""

    def __init__(self, message: str, path: str = "$"):
        super().__init__(f"{path}: {message}")
        self.message, self.path = message, path


class Schema:
    """What ``var`` may read: by default the attribute catalogue; tests pass their own."""

    def type_of(self, name: str) -> str | None:
        attr = A.get(name)
        return attr.type if attr else None

    def choices(self, name: str) -> dict | None:
        attr = A.get(name)
        return attr.choices if attr else None


class DictSchema(Schema):
    def __init__(self, types: dict[str, str]):
        self.types = types

    def type_of(self, name):
        return self.types.get(name)

    def choices(self, name):
        return None


CATALOGUE = Schema()


# The standard's other names for an operation: ``?:`` is the ternary, another name of ``if``.
ALIASES = {"?:": "if"}


def op_of(rule: Any) -> tuple[str, list] | None:
    """(operation, argument list) of a rule, or None for a literal. An alias is read as the operation
    it names, so everything that reads rules (validation, both compilers, the reference evaluator,
    the wording) takes ``?:`` wherever it takes ``if``."""
    if isinstance(rule, dict):
        if len(rule) != 1:
            raise RuleError(f"an operation is an object with exactly one key, not {sorted(rule)}")
        (op, args), = rule.items()  # fmt: skip
        return ALIASES.get(op, op), (args if isinstance(args, list) else [args])
    return None


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def literal_type(value: Any) -> str:
    if isinstance(value, bool):
        return A.BOOLEAN
    if isinstance(value, int | float):
        return A.NUMBER
    if isinstance(value, str):
        return A.STRING
    if isinstance(value, list):
        return A.LIST
    raise RuleError("null and objects are not values here (missing data is never written as a value)")


def check_condition(rule: Any, schema: Schema = CATALOGUE) -> None:
    t = infer(rule, schema)
    if t != A.BOOLEAN:
        raise RuleError(f"a condition must be true or false, this is a {t}")


def check_amount(rule: Any, schema: Schema = CATALOGUE) -> None:
    """A benefit: null (none), a non-negative fixed number, or a formula over numbers."""
    if rule is None:
        return
    if isinstance(rule, int | float) and not isinstance(rule, bool) and rule < 0:
        raise RuleError("a fixed amount cannot be negative")
    t = infer(rule, schema)
    if t != A.NUMBER:
        raise RuleError(f"an amount must be a number, this is a {t}")


def infer(rule: Any, schema: Schema = CATALOGUE, path: str = "$") -> str:
    """The type of ``rule`` (number, boolean, string, date, list); raises RuleError when it is not valid."""
    parsed = op_of_at(rule, path)
    if parsed is None:
        t = literal_type(rule) if not isinstance(rule, dict) else None
        if t == A.LIST:
            for i, v in enumerate(rule):
                if literal_type(v) == A.LIST:
                    raise RuleError("lists hold plain values", f"{path}[{i}]")
        return t
    op, args = parsed
    here = f"{path}.{op}"
    check = _CHECKS.get(op)
    if check is None:
        raise RuleError(f"unknown operation {op!r}; known: {', '.join(sorted(OPS))}", path)
    return check(args, schema, here)


def op_of_at(rule, path):
    try:
        return op_of(rule)
    except RuleError as e:
        raise RuleError(e.message, path) from None


def _arity(args, lo, hi, path):
    if not lo <= len(args) <= hi:
        want = str(lo) if lo == hi else f"{lo} to {hi}" if hi < 99 else f"at least {lo}"
        raise RuleError(f"takes {want} arguments, got {len(args)}", path)


def _var(args, schema, path):
    if len(args) != 1:
        raise RuleError("var takes one attribute name; defaults are not allowed (they would hide missing data)", path)
    name = args[0]
    t = schema.type_of(name) if isinstance(name, str) else None
    if t is None:
        raise RuleError(f"unknown attribute {name!r} (see docs/policies.md for the list)", path)
    return t


def _operand(rule, schema, path):
    """Type of a comparison operand; a string literal that is an ISO date may stand for a date."""
    return infer(rule, schema, path)


def _compare(op):
    ordered = op in {"<", "<=", ">", ">="}

    def check(args, schema, path):
        _arity(args, 2, 3 if op in {"<", "<="} else 2, path)
        types = [_operand(a, schema, f"{path}[{i}]") for i, a in enumerate(args)]
        date_literal = [
            op_of(a) is None and t == A.STRING and parse_date(a) is not None for a, t in zip(args, types, strict=True)
        ]
        if A.DATE in types:
            bad = [t for t, d in zip(types, date_literal, strict=True) if t != A.DATE and not d]
            if bad:
                raise RuleError(f"cannot compare a date with a {bad[0]} (write dates as YYYY-MM-DD)", path)
            kind = A.DATE
        else:
            if len(set(types)) != 1:
                raise RuleError(f"cannot compare {' with '.join(sorted(set(types)))}", path)
            kind = types[0]
        if kind == A.LIST:
            raise RuleError("lists cannot be compared; use 'in'", path)
        if ordered and kind not in {A.NUMBER, A.DATE}:
            raise RuleError(f"only numbers and dates are ordered, not a {kind}", path)
        if len(args) == 3:
            lo, hi = args[0], args[2]
            if op_of(lo) is None and op_of(hi) is None and _key(lo, kind) > _key(hi, kind):
                raise RuleError(f"impossible range: {lo} is above {hi}", path)
        for i, a in enumerate(args):
            if op_of(a) is not None and op_of(a)[0] == "var":
                choices = schema.choices(op_of(a)[1][0])
                for j, b in enumerate(args):
                    if j != i and choices and op_of(b) is None and b not in choices:
                        raise RuleError(f"{b!r} is not one of {', '.join(choices)}", path)
        return A.BOOLEAN

    return check


def _key(value, kind):
    return parse_date(value) if kind == A.DATE else value


def _logic(args, schema, path):
    _arity(args, 1, 999, path)
    for i, a in enumerate(args):
        if infer(a, schema, f"{path}[{i}]") != A.BOOLEAN:
            raise RuleError("and / or / ! take conditions (true or false)", f"{path}[{i}]")
    return A.BOOLEAN


def _not(args, schema, path):
    _arity(args, 1, 1, path)
    return _logic(args, schema, path)


def _if(args, schema, path):
    if len(args) < 3 or len(args) % 2 == 0:
        raise RuleError("if takes condition, then, [condition, then, …] else", path)
    branches = set()
    for i, a in enumerate(args):
        t = infer(a, schema, f"{path}[{i}]")
        if i % 2 == 0 and i < len(args) - 1:
            if t != A.BOOLEAN:
                raise RuleError("the condition of an if must be true or false", f"{path}[{i}]")
        else:
            branches.add(t)
    if len(branches) != 1 or branches & {A.LIST, A.STRING, A.DATE}:
        raise RuleError("the branches of an if must all be numbers, or all conditions", path)
    return branches.pop()


def _in(args, schema, path):
    _arity(args, 2, 2, path)
    needle, hay = args
    tn, th = infer(needle, schema, f"{path}[0]"), infer(hay, schema, f"{path}[1]")
    if th == A.LIST and op_of(hay) is None:  # value in a list of literals
        if tn not in {A.STRING, A.NUMBER}:
            raise RuleError("only strings and numbers can be looked up in a list", path)
        if not hay or any(literal_type(v) != tn for v in hay):
            raise RuleError(f"the list must hold {tn}s, and at least one", path)
        if op_of(needle) is not None and op_of(needle)[0] == "var":
            choices = schema.choices(op_of(needle)[1][0])
            bad = [v for v in hay if choices and v not in choices]
            if bad:
                raise RuleError(f"{bad} not among {', '.join(choices)}", path)
        return A.BOOLEAN
    if op_of(needle) is not None or tn != A.STRING:
        raise RuleError("'in' looks a fixed text up in a text or tag list attribute", path)
    if th not in {A.STRING, A.LIST}:
        raise RuleError("'in' needs a list or a text to look in", path)
    return A.BOOLEAN


def _arith(op):
    def check(args, schema, path):
        lo, hi = {"+": (1, 999), "*": (1, 999), "min": (1, 999), "max": (1, 999), "-": (1, 2), "/": (2, 2)}[op]
        _arity(args, lo, hi, path)
        for i, a in enumerate(args):
            if infer(a, schema, f"{path}[{i}]") != A.NUMBER:
                raise RuleError(f"{op} takes numbers", f"{path}[{i}]")
        if op == "/" and (op_of(args[1]) is not None or args[1] == 0):
            raise RuleError("the divisor can be zero: divide only by a non-zero number (use growth for ratios)", path)
        return A.NUMBER

    return check


def _strings(args, path, pattern, what):
    if not args or not all(isinstance(a, str) and pattern.match(a) for a in args):
        raise RuleError(f"takes one or more {what}", path)


def _industry(args, schema, path):
    _strings(args, path, INDUSTRY, "GB/T 4754 codes or prefixes (C, C17, C171, C1711)")
    return A.BOOLEAN


def _division(args, schema, path):
    _strings(args, path, DIVISION, "division codes (6, 9 or 12 digits)")
    return A.BOOLEAN


def _certified(args, schema, path):
    _arity(args, 1, 1, path)
    if args[0] not in A.CERTIFICATIONS:
        raise RuleError(f"unknown certification {args[0]!r}; known: {', '.join(A.CERTIFICATIONS)}", path)
    return A.BOOLEAN


def _has_tag(args, schema, path):
    _arity(args, 1, 1, path)
    if not isinstance(args[0], str) or not args[0]:
        raise RuleError("has_tag takes one tag", path)
    return A.BOOLEAN


def _within_years(args, schema, path):
    _arity(args, 2, 2, path)
    if infer(args[0], schema, f"{path}[0]") != A.DATE or op_of(args[0]) is None:
        raise RuleError("within_years takes a date attribute and a number of years", path)
    n = args[1]
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 100:
        raise RuleError("the number of years must be a whole number from 1 to 100", path)
    return A.BOOLEAN


def _growth(args, schema, path):
    _arity(args, 3, 3, path)
    metric, y0, y1 = args
    if metric not in A.METRICS:
        raise RuleError(f"growth of {metric!r}? known: {', '.join(A.METRICS)}", path)
    for y in (y0, y1):
        if isinstance(y, bool) or not isinstance(y, int) or not (-3 <= y <= 0 or A.MIN_YEAR <= y <= A.MAX_YEAR):
            raise RuleError("years are relative (−3 … 0, 0 = the reference year) or absolute (2024)", path)
    if (y0 <= 0) != (y1 <= 0):
        raise RuleError("give both years relative, or both absolute", path)
    if y0 >= y1:
        raise RuleError(f"growth runs from an earlier year to a later one, not {y0} → {y1}", path)
    return A.NUMBER


_CHECKS: dict[str, Callable] = {
    "var": _var, "and": _logic, "or": _logic, "!": _not, "!!": _not, "if": _if, "in": _in,
    **{op: _compare(op) for op in COMPARISONS},
    **{op: _arith(op) for op in ("+", "-", "*", "/", "min", "max")},
    "industry_prefix": _industry, "division_under": _division, "certified": _certified, "has_tag": _has_tag,
    "within_years": _within_years, "growth": _growth,
}  # fmt: skip


def attributes_used(rule: Any) -> list[str]:
    """Every attribute a (valid) rule reads, in order of appearance."""
    seen: dict[str, None] = {}

    def walk(r):
        parsed = op_of(r)
        if parsed is None:
            return
        op, args = parsed
        for name in implicit_attributes(op, args):
            seen.setdefault(name, None)
        if op not in {"var", "growth", "certified", "industry_prefix", "division_under", "has_tag"}:
            for a in args:
                walk(a)

    walk(rule)
    return list(seen)


def implicit_attributes(op: str, args: list) -> list[str]:
    """The attributes an operation reads by itself (the leaves of the missing-data trace)."""
    if op == "var":
        return [args[0]]
    if op == "industry_prefix":
        return ["industry_code"]
    if op == "division_under":
        return ["division_path"]
    if op == "certified":
        return [args[0]]
    if op == "has_tag":
        return ["tags"]
    if op == "growth":
        return [growth_attr(args[0], args[1]), growth_attr(args[0], args[2])]
    return []


def growth_attr(metric: str, year: int) -> str:
    return f"{metric}_y{-year}" if year <= 0 else f"{metric}_{year}"
