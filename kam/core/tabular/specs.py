"""Import specs (R2.3): what a table's spreadsheet looks like and the callables its app supplies.

An app registers one :class:`ImportSpec` per table under the registry key ``import_specs``
(``customers``, ``contacts``; later orders, payments, targets …). The engine
(:mod:`kam.core.tabular.engine`) reads the file, maps the heading row onto :attr:`ImportSpec.columns`
(a heading is accepted in zh-hans or English), parses every cell by its column's kind and hands
the parsed rows to the app's :attr:`ImportSpec.prepare`, which validates them **through the same
services and rules as the pages** and says for each row whether it creates, updates, changes
nothing or is in error. :attr:`ImportSpec.write` then writes the prepared rows in bulk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation

from kam.core.registry import ImportSpecEntry

TEXT, INT, DECIMAL, DATE, CHOICE, BOOL = "text", "int", "decimal", "date", "choice", "bool"
MODES = ("create", "update", "upsert")

# row outcomes
CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"


@dataclass(frozen=True)
class Column:
    """A column of a spec: ``field`` is the key of the parsed row the app reads, ``heading`` a
    lazy translation (its zh-hans and English forms are both accepted on upload); ``choices`` are
    (key, lazy label) pairs — a cell may hold the key, the Chinese or the English label."""

    field: str
    heading: Any
    kind: str = TEXT
    required: bool = False
    choices: tuple[tuple[str, Any], ...] = ()
    example: Any = ""
    width: int = 18
    aliases: tuple[Any, ...] = ()  # other headings accepted on upload (e.g. the model field's name)

    def headings(self) -> tuple[str, ...]:
        """The zh-hans and English forms of the heading and of its aliases."""
        out: list[str] = []
        for text in (self.heading, *self.aliases):
            for lang in ("zh-hans", "en"):
                with translation.override(lang):
                    out.append(str(text))
        return tuple(out)

    def label(self) -> str:
        """The heading in the current language."""
        return str(self.heading)

    def choice_label(self, key: str) -> str:
        for k, label in self.choices:
            if k == key:
                return str(label)
        return key


@dataclass
class Row:
    """A parsed data row: ``number`` is its row in the sheet (1 = the heading row), ``values``
    the parsed cells by column field (only the columns the file has), ``cells`` the row as read
    (the sheet's own list, not a copy: an import of 100,000 rows keeps one of each) and
    ``positions`` where each column field is in it; ``errors`` collects (field or None, message)."""

    number: int
    values: dict[str, Any]
    cells: list[Any]
    positions: dict[str, int]
    errors: list[tuple[str | None, str]] = field(default_factory=list)
    outcome: str = ""
    payload: Any = None  # whatever the app's prepare keeps for its write

    def raw(self, field_name: str) -> Any:
        """The cell of ``field_name`` as the file had it ("" if the row is shorter)."""
        i = self.positions.get(field_name)
        return self.cells[i] if i is not None and i < len(self.cells) else ""

    def release(self) -> None:
        """Let go of the cells and parsed values of a row prepared without error: only rows
        in error are reported with their cells, and the payload holds what the write needs —
        100,000 rows do not keep both the sheet and their records in memory."""
        if not self.errors:
            self.cells = []
            self.values = {}

    def error(self, field_name: str | None, message: Any) -> None:
        self.errors.append((field_name, str(message)))
        self.outcome = ERROR


@dataclass(frozen=True)
class ImportSpec(ImportSpecEntry):
    """A table the Excel engine imports and exports (R2.3).

    * ``columns`` in the order of the template and the export;
    * ``permission(user, action)`` — action ``create``/``update``/``upsert`` (import modes) or
      ``export``: may the user start it at all (403 otherwise; the rows are still scoped);
    * ``prepare(actor, rows, mode)`` — validate every row (``row.error(...)``), set
      ``row.outcome`` (:data:`CREATE`, :data:`UPDATE`, :data:`UNCHANGED`) and ``row.payload``;
      batches its database look-ups;
    * ``write(actor, rows)`` — write the rows prepared without error, in bulk, with their
      change-log entries; runs inside the import's one transaction;
    * ``export_rows(actor, params)`` — ``(count, rows)``: the rows (mappings by column field) a
      list page shows for its query string ``params``, in its order and scope; raises
      ``ValidationError`` for bad parameters;
    * ``example`` — the template's example row (by column field).
    """

    label: Any = ""
    columns: tuple[Column, ...] = ()
    permission: Callable[[Any, str], bool] = lambda user, action: False
    prepare: Callable[[Any, list[Row], str], None] | None = None
    write: Callable[[Any, list[Row]], None] | None = None
    export_rows: Callable[[Any, Mapping[str, Any]], tuple[int, Iterable[Mapping[str, Any]]]] | None = None
    match_help: Any = ""
    example: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100

    def column(self, field_name: str) -> Column | None:
        for c in self.columns:
            if c.field == field_name:
                return c
        return None

    def heading_map(self) -> dict[str, Column]:
        """Every accepted heading (zh-hans, English, case-folded, spaces dropped) → its column."""
        out: dict[str, Column] = {}
        for c in self.columns:
            for h in c.headings():
                out[normalize_heading(h)] = c
        return out

    def iter_columns(self) -> Iterator[Column]:
        return iter(self.columns)


def normalize_heading(text: Any) -> str:
    """A heading as compared: case-folded, without spaces, a trailing ``*`` (required mark)
    or full-width brackets' differences."""
    s = str(text or "").strip().casefold().replace("（", "(").replace("）", ")")
    s = "".join(s.split())
    return s.rstrip("*＊")
