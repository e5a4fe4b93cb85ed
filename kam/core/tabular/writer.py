"""Writing spreadsheets (R2.3) with XlsxWriter in constant-memory mode: exports, the template
per spec and the error report.

Formula neutralisation: every text cell is written with ``write_string`` (and the workbook is
opened with ``strings_to_formulas`` / ``strings_to_numbers`` / ``strings_to_urls`` off), so text
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return stays text in Excel — never
a live formula (openpyxl's write-only mode would turn ``=…`` into one; architecture.md).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from .specs import BOOL, CHOICE, DATE, DECIMAL, INT, Column, ImportSpec, Row

WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "default_date_format": "yyyy-mm-dd",
}


def workbook(path: Path, *, constant_memory: bool = True):
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), {**WORKBOOK_OPTIONS, "constant_memory": constant_memory})


def cell_value(column: Column, value: Any) -> Any:
    """A parsed value as it goes into a cell: choices by their label in the current language,
    booleans as 是/否, money as a number (a Decimal as float keeps its two decimals)."""
    if value is None or value == "":
        return ""
    if column.kind == CHOICE:
        return column.choice_label(value)
    if column.kind == BOOL:
        return _("Yes") if value else _("No")
    return value


def write_cell(ws, row: int, col: int, value: Any, fmt=None) -> None:
    """One cell, strings always as strings (the neutralisation of the module docstring)."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, _("Yes") if value else _("No"), fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, decimal.Decimal):
        ws.write_number(row, col, float(value), fmt)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(row, col, value.replace(tzinfo=None), fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _heading_format(wb):
    return wb.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})


def _write_headings(wb, ws, columns: Iterable[Column]) -> None:
    head = _heading_format(wb)
    required = wb.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "font_color": "#C00000"})
    for i, c in enumerate(columns):
        ws.set_column(i, i, c.width)
        ws.write_string(0, i, c.label() + (" *" if c.required else ""), required if c.required else head)
    ws.freeze_panes(1, 0)


def write_export(path: Path, spec: ImportSpec, rows: Iterable[Mapping[str, Any]], *, progress=None) -> int:
    """The rows (by column field) under the spec's headings; returns the number of rows.
    ``progress(done)`` is called every 1,000 rows."""
    wb = workbook(path)
    ws = wb.add_worksheet(str(spec.label)[:31])
    columns = spec.columns
    _write_headings(wb, ws, columns)
    money = wb.add_format({"num_format": "0.00"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    formats = [money if c.kind == DECIMAL else date if c.kind == DATE else None for c in columns]
    # per column: (index, field, choice labels or None, is yes/no, format) — looked up once,
    # not per cell; a blank cell without a format is not written at all (XlsxWriter skips it)
    plan = [
        (
            i,
            c.field,
            {k: str(label) for k, label in c.choices} if c.kind == CHOICE else None,
            c.kind == BOOL,
            formats[i],
        )
        for i, c in enumerate(columns)
    ]
    yes, no = _("Yes"), _("No")
    write_string, write_number = ws.write_string, ws.write_number
    n = 0
    for n, values in enumerate(rows, start=1):
        get = values.get
        for i, name, labels, yes_no, fmt in plan:
            value = get(name)
            if value is None or value == "":
                if fmt is not None:
                    ws.write_blank(n, i, None, fmt)
            elif labels is not None:
                write_string(n, i, labels.get(value, str(value)), fmt)
            elif yes_no or isinstance(value, bool):
                write_string(n, i, yes if value else no, fmt)
            elif type(value) is str:
                write_string(n, i, value, fmt)
            elif isinstance(value, int | float):
                write_number(n, i, value, fmt)
            else:
                write_cell(ws, n, i, value, fmt)
        if progress is not None and n % 1000 == 0:
            progress(n)
    wb.close()
    return n


def write_template(path: Path, spec: ImportSpec, example: Mapping[str, Any]) -> None:
    """The spec's headings (required ones marked ``*``), one example row, a drop-down list on
    every choice column (and 是/否 on yes/no columns), and a sheet explaining the columns."""
    wb = workbook(path, constant_memory=False)
    ws = wb.add_worksheet(str(spec.label)[:31])
    columns = spec.columns
    _write_headings(wb, ws, columns)
    lists = wb.add_worksheet(_("Lists")[:31])
    for i, c in enumerate(columns):
        write_cell(ws, 1, i, cell_value(c, example.get(c.field)))
        options: list[str] = []
        if c.kind == CHOICE:
            options = [str(label) for _key, label in c.choices]
        elif c.kind == BOOL:
            options = [_("Yes"), _("No")]
        if options:
            for r, option in enumerate(options):
                lists.write_string(r, i, option)
            col = _col_name(i)
            ws.data_validation(
                1,
                i,
                100_000,
                i,
                {
                    "validate": "list",
                    "source": "='{}'!${}$1:${}${}".format(_("Lists")[:31], col, col, len(options)),
                    "error_type": "warning",
                },
            )
        elif c.kind in (INT, DECIMAL):
            ws.data_validation(
                1, i, 100_000, i, {"validate": "decimal", "criteria": ">=", "value": 0, "error_type": "warning"}
            )
    lists.hide()
    help_ws = wb.add_worksheet(_("Columns")[:31])
    bold = wb.add_format({"bold": True})
    for r, text in enumerate((_("Column"), _("Required"), _("What to enter"))):
        help_ws.write_string(0, r, text, bold)
    help_ws.set_column(0, 0, 24)
    help_ws.set_column(2, 2, 80)
    for r, c in enumerate(columns, start=1):
        help_ws.write_string(r, 0, c.label())
        help_ws.write_string(r, 1, _("Yes") if c.required else "")
        help_ws.write_string(r, 2, kind_help(c))
    if spec.match_help:
        help_ws.write_string(len(columns) + 2, 0, str(spec.match_help))
    wb.close()


def kind_help(c: Column) -> str:
    if c.kind == CHOICE:
        return _("One of: {options}").format(options=" / ".join(str(label) for _key, label in c.choices))
    if c.kind == BOOL:
        return _("Yes or No")
    if c.kind == INT:
        return _("A whole number")
    if c.kind == DECIMAL:
        return _("A number, e.g. 1234567.89")
    if c.kind == DATE:
        return _("A date, e.g. 2026-03-01")
    return _("Text")


def _col_name(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        name = chr(65 + rem) + name
    return name


def write_error_report(path: Path, headings: list[str], fields: list[str | None], rows: Iterable[Row]) -> int:
    """The rows in error as the file had them: the sheet's row number first, then every column
    of the file with the bad cells filled red and the message as a cell comment, and the
    messages in a last column. Returns the number of rows written."""
    wb = workbook(path)
    ws = wb.add_worksheet(_("Errors")[:31])
    head = _heading_format(wb)
    bad = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1})
    ws.write_string(0, 0, _("Row"), head)
    for i, h in enumerate(headings, start=1):
        ws.write_string(0, i, h, head)
        ws.set_column(i, i, 18)
    ws.write_string(0, len(headings) + 1, _("Errors"), head)
    ws.set_column(len(headings) + 1, len(headings) + 1, 60)
    ws.freeze_panes(1, 1)
    n = 0
    for row in rows:
        if not row.errors:
            continue
        n += 1
        by_field: dict[str | None, list[str]] = {}
        for f, message in row.errors:
            by_field.setdefault(f, []).append(message)
        ws.write_number(n, 0, row.number)
        for i, f in enumerate(fields, start=1):
            messages = by_field.get(f) if f is not None else None
            write_cell(ws, n, i, row.raw(f) if f is not None else "", bad if messages else None)
            if messages:
                ws.write_comment(n, i, "\n".join(messages), {"x_scale": 2, "y_scale": 1.5})
        ws.write_string(n, len(headings) + 1, "; ".join(m for ms in by_field.values() for m in ms))
    wb.close()
    return n
