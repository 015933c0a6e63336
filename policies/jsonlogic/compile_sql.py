"""The same compiled conditions as PostgreSQL SQL, with the same three-valued semantics.

SQL already has them: NULL is unknown, AND / OR are Kleene, comparisons with NULL are NULL. Where
PostgreSQL departs (LEAST / GREATEST skip NULLs) the SQL says so explicitly. The query reads a table
with the snapshot's columns (enterprises' contract), so it runs as well on a sharded PostgreSQL
(Citus distributes such a SELECT over the shards by credit_code without change).
"""

import datetime as dt
from typing import Any

from policies.jsonlogic import attributes as A
from policies.jsonlogic.compile_polars import Clause
from policies.jsonlogic.validate import CATALOGUE, Schema, growth_attr, implicit_attributes, op_of, parse_date

_PG_TYPES = {A.NUMBER: "double precision", A.BOOLEAN: "boolean", A.DATE: "date", A.LIST: "text[]", A.STRING: "text"}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _number(value) -> str:
    return f"CAST({float(value)!r} AS double precision)"


class SqlCompiler:
    def __init__(self, reference_date: dt.date, columns: set[str] | None = None, schema: Schema = CATALOGUE):
        self.ref = reference_date
        self.columns = columns
        self.schema = schema

    def col(self, name: str) -> str:
        column = A.resolve(name, self.ref)
        t = self.schema.type_of(name)
        if self.columns is not None and column not in self.columns:
            return f"CAST(NULL AS {_PG_TYPES.get(t, 'text')})"
        return f"CAST({quote_ident(column)} AS double precision)" if t == A.NUMBER else quote_ident(column)

    def literal(self, value, date_context=False) -> str:
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int | float):
            return _number(value)
        if date_context and parse_date(value):
            return f"DATE '{parse_date(value).isoformat()}'"
        return quote_text(value)

    def _is_date(self, rule) -> bool:
        parsed = op_of(rule)
        return parsed is not None and parsed[0] == "var" and self.schema.type_of(parsed[1][0]) == A.DATE

    def sql(self, rule: Any, date_context: bool = False) -> str:
        parsed = op_of(rule)
        if parsed is None:
            return self.literal(rule, date_context)
        op, args = parsed
        if op == "var":
            return self.col(args[0])
        if op in ("and", "or"):
            return "(" + f" {op.upper()} ".join(self.sql(a) for a in args) + ")"
        if op == "!":
            return f"(NOT {self.sql(args[0])})"
        if op == "!!":
            return self.sql(args[0])
        if op == "if":
            parts = []
            for i in range(0, len(args) - 1, 2):
                c = self.sql(args[i])
                parts.append(f"WHEN {c} IS NULL THEN NULL WHEN {c} THEN {self.sql(args[i + 1])}")
            return f"(CASE {' '.join(parts)} ELSE {self.sql(args[-1])} END)"
        if op in ("<", "<=") and len(args) == 3:
            return self.sql({"and": [{op: [args[0], args[1]]}, {op: [args[1], args[2]]}]})
        if op in ("==", "===", "!=", "!==", "<", "<=", ">", ">="):
            dates = any(self._is_date(a) for a in args)
            a, b = (self.sql(x, date_context=dates) for x in args)
            sql_op = {"==": "=", "===": "=", "!=": "<>", "!==": "<>"}.get(op, op)
            return f"({a} {sql_op} {b})"
        if op in ("+", "*"):
            return "(" + f" {op} ".join(self.sql(a) for a in args) + ")"
        if op == "-":
            return f"(- {self.sql(args[0])})" if len(args) == 1 else f"({self.sql(args[0])} - {self.sql(args[1])})"
        if op == "/":
            return f"({self.sql(args[0])} / {self.sql(args[1])})"
        if op in ("min", "max"):
            parts = [self.sql(a) for a in args]
            if len(parts) == 1:
                return parts[0]
            nulls = " OR ".join(f"{p} IS NULL" for p in parts)
            fn = "LEAST" if op == "min" else "GREATEST"  # these skip NULLs: unknown must stay unknown
            return f"(CASE WHEN {nulls} THEN NULL ELSE {fn}({', '.join(parts)}) END)"
        if op == "in":
            needle, hay = args
            if isinstance(hay, list):
                return f"({self.sql(needle)} IN ({', '.join(self.literal(h) for h in hay)}))"
            if op_of(hay) and self.schema.type_of(op_of(hay)[1][0]) == A.LIST:
                return f"({quote_text(needle)} = ANY({self.sql(hay)}))"
            return f"(strpos({self.sql(hay)}, {quote_text(needle)}) > 0)"
        if op == "growth":
            base, cur = (self.col(growth_attr(args[0], y)) for y in args[1:])
            return f"(CASE WHEN {base} > 0 THEN ({cur} - {base}) / {base} END)"
        if op == "industry_prefix":
            c = self.col("industry_code")
            return "(" + " OR ".join(f"starts_with({c}, {quote_text(p)})" for p in args) + ")"
        if op == "division_under":
            c = self.col("division_path")
            return "(" + " OR ".join(
                f"starts_with({c}, {quote_text(d + '/')}) OR strpos({c}, {quote_text('/' + d + '/')}) > 0" for d in args
            ) + ")"  # fmt: skip
        if op == "certified":
            return self.col(args[0])
        if op == "has_tag":
            return f"({quote_text(args[0])} = ANY({self.col('tags')}))"
        if op == "within_years":
            c = self.sql(args[0])
            cutoff = A.years_ago(self.ref, args[1])
            return f"({c} > DATE '{cutoff.isoformat()}' AND {c} <= DATE '{self.ref.isoformat()}')"
        raise ValueError(f"not validated: {op}")

    def trace(self, rule: Any, gate: str) -> list[tuple[str, str]]:
        """As compile_polars.Compiler.trace: (attribute, SQL condition under which it is missing)."""
        parsed = op_of(rule)
        if parsed is None:
            return []
        op, args = parsed
        if op == "var":
            return [(args[0], gate)]
        if op == "growth":
            base_name, cur_name = (growth_attr(args[0], y) for y in args[1:])
            base, cur = self.col(base_name), self.col(cur_name)
            return [(base_name, f"{gate} AND ({base} IS NULL OR {base} <= 0)"), (cur_name, f"{gate} AND {cur} IS NULL")]
        if op in ("industry_prefix", "division_under", "certified", "has_tag"):
            return [(implicit_attributes(op, args)[0], gate)]
        if op in ("<", "<=") and len(args) == 3:
            return self.trace({"and": [{op: [args[0], args[1]]}, {op: [args[1], args[2]]}]}, gate)
        if op == "if":
            out, earlier_false = [], gate
            for i in range(0, len(args) - 1, 2):
                cond, then = self.sql(args[i]), args[i + 1]
                out += self.trace(args[i], f"{earlier_false} AND {cond} IS NULL")
                out += self.trace(then, f"{earlier_false} AND COALESCE({cond}, FALSE) AND {self.sql(then)} IS NULL")
                earlier_false = f"{earlier_false} AND NOT COALESCE({cond}, TRUE)"
            return out + self.trace(args[-1], f"{earlier_false} AND {self.sql(args[-1])} IS NULL")
        out = []
        for a in args:
            if op_of(a) is not None:
                out += self.trace(a, f"{gate} AND {self.sql(a)} IS NULL")
        return out


def _missing(pairs: list[tuple[str, str]]) -> str:
    by_name: dict[str, list[str]] = {}
    for name, cond in pairs:
        by_name.setdefault(name, []).append(f"({cond})")
    if not by_name:
        return "''"
    whens = ", ".join(f"CASE WHEN {' OR '.join(by_name[n])} THEN {quote_text(n)} END" for n in sorted(by_name))
    return f"array_to_string(ARRAY[{whens}], ';')"


def select_sql(
    clauses: list[Clause], reference_date: dt.date, table: str, *, columns: set[str] | None = None, missing=True
) -> str:
    """SELECT credit_code, r{i}, a{i}, m{i} … FROM table: the columns of compile_polars.evaluate."""
    c = SqlCompiler(reference_date, columns)
    cols = ["credit_code"]
    for i, clause in enumerate(clauses):
        result = c.sql(clause.condition)
        cols.append(f"{result} AS r{i}")
        if clause.amount is None:
            cols.append(f"CAST(NULL AS double precision) AS a{i}")
        else:
            cols.append(f"(CASE WHEN COALESCE({result}, FALSE) THEN {c.sql(clause.amount)} END) AS a{i}")
        if missing:
            pairs = c.trace(clause.condition, f"{result} IS NULL")
            if op_of(clause.amount) is not None:
                pairs += c.trace(clause.amount, f"COALESCE({result}, FALSE) AND {c.sql(clause.amount)} IS NULL")
            cols.append(f"{_missing(pairs)} AS m{i}")
    return f"SELECT {', '.join(cols)} FROM {table} ORDER BY credit_code"
