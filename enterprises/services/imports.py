"""The import of register files (CSV or .xlsx) with its row-by-row report, on the import kit
(``core.imports``: files, header aliases, cell parsers, the report).

The import validates every row before anything is written. A bad row is listed with its row number and
its reasons and contributes nothing; good rows are upserted on the credit code in chunks, each chunk one
transaction, so no row is ever half written. An enterprise whose data did not change is not written at
all: importing the same file twice changes nothing (no new version, no new ``updated_at``)."""

import hashlib
import pickle
import re
import tempfile
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import imports
from core.imports import Header, Report, Source, UnreadableRow, file_format
from core.validators import normalize_phone
from enterprises.models import (
    PROFILE_FIELDS,
    Enterprise,
    EnterpriseYear,
    ImportRun,
    Industry,
    LittleGiantLevel,
    SizeClass,
)
from enterprises.signals import send_register_changed
from enterprises.text import search_form, search_forms
from enterprises.validators import credit_code_division_part, credit_code_reasons, division_part_reasons
from org.models import Division

CHUNK = 2000

# ---------------------------------------------------------------------------------------------
# The columns of a register file


# attribute name → the Chinese headers also accepted (Traditional script is accepted too: headers
# are compared in their Simplified form).
COLUMNS: dict[str, tuple[str, ...]] = {
    "credit_code": ("统一社会信用代码", "信用代码"),
    "name": ("企业名称", "主体名称", "名称"),
    "industry_code": ("行业代码", "国民经济行业代码", "行业分类代码"),
    "division_code": ("区划代码", "所在区划代码"),
    "division_path": ("区划路径",),  # written by the snapshot, ignored on import
    "founded_on": ("成立日期",),
    "size_class": ("企业规模", "规模"),
    "employees": ("从业人数", "职工人数"),
    "above_scale": ("四上企业", "是否四上企业"),
    "high_tech": ("高新技术企业",),
    "srdi": ("专精特新", "专精特新企业"),
    "little_giant": ("专精特新“小巨人”", '专精特新"小巨人"', "小巨人"),
    "tags": ("标签", "其他认定"),
    "contact_name": ("联系人",),
    "contact_phone": ("联系电话", "联系人电话"),
    "address": ("地址", "住所"),
}
REQUIRED = ("credit_code", "name", "industry_code")
YEAR_FIELDS = {"revenue": "营业收入", "exports": "出口额", "tax": "纳税额", "employees": "从业人数"}
YEAR_COLUMN = re.compile(r"^(revenue|exports|tax|employees)_(\d{4})$")
_YEAR_ZH = re.compile(r"^(\d{4})年?(营业收入|出口额|纳税额|从业人数)$|^(营业收入|出口额|纳税额|从业人数)_?(\d{4})年?$")
ENTERPRISE_FIELDS = (
    "name",
    "industry_id",
    "division_id",
    *PROFILE_FIELDS,
    "contact_name",
    "contact_phone",
    "address",
)
# what a column of the file sets
COLUMN_FIELDS = {
    "credit_code": (),
    "name": ("name",),
    "industry_code": ("industry_id",),
    "division_code": ("division_id",),
    "division_path": (),
    "founded_on": ("founded_on",),
    "size_class": ("size_class",),
    "employees": ("employees",),
    "above_scale": ("above_scale",),
    "high_tech": ("high_tech",),
    "srdi": ("srdi",),
    "little_giant": ("little_giant", "little_giant_level"),
    "tags": ("tags",),
    "contact_name": ("contact_name",),
    "contact_phone": ("contact_phone",),
    "address": ("address",),
}
DEFAULTS: dict[str, Any] = {
    "industry_id": None,
    "division_id": None,
    "founded_on": None,
    "size_class": "",
    "employees": None,
    "above_scale": False,
    "high_tech": False,
    "srdi": False,
    "little_giant": False,
    "little_giant_level": "",
    "tags": [],
    "contact_name": "",
    "contact_phone": "",
    "address": "",
}
YEAR_VALUE_FIELDS = ("revenue", "exports", "tax", "employees")


def _header_key(text: Any) -> str:
    key = search_form(str(text or "").lstrip("\ufeff")).strip()
    for unit in ("（元）", "(元)", "（人）", "(人)"):
        key = key.replace(unit, "")
    return key


@dataclass
class Layout:
    """Which column of the file holds what: the named columns, and the yearly figures."""

    header: Header
    years: dict[tuple[int, str], int]  # (year, revenue|exports|tax|employees) → index

    @property
    def columns(self) -> dict[str, int]:
        return self.header.columns

    @property
    def problems(self) -> list[str]:
        return self.header.problems


def read_layout(cells: list[Any]) -> Layout:
    header = Header.read(cells, COLUMNS, required=REQUIRED, key=_header_key)
    zh_fields = {v: k for k, v in YEAR_FIELDS.items()}
    years: dict[tuple[int, str], int] = {}
    for index, key in header.others:
        match = YEAR_COLUMN.match(key.lower())
        if match:
            years[(int(match.group(2)), match.group(1))] = index
            continue
        match = _YEAR_ZH.match(key)
        if match:
            year, label = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
            years[(int(year), zh_fields[label])] = index
    return Layout(header, years)


# ---------------------------------------------------------------------------------------------
# Parsing one row

_SIZES = {
    **{s.value: s.value for s in SizeClass},
    **{str(s.label): s.value for s in SizeClass},
    **{str(s.label) + "企业": s.value for s in SizeClass},
}
_LEVELS = {"国家级": LittleGiantLevel.NATIONAL, "省级": LittleGiantLevel.PROVINCIAL}
_text = imports.text


@dataclass
class Lookups:
    """What rows are checked against, read once per import."""

    industries: dict[str, tuple[int, int, str]]  # "C1711" and "1711" → (pk, level, full_code)
    divisions: dict[str, int]  # code → pk
    labels: dict[str, str]  # column labels in the request's language, translated once per import

    @classmethod
    def load(cls) -> "Lookups":
        industries = {}
        for pk, full_code, code, level in Industry.objects.values_list("pk", "full_code", "code", "level"):
            industries[full_code] = (pk, level, full_code)
            if level == Industry.Level.CLASS:
                industries[code] = (pk, level, full_code)
        divisions = dict(Division.objects.values_list("code", "pk"))
        labels = {
            "founded_on": _("成立日期"),
            "employees": _("从业人数"),
            "above_scale": _("四上企业"),
            "high_tech": _("高新技术企业"),
            "srdi": _("专精特新"),
            "little_giant": _("专精特新“小巨人”"),
            "revenue": _("营业收入"),
            "exports": _("出口额"),
            "tax": _("纳税额"),
        }
        return cls(industries, divisions, labels)


def clean_row(values: list[Any], layout: Layout, lookups: Lookups) -> tuple[dict[str, Any], list[str]]:
    """One row of the file as the register's fields (only the columns the file has), with the reasons
    it cannot be imported (an empty list when it can)."""
    reasons: list[str] = []
    cells = layout.header.row(values)
    cell = cells.get

    clean: dict[str, Any] = {}
    code = _text(cell("credit_code"))
    clean["credit_code"] = code
    code_reasons = credit_code_reasons(code)
    if not code_reasons:
        code_reasons = division_part_reasons(code, lookups.divisions.keys())
    reasons += code_reasons

    name = _text(cell("name"))
    if not name:
        reasons.append(_("缺少企业名称"))
    elif len(name) > 200:
        reasons.append(_("企业名称过长（超过200字）"))
    clean["name"] = name

    industry = _text(cell("industry_code")).upper()
    if not industry:
        reasons.append(_("缺少行业代码"))
        clean["industry_id"] = None
    else:
        found = lookups.industries.get(industry)
        if found is None:
            reasons.append(_("未知的行业代码：%(code)s（GB/T 4754-2017）") % {"code": industry})
        elif found[1] != Industry.Level.CLASS:
            reasons.append(
                _("行业代码 %(code)s 不是小类：须填写 GB/T 4754-2017 的4位小类代码，如 C1711") % {"code": industry}
            )
        clean["industry_id"] = found[0] if found else None

    if "division_code" in cells:
        division = _text(cell("division_code"))
        if division:
            pk = lookups.divisions.get(division)
            if pk is None:
                reasons.append(_("未知的区划代码：%(code)s（不在泉州市区划内）") % {"code": division})
            clean["division_id"] = pk
        elif not code_reasons:
            clean["division_id"] = lookups.divisions.get(credit_code_division_part(code))
    elif not code_reasons:
        clean["division_id"] = lookups.divisions.get(credit_code_division_part(code))

    if "founded_on" in cells:
        founded = imports.date(cell("founded_on"), lookups.labels["founded_on"], reasons)
        if founded and founded > timezone.localdate():
            reasons.append(_("成立日期晚于今天：%(value)s") % {"value": founded.isoformat()})
        clean["founded_on"] = founded
    if "size_class" in cells:
        size = _text(cell("size_class"))
        if size and size.lower() not in _SIZES and size not in _SIZES:
            reasons.append(_("企业规模须为 微型、小型、中型 或 大型，实为“%(value)s”") % {"value": size})
        clean["size_class"] = _SIZES.get(size.lower(), _SIZES.get(size, ""))
    if "employees" in cells:
        clean["employees"] = imports.integer(cell("employees"), lookups.labels["employees"], reasons)
    for attr in ("above_scale", "high_tech", "srdi"):
        if attr in cells:
            clean[attr] = bool(imports.yes_no(cell(attr), lookups.labels[attr], reasons))  # empty: no
    if "little_giant" in cells:
        raw = _text(cell("little_giant"))
        if raw in _LEVELS:
            clean["little_giant"], clean["little_giant_level"] = True, _LEVELS[raw]
        else:
            clean["little_giant"] = bool(imports.yes_no(cell("little_giant"), lookups.labels["little_giant"], reasons))
            clean["little_giant_level"] = ""
    if "tags" in cells:
        clean["tags"] = imports.tags(cell("tags"))
    if "contact_name" in cells:
        clean["contact_name"] = _text(cell("contact_name"))[:32]
    if "contact_phone" in cells:
        try:
            clean["contact_phone"] = normalize_phone(_text(cell("contact_phone")))
        except ValidationError as e:
            reasons.extend(str(m) for m in e.messages)
            clean["contact_phone"] = ""
    if "address" in cells:
        clean["address"] = _text(cell("address"))[:200]

    years: dict[int, dict[str, Any]] = {}
    for (year, what), index in layout.years.items():
        raw = values[index] if index < len(values) else None
        if raw is None or raw == "":
            years.setdefault(year, {})[what] = None
            continue
        label = f"{year}{lookups.labels[what]}"
        value = imports.integer(raw, label, reasons) if what == "employees" else imports.decimal(raw, label, reasons)
        years.setdefault(year, {})[what] = value
    # a year with no figure at all is not stated by this row
    clean["years"] = {y: v for y, v in years.items() if any(x is not None for x in v.values())}
    return clean, reasons


# ---------------------------------------------------------------------------------------------
# The import
#
# Two passes, so that memory does not grow with the file: the first streams the file, checks every
# row and keeps, per credit code, only its first row number and a fingerprint of its clean values (to
# find duplicates that disagree), the clean rows going to a temporary file in batches; the second
# reads that file back and writes the good rows in chunks, each chunk one transaction.

PROGRESS_EVERY = 5000  # rows between two progress saves of a queued run
RECOMPUTE_CODES_MAX = 5000  # more changed enterprises than this: the register is said to have changed as a whole


def _fingerprint(clean: dict[str, Any]) -> bytes:
    return hashlib.blake2b(repr(clean).encode(), digest_size=12).digest()


def register_import(*, file, filename: str, actor=None, run: ImportRun | None = None) -> ImportRun:
    """Import a register file (.xlsx, or CSV in UTF-8 or GBK) and return the run with its report.
    ``run``: a queued run (the background import), whose progress is saved as it goes. Once written,
    the register tells the floors above which enterprises changed (``register_changed``)."""
    started = time.perf_counter()
    fmt = file_format(filename)
    if run is None:
        run = ImportRun(actor=actor if getattr(actor, "is_authenticated", False) else None, filename=filename[:255])
    run.file_format = fmt
    report = Report()
    source = Source(file, fmt)
    try:
        rows = source.rows()
        header = next(rows, None)
    except ValidationError as e:
        rows, header = iter(()), None
        report.add(0, [str(m) for m in e.messages], credit_code="", name="")
    if header is None:
        if not report.entries:
            report.add(0, [_("文件为空")], credit_code="", name="")
        return _finish(run, report, started)
    layout = read_layout(header)
    if layout.problems:
        report.add(1, layout.problems, credit_code="", name="")
        return _finish(run, report, started)

    # Pass 1: check every row; keep (first row, fingerprint) per credit code, and spill the clean rows
    # to a temporary file in batches (the second pass reads them back instead of the file)
    lookups = Lookups.load()
    first: dict[str, tuple[int, bytes]] = {}
    repeats: dict[str, list[int]] = {}  # credit code → its later rows
    conflicts: set[str] = set()
    total = 0
    with tempfile.TemporaryFile() as spill:
        batch: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(rows, start=2):
            if isinstance(values, UnreadableRow):
                total += 1
                report.add(number, [values.reason], credit_code="", name="")
                continue
            if not any(v not in (None, "") and str(v).strip() for v in values):
                continue  # a blank line
            total += 1
            if total % PROGRESS_EVERY == 0:
                _progress(run, checked_rows=total)
            clean, reasons = clean_row(values, layout, lookups)
            if reasons:
                report.add(number, reasons, credit_code=clean["credit_code"], name=clean["name"])
                continue
            code = clean["credit_code"]
            seen = first.get(code)
            if seen is None:
                first[code] = (number, _fingerprint(clean))
                batch.append((number, clean))
                if len(batch) >= CHUNK:
                    pickle.dump(batch, spill, protocol=pickle.HIGHEST_PROTOCOL)
                    batch = []
            else:
                repeats.setdefault(code, []).append(number)
                if code not in conflicts and _fingerprint(clean) != seen[1]:
                    conflicts.add(code)
        if batch:
            pickle.dump(batch, spill, protocol=pickle.HIGHEST_PROTOCOL)
        del batch, rows, source  # the file is read: free it (calamine holds a whole sheet)
        run.total_rows = total
        _progress(run, checked_rows=total)
        for code in conflicts:
            number = first[code][0]
            rows_text = "、".join(str(n) for n in [number, *repeats[code]])
            reason = _("统一社会信用代码 %(code)s 在第 %(rows)s 行重复且数据不一致，均未导入") % {
                "code": code,
                "rows": rows_text,
            }
            for n in [number, *repeats[code]]:
                report.add(n, [reason], credit_code=code, name="")["_first"] = number
        del first, repeats

        # Pass 2: the good rows (the first of equal duplicates), written in chunks
        fields = [f for attr in layout.columns for f in COLUMN_FIELDS.get(attr, ())]
        changed_codes: list[str] | None = []
        names: dict[int, str] = {}  # the first row of each conflict → its name, for the report
        first_rows = {r["_first"] for r in report.entries if "_first" in r}
        spill.seek(0)
        while True:
            try:
                batch = pickle.load(spill)
            except EOFError:
                break
            chunk = []
            for number, clean in batch:
                if clean["credit_code"] in conflicts:
                    if number in first_rows:
                        names[number] = clean["name"]
                    continue
                chunk.append(clean)
            if not chunk:
                continue
            created, updated, unchanged, codes = _write_chunk(chunk, fields)
            run.created += created
            run.updated += updated
            run.unchanged += unchanged
            if changed_codes is not None:
                changed_codes += codes
                if len(changed_codes) > RECOMPUTE_CODES_MAX:
                    changed_codes = None  # many: recompute in full
            _progress(run, written_rows=run.created + run.updated + run.unchanged)
    for r in report.entries:
        if "_first" in r:
            r["name"] = names.get(r.pop("_first"), "")
    run = _finish(run, report, started)
    if run.created or run.updated:
        send_register_changed(credit_codes=None if changed_codes is None else sorted(set(changed_codes)))
    return run


def _progress(run: ImportRun, **counts: int) -> None:
    """Save a queued run's progress (a run imported in the request is saved once, at the end)."""
    for k, v in counts.items():
        setattr(run, k, v)
    if run.pk:
        ImportRun.objects.filter(pk=run.pk).update(**counts)


def register_import_queue(*, upload, actor) -> ImportRun:
    """A large file: keep it with a queued run and let the task worker import it."""
    from enterprises.tasks import import_task

    run = ImportRun(actor=actor if getattr(actor, "is_authenticated", False) else None, filename=upload.name[:255],
                    file_format=file_format(upload.name), status=ImportRun.Status.QUEUED)  # fmt: skip
    run.file.save(f"{uuid.uuid4().hex}.{run.file_format}", upload, save=False)
    run.save()
    transaction.on_commit(lambda: import_task.enqueue(run.pk))
    return run


def register_import_run(*, run_id: int) -> ImportRun:
    """The task worker's side of ``register_import_queue``: import the kept file, then delete it."""
    run = ImportRun.objects.get(pk=run_id)
    if run.status != ImportRun.Status.QUEUED:
        return run  # done already (a task run twice)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
    run.status = ImportRun.Status.RUNNING
    try:
        try:
            path = run.file.path  # read from disk, twice, by the two passes
        except NotImplementedError:  # a storage without paths
            path = None
        if path is not None:
            run = register_import(file=path, filename=run.filename, actor=run.actor, run=run)
        else:
            with run.file.open("rb") as f:
                run = register_import(file=f.read(), filename=run.filename, actor=run.actor, run=run)
    except Exception as e:
        run.status, run.error = ImportRun.Status.FAILED, str(e)[:2000] or type(e).__name__
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    finally:
        if run.file:
            run.file.delete(save=False)
            ImportRun.objects.filter(pk=run.pk).update(file="")
    return run


def _finish(run: ImportRun, report: Report, started: float) -> ImportRun:
    run.report = report.sorted()
    run.error_rows = report.error_rows
    run.duration_s = round(time.perf_counter() - started, 3)
    run.status = ImportRun.Status.DONE
    run.finished_at = timezone.now()
    run.save()
    return run


def _write_chunk(rows: list[dict[str, Any]], fields: list[str]) -> tuple[int, int, int, list[str]]:
    """Upsert one chunk of good rows in one transaction; returns (created, updated, unchanged, the
    credit codes of the enterprises created or updated)."""
    codes = [r["credit_code"] for r in rows]
    now = timezone.now()
    with transaction.atomic():
        existing = {
            e["credit_code"]: e
            for e in Enterprise.objects.filter(credit_code__in=codes).values(
                "pk", "credit_code", "version", "created_at", *ENTERPRISE_FIELDS
            )
        }
        old_years: dict[tuple[int, int], dict[str, Any]] = {}
        if existing:
            for y in EnterpriseYear.objects.filter(enterprise_id__in=[e["pk"] for e in existing.values()]).values(
                "enterprise_id", "year", *YEAR_VALUE_FIELDS
            ):
                old_years[(y["enterprise_id"], y["year"])] = y

        to_write: list[Enterprise] = []
        year_rows: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        created = updated = unchanged = 0
        changed_names = []
        for row in rows:
            code = row["credit_code"]
            old = existing.get(code)
            state = {f: (old[f] if old else DEFAULTS.get(f)) for f in ENTERPRISE_FIELDS}
            for f in fields:
                state[f] = row.get(f, DEFAULTS.get(f))
            changed = old is None or any(state[f] != old[f] for f in ENTERPRISE_FIELDS)
            new_years = []
            for year, values in row["years"].items():
                before = old_years.get((old["pk"], year)) if old else None
                after = {f: (before[f] if before else None) for f in YEAR_VALUE_FIELDS}
                after.update(values)
                if before is None or any(after[f] != before[f] for f in YEAR_VALUE_FIELDS):
                    new_years.append((year, after))
            if new_years:
                year_rows[code] = new_years
            if old is None:
                created += 1
            elif changed or new_years:
                updated += 1
            else:
                unchanged += 1
                continue
            enterprise = Enterprise(
                credit_code=code,
                updated_at=now,
                version=(old["version"] + 1) if old else 1,
                **state,
            )
            if old:
                enterprise.created_at = old["created_at"]
            to_write.append(enterprise)
            changed_names.append(state["name"])
        for enterprise, name_search in zip(to_write, search_forms(changed_names), strict=True):
            enterprise.name_search = name_search[:200]
        year_list = [(code, year, values) for code, entries in year_rows.items() for year, values in entries]
        if connection.vendor == "postgresql":
            _upsert_pg(to_write, year_list)
        else:
            if to_write:
                _upsert_enterprises(to_write)
            if year_list:
                ids = dict(Enterprise.objects.filter(credit_code__in=list(year_rows)).values_list("credit_code", "pk"))
                _upsert_years([(ids[code], year, values) for code, year, values in year_list])
    return created, updated, unchanged, [e.credit_code for e in to_write]


# The upserts are plain INSERT … ON CONFLICT DO UPDATE statements (PostgreSQL and SQLite 3.24+), many
# rows each: bulk_create(update_conflicts=True) does the same but spends most of an import preparing
# values field by field.

_UPSERT_COLUMNS = ["credit_code", "name_search", *ENTERPRISE_FIELDS, "created_at", "updated_at", "version"]
_ROWS_PER_STATEMENT = 400


def _enterprise_rows(objs: list[Enterprise], json_tags) -> list[tuple]:
    ops = connection.ops
    rows = []
    for e in objs:
        created_at = getattr(e, "created_at", None) or e.updated_at
        rows.append(
            (
                e.credit_code,
                e.name_search,
                e.name,
                e.industry_id,
                e.division_id,
                ops.adapt_datefield_value(e.founded_on),
                e.size_class,
                e.employees,
                e.above_scale,
                e.high_tech,
                e.srdi,
                e.little_giant,
                e.little_giant_level,
                json_tags(e.tags),
                e.contact_name,
                e.contact_phone,
                e.address,
                ops.adapt_datetimefield_value(created_at),
                ops.adapt_datetimefield_value(e.updated_at),
                e.version,
            )
        )
    return rows


def _upsert_enterprises(objs: list[Enterprise]) -> None:
    table = connection.ops.quote_name(Enterprise._meta.db_table)
    tags_field = Enterprise._meta.get_field("tags")
    rows = _enterprise_rows(objs, lambda tags: connection.ops.adapt_json_value(tags, tags_field.encoder))
    columns = ", ".join(_UPSERT_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _UPSERT_COLUMNS if c not in ("credit_code", "created_at"))
    placeholder = "(" + ", ".join(["%s"] * len(_UPSERT_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            part = rows[start : start + _ROWS_PER_STATEMENT]
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(part))} "
                f"ON CONFLICT (credit_code) DO UPDATE SET {updates}"
            )
            cursor.execute(sql, [v for row in part for v in row])


def _upsert_years(rows: list[tuple[int, int, dict[str, Any]]]) -> None:
    ops = connection.ops
    table = connection.ops.quote_name(EnterpriseYear._meta.db_table)

    def money(value):
        return None if value is None else ops.adapt_decimalfield_value(value, 18, 2)

    params = [
        (pk, year, money(v["revenue"]), money(v["exports"]), money(v["tax"]), v["employees"]) for pk, year, v in rows
    ]
    placeholder = "(%s, %s, %s, %s, %s, %s)"
    with connection.cursor() as cursor:
        for start in range(0, len(params), _ROWS_PER_STATEMENT):
            part = params[start : start + _ROWS_PER_STATEMENT]
            cursor.execute(
                f"INSERT INTO {table} (enterprise_id, year, revenue, exports, tax, employees) "
                f"VALUES {', '.join([placeholder] * len(part))} "
                f"ON CONFLICT (enterprise_id, year) DO UPDATE SET revenue = excluded.revenue, "
                f"exports = excluded.exports, tax = excluded.tax, employees = excluded.employees",
                [v for row in part for v in row],
            )


def _upsert_pg(objs: list[Enterprise], years: list[tuple[str, int, dict[str, Any]]]) -> None:
    """PostgreSQL: COPY the chunk into temporary tables, then one INSERT … SELECT … ON CONFLICT each."""
    import json

    e_table, y_table = Enterprise._meta.db_table, EnterpriseYear._meta.db_table
    columns = ", ".join(_UPSERT_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _UPSERT_COLUMNS if c not in ("credit_code", "created_at"))
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if objs:
            cursor.execute(
                f"CREATE TEMP TABLE stage_enterprise ON COMMIT DROP AS SELECT {columns} FROM {e_table} WITH NO DATA"
            )
            with raw.copy(f"COPY stage_enterprise ({columns}) FROM STDIN") as copy:
                for row in _enterprise_rows(objs, lambda tags: json.dumps(tags, ensure_ascii=False)):
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {e_table} ({columns}) SELECT {columns} FROM stage_enterprise "
                f"ON CONFLICT (credit_code) DO UPDATE SET {updates}"
            )
            cursor.execute("DROP TABLE stage_enterprise")
        if years:
            cursor.execute(
                "CREATE TEMP TABLE stage_year (credit_code varchar(18), year smallint, revenue numeric(18, 2), "
                "exports numeric(18, 2), tax numeric(18, 2), employees integer) ON COMMIT DROP"
            )
            with raw.copy("COPY stage_year FROM STDIN") as copy:
                for code, year, v in years:
                    copy.write_row((code, year, v["revenue"], v["exports"], v["tax"], v["employees"]))
            cursor.execute(
                f"INSERT INTO {y_table} (enterprise_id, year, revenue, exports, tax, employees) "
                f"SELECT e.id, s.year, s.revenue, s.exports, s.tax, s.employees FROM stage_year s "
                f"JOIN {e_table} e ON e.credit_code = s.credit_code "
                f"ON CONFLICT (enterprise_id, year) DO UPDATE SET revenue = excluded.revenue, "
                f"exports = excluded.exports, tax = excluded.tax, employees = excluded.employees"
            )
            cursor.execute("DROP TABLE stage_year")
