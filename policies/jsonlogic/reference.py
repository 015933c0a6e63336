"""The reference evaluator: one row at a time, written to be read, not to be fast.

Three-valued (Kleene) logic. A value is known, or ``None`` for "unknown":

- a ``var`` whose attribute is null (or absent) is unknown;
- a comparison, arithmetic, ``in`` or a custom operation with an unknown operand is unknown;
- ``and`` is false if any operand is false, else unknown if any is unknown, else true;
- ``or`` is true if any operand is true, else unknown if any is unknown, else false;
- ``!`` of unknown is unknown; ``if`` with an unknown condition is unknown;
- ``growth`` from a base year whose figure is zero or negative is unknown (it cannot be a ratio).

Every unknown carries ``missing``: the attributes whose absence made it unknown, found by walking
down from the unknown result into the operands that were themselves unknown (for ``if``: into the
condition when it was unknown, else into the branch taken). A growth with a zero or negative base
names the base year's attribute.

The vectorised engine (compile_polars) and the SQL (compile_sql) must agree with this exactly.
"""

import dataclasses
import datetime as dt
from typing import Any

from policies.jsonlogic import attributes as A
from policies.jsonlogic.validate import growth_attr, op_of, parse_date


@dataclasses.dataclass
class Outcome:
    value: Any  # None = unknown
    missing: tuple[str, ...] = ()


def evaluate(rule: Any, row: dict, reference_date: dt.date) -> Outcome:
    """Evaluate a validated rule against one row (column name → value, None when missing)."""
    value, missing = _eval(rule, row, reference_date)
    return Outcome(value, tuple(sorted(set(missing))) if value is None else ())


def _get(row, name, ref):
    value = row.get(A.resolve(name, ref))
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    return value


def _eval(rule, row, ref) -> tuple[Any, list[str]]:
    parsed = op_of(rule)
    if parsed is None:
        return rule, []
    op, args = parsed

    if op == "var":
        value = _get(row, args[0], ref)
        return value, ([args[0]] if value is None else [])

    if op in ("and", "or"):
        decisive = op == "or"  # true decides an or, false decides an and
        results = [_eval(a, row, ref) for a in args]
        if any(v is decisive for v, _ in results):
            return decisive, []
        unknown = [m for v, m in results if v is None]
        if unknown:
            return None, [name for m in unknown for name in m]
        return (not decisive), []

    if op in ("!", "!!"):
        value, missing = _eval(args[0], row, ref)
        if value is None:
            return None, missing
        return (not value) if op == "!" else value, []

    if op == "if":
        for i in range(0, len(args) - 1, 2):
            cond, missing = _eval(args[i], row, ref)
            if cond is None:
                return None, missing
            if cond:
                return _eval(args[i + 1], row, ref)
        return _eval(args[-1], row, ref)

    if op in ("<", "<=") and len(args) == 3:  # a < b < c is (a < b) and (b < c)
        return _eval({"and": [{op: [args[0], args[1]]}, {op: [args[1], args[2]]}]}, row, ref)

    if op in ("==", "===", "!=", "!==", "<", "<=", ">", ">="):
        (a, ma), (b, mb) = _eval(args[0], row, ref), _eval(args[1], row, ref)
        if a is None or b is None:
            return None, ma + mb
        a, b = _as_dates(a, b)
        return _COMPARE[op](a, b), []

    if op in ("+", "-", "*", "/", "min", "max"):
        results = [_eval(a, row, ref) for a in args]
        if any(v is None for v, _ in results):
            return None, [name for v, m in results if v is None for name in m]
        values = [float(v) for v, _ in results]
        return _arith(op, values), []

    if op == "in":
        (needle, mn), (hay, mh) = _eval(args[0], row, ref), _eval(args[1], row, ref)
        if needle is None or hay is None:
            return None, mn + mh
        if isinstance(hay, list) and needle is not None and not isinstance(needle, str):
            return float(needle) in [float(h) for h in hay], []
        return needle in hay, []

    if op == "growth":
        metric, y0, y1 = args
        base_name, cur_name = growth_attr(metric, y0), growth_attr(metric, y1)
        base, cur = _get(row, base_name, ref), _get(row, cur_name, ref)
        missing = [n for n, v in ((base_name, base), (cur_name, cur)) if v is None]
        if base is not None and base <= 0:
            missing.insert(0, base_name)
        if missing:
            return None, missing
        return (cur - base) / base, []

    # the custom tests on one attribute
    (name,) = _implicit(op, args)
    value = _get(row, name, ref)
    if value is None:
        return None, [name]
    if op == "industry_prefix":
        return any(value.startswith(p) for p in args), []
    if op == "division_under":
        return any(value.startswith(f"{c}/") or f"/{c}/" in value for c in args), []
    if op == "certified":
        return bool(value), []
    if op == "has_tag":
        return args[0] in value, []
    if op == "within_years":
        cutoff = A.years_ago(ref, args[1])
        return cutoff < value <= ref, []
    raise ValueError(f"not validated: {op}")


def _implicit(op, args):
    if op == "within_years":
        return [args[0]["var"] if isinstance(args[0]["var"], str) else args[0]["var"][0]]
    from policies.jsonlogic.validate import implicit_attributes

    return implicit_attributes(op, args)


def _as_dates(a, b):
    if isinstance(a, dt.date) and isinstance(b, str):
        return a, parse_date(b)
    if isinstance(b, dt.date) and isinstance(a, str):
        return parse_date(a), b
    if isinstance(a, str) and isinstance(b, str) and parse_date(a) and parse_date(b):
        return a, b  # two texts compare as texts
    return a, b


_COMPARE = {
    "==": lambda a, b: a == b, "===": lambda a, b: a == b, "!=": lambda a, b: a != b, "!==": lambda a, b: a != b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}  # fmt: skip


def _arith(op, values):
    if op == "+":
        total = values[0]
        for v in values[1:]:
            total = total + v
        return total
    if op == "*":
        total = values[0]
        for v in values[1:]:
            total = total * v
        return total
    if op == "-":
        return -values[0] if len(values) == 1 else values[0] - values[1]
    if op == "/":
        return values[0] / values[1]
    if op == "min":
        return min(values)
    return max(values)


def evaluate_clause(condition: Any, amount: Any, row: dict, reference_date: dt.date) -> tuple[str, float | None, tuple]:
    """(result, amount, missing) for one clause and one row: the contract of the engine and the CLI."""
    outcome = evaluate(condition, row, reference_date)
    if outcome.value is None:
        return "unknown", None, outcome.missing
    if not outcome.value:
        return "ineligible", None, ()
    if amount is None:
        return "eligible", None, ()
    money = evaluate(amount, row, reference_date)
    return "eligible", (None if money.value is None else float(money.value)), money.missing
