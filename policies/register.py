"""Reading a register file (CSV or .xlsx) whose columns are the documented attribute names into the
snapshot's column contract: dates as YYYY-MM-DD, booleans as true/false (or 1/0, 是/否), tags separated
by ";", empty cells as missing."""

import re
from pathlib import Path

import polars as pl

from policies.jsonlogic import attributes as A

_YEARLY = re.compile(r"^(revenue|exports|tax)_\d{4}$")
_TRUE = ["true", "1", "yes", "是", "t", "y"]
_FALSE = ["false", "0", "no", "否", "f", "n"]


def dtype_of(column: str) -> pl.DataType:
    if _YEARLY.match(column):
        return pl.Float64
    attr = A.get(column)
    if attr is None:
        return pl.Utf8
    return {A.NUMBER: pl.Int64 if column == "employees" else pl.Float64, A.BOOLEAN: pl.Boolean, A.DATE: pl.Date,
            A.LIST: pl.List(pl.Utf8)}.get(attr.type, pl.Utf8)  # fmt: skip


def typed(raw: pl.DataFrame) -> pl.DataFrame:
    """Cast a frame of texts to the contract's types (a bad cell raises, naming the column)."""
    exprs = []
    for name in raw.columns:
        c = pl.col(name).cast(pl.Utf8).str.strip_chars()
        c = pl.when(c == "").then(None).otherwise(c)
        t = dtype_of(name)
        if t == pl.Boolean:
            low = c.str.to_lowercase()
            e = pl.when(low.is_in(_TRUE)).then(True).when(low.is_in(_FALSE)).then(False).otherwise(None)
        elif t == pl.Date:
            e = c.str.to_date("%Y-%m-%d", strict=True)
        elif t == pl.List(pl.Utf8):
            e = c.str.split(";")
        elif t in (pl.Float64, pl.Int64):
            e = c.str.replace_all(",", "").cast(pl.Float64, strict=True)
            e = e.cast(pl.Int64) if t == pl.Int64 else e
        else:
            e = c
        exprs.append(e.alias(name))
    return raw.select(exprs)


def read_register(path: str | Path) -> pl.DataFrame:
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        raw = pl.read_excel(path, engine="openpyxl", infer_schema_length=0)
    else:
        raw = pl.read_csv(path, infer_schema_length=0, encoding="utf8-lossy")
    raw = raw.rename({c: c.lstrip("\ufeff").strip() for c in raw.columns})
    if "credit_code" not in raw.columns:
        raise ValueError("the register needs a credit_code column")
    return typed(raw)
