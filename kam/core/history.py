"""The change log for people: rows of the history table (``core/history.html``) in the
reader's language — field labels, choice labels, Yes/No, local times, event labels and data."""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .money import format_money

SOURCE_LABELS = {
    "web": gettext_lazy("Web"),
    "api": gettext_lazy("API"),
    "admin": gettext_lazy("Admin"),
    "command": gettext_lazy("Command"),
    "system": gettext_lazy("System"),
    "import": gettext_lazy("Import"),
}

# how event data keys read (apps may log others; unknown keys are shown as they are)
DATA_LABELS = {
    "reason": gettext_lazy("Reason"),
    "comment": gettext_lazy("Comment"),
}


def readable(value):
    """A logged value for people: Yes/No for booleans, local time for ISO timestamps."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        parsed = parse_datetime(value)
        if parsed is not None:
            if timezone.is_aware(parsed):
                parsed = timezone.localtime(parsed)
            return parsed.strftime("%Y-%m-%d %H:%M")
    return value


def history_rows(changes) -> list[dict]:
    """Changes (with ``content_type`` loaded) as rows for ``core/history.html``."""
    rows = []
    for change in changes:
        fields = change.field_changes()
        if not fields and change.changes and change.action == "update":
            continue  # only hidden fields changed (a version moved on with its children: kam.core.versioning)
        for f in fields:
            if f["kind"] == "decimal":  # one money format: 290,000,000.00 → 295,000,000.00
                f["old"], f["new"] = (format_money(v) if v not in (None, "") else v for v in (f["old"], f["new"]))
            else:
                f["old"], f["new"] = readable(f["old"]), readable(f["new"])
        model = change.content_type.model_class()
        shown = {str(f["new"]) for f in fields}  # data the diff already shows (a reason that is also a field)
        rows.append(
            {
                "change": change,
                "source": SOURCE_LABELS.get(change.source, change.source),
                "fields": fields,
                "data": [
                    (str(DATA_LABELS.get(k, k)), readable(v))
                    for k, v in (change.data or {}).items()
                    if v not in ("", None) and str(readable(v)) not in shown
                ],
                "object_label": model._meta.verbose_name if model else change.content_type.model,
            }
        )
    return rows


def conflict_rows(changes, part_labels=None) -> list[dict]:
    """The changes another user saved meanwhile (a :class:`~kam.core.versioning.ConflictError`'s
    ``changes``) as history rows for ``core/conflict.html``: field labels, old → new. A change made
    through a part of the record (``data["part"]``, e.g. yearly sales) reads as that part."""
    rows = []
    for change in changes:
        shown = history_rows([change])
        if shown:
            rows.extend(shown)
            continue
        part = (change.data or {}).get("part")
        label = (part_labels or {}).get(part, part)
        rows.append(
            {
                "change": change,
                "source": SOURCE_LABELS.get(change.source, change.source),
                "fields": [{"field": part, "label": label, "old": None, "new": None, "part": True}],
                "data": [],
                "object_label": "",
            }
        )
    return rows


def mark_conflicting_fields(form, rows: list[dict]) -> None:
    """Put "changed meanwhile by … to …" on each field of ``form`` that the user changed and
    someone else changed too (the latest of their changes); the user's input stays."""
    latest: dict[str, tuple[str, object]] = {}
    for row in rows:
        for f in row["fields"]:
            latest[f["field"]] = (row["change"].actor_name or _("system"), f["new"])
    for name in form.changed_data:
        if name in latest and name in form.fields:
            who, new = latest[name]
            form.add_error(
                name,
                _("{who} changed this meanwhile to “{new}”; your input is kept.").format(
                    who=who, new="—" if new in (None, "") else new
                ),
            )
