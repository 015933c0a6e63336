"""Reading a register file (CSV or .xlsx) for a what-if run into the snapshot's column contract.

The file is read as the register's import reads it (``core.imports`` and the register's header
aliases): the same headers (统一社会信用代码 or credit_code, 2024年营业收入 or revenue_2024…) and the same
cell parsers (是/否/Y/N/√…, tags split on ; ； , ， 、, dates as 2015-03-01, 2015/3/1, 2015年3月1日 or a
spreadsheet date, amounts with thousands separators). One difference is deliberate: an empty cell is
*missing* here (the what-if reports "unknown"), where the import stores its default."""

from pathlib import Path
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError

from core import imports
from enterprises.services.imports import read_layout
from policies.jsonlogic import attributes as A

MAX_REASONS = 5


def dtype_of(column: str) -> pl.DataType:
    attr = A.get(column)
    if column.startswith("employees_") or column == "employees":
        return pl.Int64
    if attr is None:
        return pl.Utf8
    return {A.NUMBER: pl.Float64, A.BOOLEAN: pl.Boolean, A.DATE: pl.Date,
            A.LIST: pl.List(pl.Utf8)}.get(attr.type, pl.Utf8)  # fmt: skip


def _parser(column: str):
    t = dtype_of(column)
    if t == pl.Boolean:
        return imports.yes_no
    if t == pl.Date:
        return imports.date
    if t == pl.Int64:
        return imports.integer
    if t == pl.Float64:
        return lambda value, label, reasons: None if (d := imports.decimal(value, label, reasons)) is None else float(d)
    if t == pl.List(pl.Utf8):
        return lambda value, label, reasons: imports.tags(value)
    return lambda value, label, reasons: imports.text(value)


def read_register(path: str | Path) -> pl.DataFrame:
    """The file as a frame of the contract's types; a file or cell that cannot be read raises
    ``ValueError`` naming the row and the column."""
    path = Path(path)
    source = imports.Source(path, imports.file_format(path.name))
    try:
        rows = source.rows()
        cells = next(rows, None)
    except ValidationError as e:
        raise ValueError(" ".join(e.messages)) from None
    if cells is None:
        raise ValueError("the register file is empty")
    layout = read_layout(cells)
    if "credit_code" not in layout.columns:
        raise ValueError("the register needs a credit_code column")
    columns: dict[str, int] = dict(layout.columns)
    columns |= {f"{what}_{year}": index for (year, what), index in layout.years.items()}
    named = set(columns.values())
    columns |= {imports.text(cells[i]).lstrip("\ufeff"): i for i, _key in layout.header.others if i not in named}
    parsers = {name: _parser(name) for name in columns}
    data: dict[str, list[Any]] = {name: [] for name in columns}
    problems: list[str] = []
    for number, values in enumerate(rows, start=2):
        if isinstance(values, imports.UnreadableRow):
            problems.append(f"row {number}: {values.reason}")
            continue
        if not any(not imports.empty(v) for v in values):
            continue  # a blank line
        for name, index in columns.items():
            value = values[index] if index < len(values) else None
            reasons: list[str] = []
            parsed = None if imports.empty(value) else parsers[name](value, name, reasons)
            if reasons:
                problems.append(f"row {number}, column {name}: {reasons[0]}")
            data[name].append(parsed)
        if len(problems) >= MAX_REASONS:
            break
    if problems:
        raise ValueError("; ".join(problems[:MAX_REASONS]))
    return pl.DataFrame({name: pl.Series(name, values, dtype=dtype_of(name)) for name, values in data.items()})
