"""The export kit: a list as a spreadsheet, .xlsx for Excel and CSV (UTF-8 with BOM).

A ``Sheet`` is a title, ``Column``s and rows (dicts from ``values()``, read in chunks of ``CHUNK``), so
100,000 rows stay fast and small in memory. Every text cell is escaped the same way in both formats:
a value that starts like a formula (``=``, ``+``, ``-``, ``@``) is written as text, never run by the
official's spreadsheet program, and control characters Excel refuses are dropped. An app builds its
sheets from its selectors (the viewer's scope) with masking applied in the column values; exports
larger than ``settings.EXPORT_BACKGROUND_ROWS`` run as background jobs (the ledger's ``ExportJob``)."""

import csv
import datetime as dt
import re
import tempfile
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

CHUNK = 2000
TEXT, DATETIME, DATE, NUMBER = "text", "datetime", "date", "number"
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # control characters Excel refuses
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    value: Callable[[dict], Any]
    kind: str = TEXT


def cell_value(name: str) -> Callable[[dict], Any]:
    return lambda row: row[name]


def cell_label(name: str, choices) -> Callable[[dict], str]:
    labels = {value: str(label) for value, label in choices}
    return lambda row: labels.get(row[name], row[name] or "")


def cell_yes_no(name: str) -> Callable[[dict], str]:
    yes, no = _("是"), _("否")
    return lambda row: yes if row[name] else no


def local(value: dt.datetime | None, tz=None) -> dt.datetime | None:
    """An aware datetime as a naive local one (Asia/Shanghai): what Excel understands."""
    if value is None:
        return None
    return value.astimezone(tz or zoneinfo.ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None, microsecond=0)


def cell_datetime(name: str) -> Callable[[dict], dt.datetime | None]:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return lambda row: local(row[name], tz)


@dataclass(frozen=True)
class Sheet:
    """One list ready to write: its title, columns and the rows (dicts from values())."""

    name: str
    title: str
    columns: list[Column]
    rows: Iterable[dict]

    def values(self) -> Iterator[list[Any]]:
        columns = self.columns
        for row in self.rows:
            yield [c.value(row) for c in columns]


# ---------------------------------------------------------------------------------------------
# The three lists


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def write_xlsx(sheet: Sheet, file) -> None:
    """Write the sheet as .xlsx into ``file``: bold frozen header, widths, real Excel dates."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet.title[:31])
    for index, column in enumerate(sheet.columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    font, fill = Font(bold=True), PatternFill("solid", start_color="DDE4EE")
    align = Alignment(vertical="center", wrap_text=True)
    header = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=str(column.header))
        cell.font, cell.fill, cell.alignment = font, fill, align
        header.append(cell)
    ws.append(header)

    formats = {DATETIME: "yyyy-mm-dd hh:mm", DATE: "yyyy-mm-dd"}
    styled = [(i, formats[c.kind]) for i, c in enumerate(sheet.columns) if c.kind in formats]
    texts = [i for i, c in enumerate(sheet.columns) if c.kind == TEXT]
    for values in sheet.values():
        for i in texts:
            value = values[i]
            if value and isinstance(value, str):
                if _ILLEGAL.search(value):
                    value = values[i] = _ILLEGAL.sub("", value)
                if value.startswith("="):  # text, never a formula
                    cell = WriteOnlyCell(ws, value=value)
                    cell.data_type = "s"
                    values[i] = cell
        for i, number_format in styled:
            if values[i] is not None:
                cell = WriteOnlyCell(ws, value=values[i])
                cell.number_format = number_format
                values[i] = cell
        ws.append(values)
    wb.save(file)


def xlsx_file(sheet: Sheet):
    """The workbook in a temporary file (on disk once large), rewound for reading."""
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write_xlsx(sheet, file)
    file.seek(0)
    return file


class _Echo:
    def write(self, value):
        return value


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # keep spreadsheet programs from running it as a formula
    return value


def csv_chunks(sheet: Sheet, lines_per_chunk: int = 500) -> Iterator[str]:
    """The sheet as CSV text in chunks of lines, starting with the BOM that tells Excel it is UTF-8."""
    writer = csv.writer(_Echo())
    chunk = ["\ufeff" + writer.writerow([str(c.header) for c in sheet.columns])]
    for values in sheet.values():
        chunk.append(writer.writerow([_csv_text(v) for v in values]))
        if len(chunk) >= lines_per_chunk:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def write(sheet: Sheet, fmt: str, file) -> None:
    """Write the sheet into the binary ``file`` as .xlsx or as CSV (UTF-8 with BOM)."""
    if fmt == "xlsx":
        write_xlsx(sheet, file)
    else:
        for chunk in csv_chunks(sheet):
            file.write(chunk.encode("utf-8"))


def download(sheet: Sheet, fmt: str, filename: str = ""):
    """The sheet as a download: CSV streamed, .xlsx from a temporary file. The file is called
    ``filename``, by default the sheet's title and today's date (走访记录_20261202.xlsx)."""
    filename = filename or f"{sheet.title}_{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(sheet), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    return FileResponse(xlsx_file(sheet), as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt])
