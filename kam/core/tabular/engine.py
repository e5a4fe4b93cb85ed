"""The import and export engine (R2.3), one for every table.

:func:`run_import` — read the stored upload (:mod:`.reader`), find the heading row, parse every
cell by its column's kind, let the spec's app validate every row (``prepare``) and, unless it
is a dry run, write **all rows or none** in one transaction: a row in error (also one that
became invalid since the preview — the write validates again) rolls everything back. The
result dict is what the job shows: the counts ``created``, ``updated``, ``unchanged``,
``errors`` (rows in error) and ``error_rows`` — ``{row, column, message}``, the row as numbered
in the sheet, the column by its heading.

:func:`run_export` — the spec's rows for a list's query string, written by :mod:`.writer`.

Uploads are stored under ``MEDIA_ROOT/imports/`` with a random name between the preview and the
confirmed import (:func:`store_upload`), and deleted after the import (:func:`discard_upload`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kam.core.registry import registry

from . import reader, writer
from .reader import FileRefused
from .specs import BOOL, CHOICE, CREATE, DATE, DECIMAL, ERROR, INT, MODES, UNCHANGED, UPDATE, Column, ImportSpec, Row

ERROR_ROWS_SHOWN = 1000  # error_rows kept in a job's result; the report has them all
UPLOAD_DIR = "imports"
_TOKEN = re.compile(r"^[0-9a-f]{32}\.(xlsx|csv)$")


class ImportFailed(Exception):
    """The import wrote nothing; ``result`` is the job's result dict (with the errors)."""

    def __init__(self, result: dict) -> None:
        super().__init__(_("The import wrote nothing: {n} rows have errors.").format(n=result.get("errors", 0)))
        self.result = result


def get_spec(key: str) -> ImportSpec:
    """The registered spec ``key`` (KeyError if none)."""
    return registry.get("import_specs", key)


def specs() -> tuple[ImportSpec, ...]:
    return registry["import_specs"]


# --- stored uploads ---------------------------------------------------------------------------


def upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


UPLOAD_KEEP_SECONDS = 24 * 3600  # an upload whose import was never confirmed is deleted after a day


def sweep_uploads(now: float | None = None) -> int:
    """Delete stored uploads older than :data:`UPLOAD_KEEP_SECONDS` (previews never confirmed);
    runs whenever a new upload is stored. Returns how many were deleted."""
    import time

    limit = (now or time.time()) - UPLOAD_KEEP_SECONDS
    gone = 0
    for path in upload_dir().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                gone += 1
        except OSError:
            continue
    return gone


def store_upload(fileobj, name: str) -> str:
    """Check the name and size of an upload and store it under a random name; returns the
    token (the stored name) that the import's steps pass on. :class:`FileRefused` if it is
    refused by name or size (the content is checked when it is read)."""
    kind = reader.kind_of(name)
    size = getattr(fileobj, "size", None)
    if size is not None:
        reader.check_size(size)
    token = f"{secrets.token_hex(16)}.{kind}"
    path = upload_dir() / token
    written = 0
    with path.open("wb") as out:
        chunks = fileobj.chunks() if hasattr(fileobj, "chunks") else iter(lambda: fileobj.read(1 << 20), b"")
        for chunk in chunks:
            written += len(chunk)
            if written > reader.max_bytes():
                break
            out.write(chunk)
    try:
        reader.check_size(written)
    except FileRefused:
        path.unlink(missing_ok=True)
        raise
    return token


def upload_path(token: str) -> Path:
    """The stored upload of ``token``; :class:`FileRefused` for a token that is not one of ours
    or whose file is gone."""
    if not _TOKEN.match(token or ""):
        raise FileRefused(_("The uploaded file is no longer available; upload it again."))
    path = upload_dir() / token
    if not path.exists():
        raise FileRefused(_("The uploaded file is no longer available; upload it again."))
    return path


def discard_upload(token: str) -> None:
    if _TOKEN.match(token or ""):
        (upload_dir() / token).unlink(missing_ok=True)


# --- parsing cells ----------------------------------------------------------------------------

_TRUE = {"是", "yes", "y", "true", "1", "√", "x", "✓"}
_FALSE = {"否", "no", "n", "false", "0", ""}


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone or code typed as a number in Excel
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value).strip()


def _choice_lookup(column: Column) -> dict[str, str]:
    from django.utils import translation

    out: dict[str, str] = {}
    for key, label in column.choices:
        out[key.casefold()] = key
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                out[str(label).strip().casefold()] = key
    return out


class CellParser:
    """Parses a column's cells; errors are the messages a user reads in the report."""

    def __init__(self, column: Column) -> None:
        self.column = column
        self.choices = _choice_lookup(column) if column.kind == CHOICE else {}

    def __call__(self, value: Any) -> Any:
        c = self.column
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        kind = c.kind
        if kind == INT:
            if isinstance(value, bool):
                raise ValueError(_("Enter a whole number."))
            if isinstance(value, int):
                return value
            if isinstance(value, float):
                if value.is_integer():
                    return int(value)
                raise ValueError(_("Enter a whole number."))
            text = str(value).strip().replace(",", "")
            if re.fullmatch(r"[+-]?\d{1,18}", text):
                return int(text)
            raise ValueError(_("Enter a whole number."))
        if kind == DECIMAL:
            if isinstance(value, bool):
                raise ValueError(_("Enter a number."))
            text = str(value).strip().replace(",", "").replace("，", "")
            try:
                number = decimal.Decimal(text)
            except decimal.InvalidOperation:
                raise ValueError(_("Enter a number.")) from None
            if not number.is_finite():
                raise ValueError(_("Enter a number."))
            if isinstance(value, float):
                number = number.quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
            return number
        if kind == DATE:
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            text = str(value).strip().replace("/", "-").replace(".", "-")
            m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", text) or re.fullmatch(
                r"(\d{4})年(\d{1,2})月(\d{1,2})日", text
            )
            if m:
                try:
                    return dt.date(int(m[1]), int(m[2]), int(m[3]))
                except ValueError:
                    pass
            raise ValueError(_("Enter a date such as 2026-03-01."))
        if kind == CHOICE:
            key = self.choices.get(_text(value).casefold())
            if key is None:
                raise ValueError(
                    _("“{value}” is not one of: {options}.").format(
                        value=_text(value)[:60], options=" / ".join(str(label) for _k, label in c.choices)
                    )
                )
            return key
        if kind == BOOL:
            if isinstance(value, bool):
                return value
            text = _text(value).casefold()
            if text in _TRUE or text == _("Yes").casefold():
                return True
            if text in _FALSE or text == _("No").casefold():
                return False
            raise ValueError(_("Enter Yes or No."))
        return _text(value)


# --- headings ---------------------------------------------------------------------------------


def map_headings(spec: ImportSpec, heading_row: list[Any]) -> list[Column | None]:
    """The column of each cell of the heading row (None for a heading the spec does not know);
    :class:`FileRefused` if a required column is missing or a column appears twice."""
    known = spec.heading_map()
    mapped: list[Column | None] = []
    seen: set[str] = set()
    for cell in heading_row:
        col = known.get(_norm(cell))
        if col is not None and col.field in seen:
            raise FileRefused(_("The column “{heading}” appears twice.").format(heading=col.label()))
        if col is not None:
            seen.add(col.field)
        mapped.append(col)
    if not seen:
        raise FileRefused(
            _("The first row of the sheet is not the heading row of a {spec} file; download the template.").format(
                spec=spec.label
            )
        )
    missing = [c.label() for c in spec.columns if c.required and c.field not in seen]
    if missing:
        raise FileRefused(_("The sheet lacks the required columns: {columns}.").format(columns="、".join(missing)))
    return mapped


def _norm(cell: Any) -> str:
    from .specs import normalize_heading

    return normalize_heading(cell)


def _blank(cells: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in cells)


def parse_rows(spec: ImportSpec, sheet: reader.Sheet) -> tuple[list[Column], list[Row]]:
    """The mapped columns and the parsed data rows (blank rows skipped)."""
    heading_row: list[Any] | None = None
    number = 0
    for cells in sheet.rows:
        number += 1
        if not _blank(cells):
            heading_row = cells
            break
    if heading_row is None:
        raise FileRefused(_("The file has no rows."))
    mapped = map_headings(spec, heading_row)
    present = [(i, c, CellParser(c)) for i, c in enumerate(mapped) if c is not None]
    positions = {c.field: i for i, c, _p in present}
    rows: list[Row] = []
    limit = reader.max_rows()
    for cells in sheet.rows:
        number += 1
        if _blank(cells):
            continue
        if len(rows) >= limit:
            raise FileRefused(reader._too_many_rows())
        values: dict[str, Any] = {}
        row = Row(number=number, values=values, cells=cells, positions=positions)
        width = len(cells)
        for i, c, parse in present:
            cell = cells[i] if i < width else ""
            try:
                values[c.field] = parse(cell)
            except ValueError as exc:
                row.error(c.field, exc.args[0])
        rows.append(row)
    if not rows:
        raise FileRefused(_("The sheet has headings but no data rows."))
    return [c for c in mapped if c is not None], rows


# --- importing --------------------------------------------------------------------------------


def error_rows(spec: ImportSpec, rows: list[Row], limit: int | None = ERROR_ROWS_SHOWN) -> list[dict]:
    out: list[dict] = []
    for row in rows:
        for f, message in row.errors:
            col = spec.column(f) if f else None
            out.append({"row": row.number, "column": col.label() if col else "", "message": message})
            if limit is not None and len(out) >= limit:
                return out
    return out


def counts(rows: list[Row]) -> dict[str, int]:
    c = {"created": 0, "updated": 0, "unchanged": 0, "errors": 0}
    for row in rows:
        if row.errors or row.outcome == ERROR:
            c["errors"] += 1
        elif row.outcome == CREATE:
            c["created"] += 1
        elif row.outcome == UPDATE:
            c["updated"] += 1
        elif row.outcome == UNCHANGED:
            c["unchanged"] += 1
    return c


def _validation_messages(exc: ValidationError) -> list[tuple[str | None, str]]:
    if hasattr(exc, "error_dict"):
        return [(None if k == "__all__" else k, str(m)) for k, errs in exc.message_dict.items() for m in errs]
    return [(None, str(m)) for m in exc.messages]


def run_import(
    *,
    actor,
    spec_key: str,
    path: Path,
    kind: str,
    mode: str,
    dry_run: bool,
    progress: Callable[[int, int], None] | None = None,
    report: Callable[[str, Path], None] | None = None,
) -> dict:
    """Import the file at ``path`` (see the module docstring). Returns the result dict;
    raises :class:`FileRefused` for a file that cannot be read and :class:`ImportFailed` (its
    ``result`` the counts and errors) when a write finds any row in error. ``report(name,
    path)`` receives the error report .xlsx when there are errors."""
    spec = get_spec(spec_key)
    if mode not in MODES:
        raise FileRefused(_("Choose create, update or both."))
    sheet = reader.read(path, kind)
    columns, rows = parse_rows(spec, sheet)
    total = len(rows)
    if progress:
        progress(0, total)
    assert spec.prepare is not None and spec.write is not None
    with transaction.atomic():
        _prepare(spec, actor, rows, mode)
        result: dict[str, Any] = {"spec": spec.key, "mode": mode, "dry_run": dry_run, "rows": total, **counts(rows)}
        if progress:
            progress(total // 2 if not dry_run else total, total)
        result["error_rows"] = error_rows(spec, rows) if result["errors"] else []
        if not dry_run and not result["errors"]:
            spec.write(actor, rows)
    if result["errors"]:
        # after the transaction (which wrote nothing): the report is the job's file, kept also
        # when the write fails
        if report is not None:
            _write_report(spec, columns, rows, report)
        if not dry_run:
            raise ImportFailed(result)
        return result
    if progress:
        progress(total, total)
    return result


def _prepare(spec: ImportSpec, actor, rows: list[Row], mode: str) -> None:
    assert spec.prepare is not None
    try:
        spec.prepare(actor, rows, mode)
    except ValidationError as exc:  # a rule that refuses the whole file (e.g. no permission)
        raise FileRefused("; ".join(m for _f, m in _validation_messages(exc))) from None


def _write_report(spec: ImportSpec, columns: list[Column], rows: list[Row], report) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "errors.xlsx"
        writer.write_error_report(path, [c.label() for c in columns], [c.field for c in columns], rows)
        report(_("{spec}-import-errors.xlsx").format(spec=spec.key), path)


# --- exporting --------------------------------------------------------------------------------


def run_export(*, actor, spec_key: str, params, path: Path, progress: Callable[[int, int], None] | None = None) -> dict:
    """Write the spec's rows for the list query string ``params`` to ``path``; returns
    ``{"spec", "rows"}``."""
    spec = get_spec(spec_key)
    assert spec.export_rows is not None
    total, rows = spec.export_rows(actor, params)
    if progress:
        progress(0, total)
    n = writer.write_export(path, spec, rows, progress=(lambda done: progress(done, total)) if progress else None)
    if progress:
        progress(n, max(total, n))
    return {"spec": spec.key, "rows": n}


def template(spec_key: str, path: Path) -> None:
    spec = get_spec(spec_key)
    example = getattr(spec, "example", None) or {}
    writer.write_template(path, spec, example)
