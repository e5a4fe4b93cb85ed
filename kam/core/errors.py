"""The one error contract (architecture rule 8) and its one mapper.

Services raise :class:`~django.core.exceptions.ValidationError` keyed by field, and by
``list[i].field`` for nested rows (``contacts[0].phone``; ``contacts[0]`` or
``contacts[0].__all__`` for an error of the whole row; ``__all__`` or a plain message for the
whole request). :func:`row_key` and :func:`prefixed` build those keys; :func:`parse` reads
them back into an :class:`ErrorTree`, and the three consumers take it from there:

* forms: :func:`apply_to_form` puts each error on its field, each row's on the form of that
  row (a formset row), the rest on the form;
* the API: :func:`api_detail` gives DRF's shape (nested rows as DRF's nested serializers do,
  ``{"contacts": {"0": {"phone": [...]}}}``);
* flash messages and import reports: :func:`message_text` / :func:`flat_messages`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

NON_FIELD = NON_FIELD_ERRORS  # "__all__"
API_NON_FIELD = "non_field_errors"  # DRF's key for the same

_ROW_KEY = re.compile(r"^(?P<list>\w+)\[(?P<row>\d+)\](?:\.(?P<field>\w+))?$")


def row_key(list_name: str, index: int, field_name: str | None = None) -> str:
    """``contacts[2].phone`` — the key of an error on one field of one nested row."""
    base = f"{list_name}[{index}]"
    return base if field_name in (None, NON_FIELD) else f"{base}.{field_name}"


def _messages(errors: Any) -> list[str]:
    """Rendered messages of a list of errors / a ValidationError (params interpolated)."""
    if isinstance(errors, ValidationError):
        return [str(m) for m in errors.messages]
    out: list[str] = []
    for e in errors if isinstance(errors, list | tuple) else [errors]:
        if isinstance(e, ValidationError):
            out.extend(str(m) for m in e.messages)
        else:
            out.append(str(e))
    return out


def prefixed(list_name: str, index: int, exc: ValidationError) -> dict[str, list[str]]:
    """A row's ValidationError re-keyed for the whole request (``name`` → ``contacts[0].name``)."""
    if hasattr(exc, "error_dict"):
        return {row_key(list_name, index, key): _messages(errs) for key, errs in exc.error_dict.items()}
    return {row_key(list_name, index): _messages(exc)}


@dataclass
class ErrorTree:
    """A service's ValidationError, parsed: ``fields`` (``"__all__"`` for the whole request) and
    ``rows[list][index]`` → ``{field or "__all__": messages}``."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, dict[int, dict[str, list[str]]]] = field(default_factory=dict)


def parse(exc: ValidationError) -> ErrorTree:
    tree = ErrorTree()
    if not hasattr(exc, "error_dict"):
        tree.fields[NON_FIELD] = _messages(exc)
        return tree
    for key, errors in exc.error_dict.items():
        messages = _messages(errors)
        match = _ROW_KEY.match(key or "")
        if match:
            row = tree.rows.setdefault(match["list"], {}).setdefault(int(match["row"]), {})
            row.setdefault(match["field"] or NON_FIELD, []).extend(messages)
        else:
            tree.fields.setdefault(key or NON_FIELD, []).extend(messages)
    return tree


def api_detail(exc: ValidationError) -> dict:
    """The DRF error body of a service's ValidationError."""
    tree = parse(exc)

    def api_key(key: str) -> str:
        return API_NON_FIELD if key == NON_FIELD else key

    detail: dict[str, Any] = {api_key(k): v for k, v in tree.fields.items()}
    for list_name, rows in tree.rows.items():
        nested = detail.setdefault(list_name, {})
        if not isinstance(nested, dict):  # an error on the list itself and on its rows
            nested = detail[list_name] = {API_NON_FIELD: nested}
        for index, row in sorted(rows.items()):
            nested[str(index)] = {api_key(k): v for k, v in row.items()}
    return detail


def flat_messages(exc: ValidationError) -> list[str]:
    """Every message, in order, rows prefixed with their list and 1-based row number."""
    tree = parse(exc)
    out = [m for msgs in tree.fields.values() for m in msgs]
    for list_name, rows in tree.rows.items():
        for index, row in sorted(rows.items()):
            for key, msgs in row.items():
                where = f"{list_name} {index + 1}" if key == NON_FIELD else f"{list_name} {index + 1} {key}"
                out.extend(f"{where}: {m}" for m in msgs)
    return out


def message_text(exc: ValidationError) -> str:
    """One line for a flash message."""
    return " ".join(flat_messages(exc))


def _add(form, field_name: str | None, messages: list[str], field_map: Mapping[str, str] | None) -> None:
    if field_name is not None and field_map and field_name in field_map:
        field_name = field_map[field_name]
    target = field_name if field_name in form.fields else None
    form.add_error(target, ValidationError(messages))


def apply_to_form(
    form,
    exc: ValidationError,
    *,
    rows: Mapping[str, tuple[Any, Sequence[int]]] | None = None,
    field_map: Mapping[str, str] | None = None,
) -> None:
    """Put a service's errors where the user typed: fields on ``form``, nested rows on the form of
    that row. ``rows`` maps a list name to ``(formset, form_index_of_row)``: the service's row 0
    is ``formset.forms[form_index_of_row[0]]`` (a formset may hold empty or removed forms the
    service never saw). ``field_map`` renames service fields (``password`` → ``password1``).
    Errors of unknown fields or rows land on ``form`` as form errors — never lost, never a 500."""
    tree = parse(exc)
    for key, messages in tree.fields.items():
        _add(form, None if key == NON_FIELD else key, messages, field_map)
    for list_name, by_index in tree.rows.items():
        formset, indexes = (rows or {}).get(list_name, (None, ()))
        for index, row in sorted(by_index.items()):
            target = None
            if formset is not None and index < len(indexes) and indexes[index] < len(formset.forms):
                target = formset.forms[indexes[index]]
            for key, messages in row.items():
                if target is not None:
                    _add(target, None if key == NON_FIELD else key, messages, field_map)
                else:
                    where = list_name if key == NON_FIELD else f"{list_name} {key}"
                    form.add_error(None, ValidationError([f"{where} {index + 1}: {m}" for m in messages]))
