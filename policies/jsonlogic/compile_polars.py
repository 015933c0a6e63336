"""The vectorised engine: every clause compiled into one Polars plan over the register snapshot.

Null is "unknown" throughout (Polars' ``&`` and ``|`` are Kleene, comparisons with null are null),
so the plan follows the reference evaluator's semantics (see reference.py) column by column.

Work is shared across clauses: each distinct sub-expression (by its canonical JSON) is compiled to
one Polars expression object, and all clauses go into a single ``select`` so that Polars evaluates
common sub-expressions once (CSE) and the clauses in parallel.

The ``missing`` trace (only computed when asked for: the CLI and the stored matches want it, the
yes/no evaluation does not) is the reference walk turned into masks: an attribute is named where its
leaf is null and every node above it up to the clause is unknown (for ``if``: on the path taken).
"""

import dataclasses
import datetime as dt
import json
from typing import Any

import polars as pl

from policies.jsonlogic import attributes as A
from policies.jsonlogic.validate import CATALOGUE, Schema, growth_attr, op_of, parse_date


@dataclasses.dataclass(frozen=True)
class Clause:
    id: str
    condition: Any
    amount: Any = None  # None, a fixed number, or a formula


def _key(rule) -> str:
    return json.dumps(rule, sort_keys=True, ensure_ascii=False)


class Compiler:
    def __init__(self, reference_date: dt.date, columns: dict[str, pl.DataType], schema: Schema = CATALOGUE):
        self.ref = reference_date
        self.columns = columns
        self.schema = schema
        self.memo: dict[str, pl.Expr] = {}

    def lookup(self, name: str, predicate, fallback) -> pl.Expr:
        """A test on a text attribute. On a dictionary-encoded column (pl.Enum, see ``prepare``) the
        test runs once per distinct value and the rows look their code up; else ``fallback(expr)``."""
        column = A.resolve(name, self.ref)
        dtype = self.columns.get(column)
        if isinstance(dtype, pl.Enum):
            codes = [i for i, value in enumerate(dtype.categories.to_list()) if predicate(value)]
            return pl.col(column).to_physical().is_in(pl.Series(codes, dtype=pl.UInt32).implode())
        return fallback(self.col(name))

    # -- values ------------------------------------------------------------------------------------
    def col(self, name: str) -> pl.Expr:
        column = A.resolve(name, self.ref)
        t = self.schema.type_of(name)
        dtype = {A.NUMBER: pl.Float64, A.BOOLEAN: pl.Boolean, A.DATE: pl.Date, A.LIST: pl.List(pl.Utf8)}.get(t, pl.Utf8)
        if column not in self.columns:
            return pl.lit(None, dtype=dtype)  # a year the snapshot does not have: unknown for everyone
        expr = pl.col(column)
        return expr.cast(pl.Float64) if t == A.NUMBER and self.columns[column] != pl.Float64 else expr

    def expr(self, rule: Any, date_context: bool = False) -> pl.Expr:
        if op_of(rule) is None:
            if date_context and isinstance(rule, str) and parse_date(rule):
                return pl.lit(parse_date(rule), dtype=pl.Date)
            if isinstance(rule, bool):
                return pl.lit(rule, dtype=pl.Boolean)
            if isinstance(rule, int | float):
                return pl.lit(float(rule), dtype=pl.Float64)
            return pl.lit(rule)
        key = _key(rule) + ("@date" if date_context else "")
        if key not in self.memo:
            self.memo[key] = self._build(rule)
        return self.memo[key]

    def _enum_var(self, rule) -> bool:
        parsed = op_of(rule)
        if parsed is None or parsed[0] != "var":
            return False
        column = A.resolve(parsed[1][0], self.ref) if isinstance(parsed[1][0], str) else None
        return isinstance(self.columns.get(column), pl.Enum)

    def _is_date(self, rule) -> bool:
        parsed = op_of(rule)
        return parsed is not None and parsed[0] == "var" and self.schema.type_of(parsed[1][0]) == A.DATE

    def _build(self, rule) -> pl.Expr:
        op, args = op_of(rule)
        if op == "var":
            return self.col(args[0])
        if op in ("and", "or"):
            parts = [self.expr(a) for a in args]
            out = parts[0]
            for p in parts[1:]:
                out = (out & p) if op == "and" else (out | p)
            return out
        if op == "!":
            return ~self.expr(args[0])
        if op == "!!":
            return self.expr(args[0])
        if op == "if":
            return self._if(args)
        if op in ("<", "<=") and len(args) == 3:
            return self.expr({"and": [{op: [args[0], args[1]]}, {op: [args[1], args[2]]}]})
        if op in ("==", "===", "!=", "!==") and self._enum_var(args[0]) and isinstance(args[1], str):
            equal = op in ("==", "===")
            return self.lookup(op_of(args[0])[1][0], lambda v: (v == args[1]) == equal,
                               lambda c: (c == args[1]) if equal else (c != args[1]))  # fmt: skip
        if op in ("==", "===", "!=", "!==", "<", "<=", ">", ">="):
            dates = any(self._is_date(a) for a in args)
            a, b = (self.expr(x, date_context=dates) for x in args)
            return {"==": a == b, "===": a == b, "!=": a != b, "!==": a != b, "<": a < b, "<=": a <= b,
                    ">": a > b, ">=": a >= b}[op]  # fmt: skip
        if op in ("+", "*"):
            out = self.expr(args[0])
            for x in args[1:]:
                out = (out + self.expr(x)) if op == "+" else (out * self.expr(x))
            return out
        if op == "-":
            return -self.expr(args[0]) if len(args) == 1 else self.expr(args[0]) - self.expr(args[1])
        if op == "/":
            return self.expr(args[0]) / self.expr(args[1])
        if op in ("min", "max"):
            literals = [float(a) for a in args if op_of(a) is None]
            rules = [a for a in args if op_of(a) is not None]
            if len(rules) == 1 and literals:  # a cap or a floor: clip keeps null as null
                bound = min(literals) if op == "min" else max(literals)
                e = self.expr(rules[0])
                return e.clip(upper_bound=bound) if op == "min" else e.clip(lower_bound=bound)
            parts = [self.expr(a) for a in args]
            if len(parts) == 1:
                return parts[0]
            agg = pl.min_horizontal(parts) if op == "min" else pl.max_horizontal(parts)
            any_null = pl.any_horizontal([p.is_null() for p in parts])
            return pl.when(any_null).then(pl.lit(None, dtype=pl.Float64)).otherwise(agg)
        if op == "in":
            needle, hay = args
            if isinstance(hay, list) and self._enum_var(needle):
                values = set(hay)
                return self.lookup(op_of(needle)[1][0], lambda v: v in values, lambda c: c.is_in(list(values)))
            if isinstance(hay, list):
                n = self.expr(needle)
                values = [float(h) for h in hay] if hay and not isinstance(hay[0], str) else hay
                return n.is_in(pl.lit(pl.Series(values)).implode())
            if op_of(hay) and self.schema.type_of(op_of(hay)[1][0]) == A.LIST:
                return self.expr(hay).list.contains(pl.lit(needle))
            if self._enum_var(hay):
                return self.lookup(
                    op_of(hay)[1][0], lambda v: needle in v, lambda c: c.str.contains(needle, literal=True)
                )
            return self.expr(hay).str.contains(needle, literal=True)
        if op == "growth":
            base, cur = (self.col(growth_attr(args[0], y)) for y in args[1:])
            return pl.when(base > 0).then((cur - base) / base).otherwise(pl.lit(None, dtype=pl.Float64))
        if op == "industry_prefix":
            prefixes = tuple(args)
            return self.lookup("industry_code", lambda v: v.startswith(prefixes),
                               lambda c: _any([c.str.starts_with(p) for p in prefixes]))  # fmt: skip
        if op == "division_under":
            return self.lookup(
                "division_path",
                lambda v: any(v.startswith(f"{d}/") or f"/{d}/" in v for d in args),
                lambda c: _any([c.str.starts_with(f"{d}/") | c.str.contains(f"/{d}/", literal=True) for d in args]),
            )
        if op == "certified":
            return self.col(args[0])
        if op == "has_tag":
            return self.col("tags").list.contains(pl.lit(args[0]))
        if op == "within_years":
            c = self.expr(args[0])
            cutoff = A.years_ago(self.ref, args[1])
            return (c > pl.lit(cutoff, dtype=pl.Date)) & (c <= pl.lit(self.ref, dtype=pl.Date))
        raise ValueError(f"not validated: {op}")

    def _if(self, args) -> pl.Expr:
        chain = None
        for i in range(0, len(args) - 1, 2):
            cond, then = self.expr(args[i]), self.expr(args[i + 1])
            chain = (pl.when(cond.is_null()) if chain is None else chain.when(cond.is_null())).then(None)
            chain = chain.when(cond).then(then)
        return chain.otherwise(self.expr(args[-1]))

    # -- the missing trace -------------------------------------------------------------------------
    def trace(self, rule: Any, gate: pl.Expr) -> list[tuple[str, pl.Expr]]:
        """(attribute, mask) pairs: the attribute is missing where the mask holds. ``gate`` says the
        node itself is unknown (and its ancestors are, on the path taken)."""
        parsed = op_of(rule)
        if parsed is None:
            return []
        op, args = parsed
        if op == "var":
            return [(args[0], gate)]
        if op == "growth":
            base_name, cur_name = (growth_attr(args[0], y) for y in args[1:])
            base, cur = self.col(base_name), self.col(cur_name)
            return [(base_name, gate & (base.is_null() | (base <= 0))), (cur_name, gate & cur.is_null())]
        if op in ("industry_prefix", "division_under", "certified", "has_tag"):
            from policies.jsonlogic.validate import implicit_attributes

            return [(implicit_attributes(op, args)[0], gate)]
        if op in ("<", "<=") and len(args) == 3:
            return self.trace({"and": [{op: [args[0], args[1]]}, {op: [args[1], args[2]]}]}, gate)
        if op == "if":
            out, earlier_false = [], gate
            for i in range(0, len(args) - 1, 2):
                cond, then = self.expr(args[i]), args[i + 1]
                out += self.trace(args[i], earlier_false & cond.is_null())
                out += self.trace(then, earlier_false & cond.fill_null(False) & self.expr(then).is_null())
                earlier_false = earlier_false & ~cond.fill_null(True)
            return out + self.trace(args[-1], earlier_false & self.expr(args[-1]).is_null())
        out = []
        for a in args:
            if op_of(a) is not None:
                out += self.trace(a, gate & self.expr(a).is_null())
        return out


def _any(parts: list[pl.Expr]) -> pl.Expr:
    out = parts[0]
    for p in parts[1:]:
        out = out | p
    return out


def _missing_expr(pairs: list[tuple[str, pl.Expr]]) -> pl.Expr:
    by_name: dict[str, pl.Expr] = {}
    for name, mask in pairs:
        by_name[name] = (by_name[name] | mask) if name in by_name else mask
    if not by_name:
        return pl.lit("")
    parts = [pl.when(by_name[n]).then(pl.lit(n)) for n in sorted(by_name)]
    return pl.concat_str(parts, separator=";", ignore_nulls=True)


@dataclasses.dataclass
class Plan:
    """All clauses compiled once for a snapshot's columns and a reference date.

    Phase 1 evaluates every condition (and the missing trace) in one ``select``. Phase 2 evaluates
    the amount formulas only on the rows eligible for at least one formula clause (a few percent of
    the register), and scatters them back. Fixed amounts are constants where eligible."""

    clauses: list[Clause]
    exprs: list[pl.Expr]  # phase 1: r{i} (and m{i})
    formulas: dict[int, pl.Expr]  # phase 2: clause index → amount formula
    traces: dict[int, pl.Expr] = dataclasses.field(default_factory=dict)  # missing="apart": m{i} by clause

    def run_sparse(self, frame: pl.DataFrame, keep: tuple[str, ...] = ("credit_code",)):
        """(wide, amounts): ``wide`` has keep, then r{i} (and m{i}) for every clause and enterprise;
        ``amounts`` has ``row`` (the row number in ``frame``) and a{i} for each formula clause, for
        the rows eligible for at least one formula clause: every amount there is, without the cost of
        millions of empty cells."""
        keep = [k for k in keep if k in frame.columns]
        wide = frame.lazy().select([pl.col(k) for k in keep] + self.exprs).collect()
        if not self.formulas:
            return wide, pl.DataFrame(schema={"row": pl.UInt32})
        results = [f"r{i}" for i in self.formulas]
        mask = wide.select(pl.any_horizontal([pl.col(r).fill_null(False) for r in results])).to_series()
        needed = sorted({n for f in self.formulas.values() for n in f.meta.root_names()} & set(frame.columns))
        sub = frame.with_row_index("row").select("row", *needed).filter(mask)
        sub = sub.with_columns(wide.select(results).filter(mask))
        amounts = sub.select(
            pl.col("row"),
            *[pl.when(pl.col(f"r{i}")).then(f.cast(pl.Float64)).alias(f"a{i}") for i, f in self.formulas.items()],
        )
        return wide, amounts

    def run(self, frame: pl.DataFrame, keep: tuple[str, ...] = ("credit_code",)) -> pl.DataFrame:
        """credit_code, then per clause r{i} (true / false / null = unknown), a{i} (the amount where
        eligible and known) and m{i} when compiled with missing."""
        wide, amounts = self.run_sparse(frame, keep)
        if amounts.height or self.formulas:
            dense = pl.DataFrame({"row": pl.int_range(0, frame.height, dtype=pl.UInt32, eager=True)})
            dense = dense.join(amounts, on="row", how="left", maintain_order="left")
        out = []
        for k in keep:
            if k in wide.columns:
                out.append(wide.get_column(k))
        for i in range(len(self.clauses)):
            out.append(wide.get_column(f"r{i}"))
            if i in self.formulas:
                out.append(dense.get_column(f"a{i}"))
            else:
                out.append(wide.select(pl.col(f"r{i}"), self.amount_of(i)).get_column(f"a{i}"))
            if f"m{i}" in wide.columns:
                out.append(wide.get_column(f"m{i}"))
        return pl.DataFrame(out)

    def amount_of(self, i: int) -> pl.Expr:
        """The a{i} column of a clause with a fixed amount (or none), from its r{i}."""
        amount = self.clauses[i].amount
        if amount is None:
            return pl.lit(None, dtype=pl.Float64).alias(f"a{i}")
        return pl.when(pl.col(f"r{i}").fill_null(False)).then(pl.lit(float(amount))).alias(f"a{i}")


def compile_plan(
    clauses: list[Clause],
    reference_date: dt.date,
    columns: dict[str, pl.DataType],
    *,
    missing: bool | str = False,
    schema: Schema = CATALOGUE,
) -> Plan:
    """Compile every clause for a snapshot with these columns (see Plan.run for the result). With
    ``missing="apart"`` the missing traces are not in the plan but in ``Plan.traces``, to be run on
    the rows that need them only (the stored matches)."""
    c = Compiler(reference_date, dict(columns), schema)
    exprs, formulas, traces = [], {}, {}
    for i, clause in enumerate(clauses):
        result = c.expr(clause.condition)
        if isinstance(clause.condition, bool):
            result = pl.lit(clause.condition, dtype=pl.Boolean)
        exprs.append(result.alias(f"r{i}"))
        if op_of(clause.amount) is not None:
            formulas[i] = c.expr(clause.amount)
        if missing:
            pairs = c.trace(clause.condition, result.is_null())
            if op_of(clause.amount) is not None:
                money = c.expr(clause.amount)
                pairs += c.trace(clause.amount, result.fill_null(False) & money.is_null())
            if missing == "apart":
                traces[i] = _missing_expr(pairs).alias(f"m{i}")
            else:
                exprs.append(_missing_expr(pairs).alias(f"m{i}"))
    return Plan(list(clauses), exprs, formulas, traces)


ENCODED = ("industry_code", "division_code", "division_path", "size_class")


def prepare(frame: pl.DataFrame) -> pl.DataFrame:
    """Dictionary-encode the text attributes that conditions test (a few hundred distinct values over
    millions of rows), so that a test such as an industry prefix runs once per distinct value. Done
    once per snapshot; the results are the same with or without it."""
    casts = []
    if frame.schema.get("employees") == pl.Int64:
        casts.append(pl.col("employees").cast(pl.Float64))
    for name in ENCODED:
        if name in frame.columns and frame.schema[name] == pl.Utf8:
            categories = sorted(frame.get_column(name).drop_nulls().unique().to_list())
            casts.append(pl.col(name).cast(pl.Enum(categories)))
    return frame.with_columns(casts) if casts else frame


def evaluate(
    frame: pl.DataFrame, clauses: list[Clause], reference_date: dt.date, *, missing: bool = False
) -> pl.DataFrame:
    """The wide result: credit_code, then r{i}, a{i} (and m{i}) per clause."""
    frame = prepare(frame)
    return compile_plan(clauses, reference_date, frame.schema, missing=missing).run(frame)


RESULT = pl.Enum(["eligible", "ineligible", "unknown"])


def to_long(wide: pl.DataFrame, clauses: list[Clause]) -> pl.DataFrame:
    """One row per enterprise and clause: clause_id, credit_code, result, amount, missing."""
    parts = []
    for i, clause in enumerate(clauses):
        r = pl.col(f"r{i}")
        parts.append(
            wide.select(
                pl.lit(clause.id).alias("clause_id"),
                pl.col("credit_code"),
                pl.when(r.is_null()).then(pl.lit("unknown")).when(r).then(pl.lit("eligible"))
                .otherwise(pl.lit("ineligible")).cast(RESULT).alias("result"),
                pl.col(f"a{i}").alias("amount"),
                (pl.col(f"m{i}") if f"m{i}" in wide.columns else pl.lit("")).alias("missing"),
            )
        )  # fmt: skip
    return pl.concat(parts) if parts else pl.DataFrame()
