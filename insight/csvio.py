"""CSV in and out for the routing command: read through the import kit (UTF-8, with or without BOM,
or GB18030, which covers GBK), column checks and clear errors before anything is written."""

import csv
import os
import tempfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from core.imports import Source, UnreadableRow
from insight.errors import InsightError
from insight.text import is_chinese, normalise

MAX_CHARS = 1000


@dataclass
class Table:
    header: list[str]
    rows: list[dict[str, str]]
    encoding: str


def read_table(path: str, *, text_columns: list[str], label_column: str | None = None) -> Table:
    """The CSV at ``path`` (read by the import kit: UTF-8 with or without BOM, or GB18030), its
    columns checked."""
    source = Source(path, "csv")
    try:
        records = [r for r in source.rows() if r or isinstance(r, UnreadableRow)]  # csv yields [] for a blank line
    except OSError as e:
        raise InsightError(f"无法读取文件 {path}：{e.strerror}", f"Cannot read {path}: {e.strerror}") from e
    except ValidationError:
        raise InsightError(
            "无法识别文件编码：应为 UTF-8（可带 BOM）或 GBK/GB18030。",
            "Cannot read the file's encoding: expected UTF-8 (with or without BOM) or GBK/GB18030.",
        ) from None
    header = [h.strip() for h in (records[0] if records else [])]
    wanted = list(text_columns) + ([label_column] if label_column else [])
    missing = [c for c in wanted if c not in header]
    if missing:
        raise InsightError(
            f"CSV 缺少列：{'、'.join(missing)}（现有列：{'、'.join(header) or '无'}）。",
            f"The CSV has no column {', '.join(missing)} (its columns: {', '.join(header) or 'none'}).",
        )
    unreadable = [n for n, r in enumerate(records[1:], start=2) if isinstance(r, UnreadableRow)]
    if unreadable:
        raise InsightError(f"第 {_rows(unreadable)} 行无法读取。", f"Row {_rows(unreadable)} cannot be read.")
    rows = [{k: (row[i] if i < len(row) else "") for i, k in enumerate(header)} for row in records[1:]]
    if not rows:
        raise InsightError("CSV 没有数据行。", "The CSV has no data rows.")
    return Table(header=header, rows=rows, encoding=source.encoding)


def joined_texts(table: Table, text_columns: list[str]) -> list[str]:
    """The text columns of each row joined (in the order given) and normalised; empty rows are
    refused with their row numbers (the header is row 1). Rows that are not Chinese (Latin letters,
    pinyin, digits, emoji: citizens type such things) are kept: ``foreign_rows`` names them."""
    # The models read the first few hundred characters: normalising more would only cost time.
    joined = ("。".join(row[c].strip() for c in text_columns if row[c].strip())[:MAX_CHARS] for row in table.rows)
    texts = [normalise(t) for t in joined]
    empty = [i + 2 for i, t in enumerate(texts) if not t]
    if empty:
        raise InsightError(
            f"第 {_rows(empty)} 行文本为空。", f"Empty text in row {_rows(empty)} (the header is row 1)."
        )
    return texts


def foreign_rows(texts: list[str]) -> str | None:
    """A note naming the rows (the header is row 1) that are mostly not Chinese, or None: they are
    read like the others, and their predictions are usually of low confidence."""
    foreign = [i + 2 for i, t in enumerate(texts) if not is_chinese(t)]
    if not foreign:
        return None
    return (
        f"注意：第 {_rows(foreign)} 行不是中文文本，已照常读取（其预测置信度通常较低）。\n"
        f"Note: row {_rows(foreign)} is not Chinese text; read like the others (its predictions are "
        "usually of low confidence)."
    )


def labels_of(table: Table, label_column: str) -> list[str]:
    labels = [row[label_column].strip() for row in table.rows]
    empty = [i + 2 for i, lab in enumerate(labels) if not lab]
    if empty:
        raise InsightError(f"第 {_rows(empty)} 行标签为空。", f"Empty label in row {_rows(empty)}.")
    if len(set(labels)) < 2:
        raise InsightError(
            f"标签列“{label_column}”只有一个类别，无法训练分类器。",
            f"The label column '{label_column}' has only one class: nothing to learn.",
        )
    return labels


def write_table(path: str, header: list[str], rows: list[dict[str, str]]) -> None:
    """Write atomically (a temporary file renamed into place), UTF-8 with a BOM for spreadsheets."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _rows(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:5])
    return shown + (f" … (+{len(numbers) - 5})" if len(numbers) > 5 else "")
