"""The one list pattern (every app's lists use it): columns the user chooses, a page size the
user picks (20 / 50 / 100), both remembered per user; saved views and per-user saved filters;
the active filters as removable chips; sortable headers.

A list declares a :class:`ListSpec` (its key, columns, views) and its view calls
:func:`list_state` with the request and the bound FilterSet; the template includes
``core/list/*.html``. Preferences are stored in :class:`kam.core.models.UserPreference` under
``list:<key>``; a ``?columns=`` or ``?page_size=`` in the request changes and remembers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from .models import SavedFilter, UserPreference

PAGE_SIZES = (20, 50, 100)
# query parameters that are not filters (never shown as chips)
NOT_FILTERS = frozenset({"page", "page_size", "ordering", "columns", "view"})


@dataclass(frozen=True)
class Column:
    """A column of a list: ``key`` (also the name of its cell), ``label``, ``sort`` (the
    ordering key of the FilterSet, or None), shown by ``default``, ``required`` (cannot be
    hidden), ``css`` (extra classes of its cells, e.g. "text-end kam-nowrap")."""

    key: str
    label: Any
    sort: str | None = None
    default: bool = True
    required: bool = False
    css: str = ""


@dataclass(frozen=True)
class ListView:
    """A saved view of a list (我负责的 / 我参与的 / 下属的 / 全部): a value of its ``view`` filter."""

    key: str  # "" = all
    label: Any


@dataclass(frozen=True)
class ListSpec:
    key: str
    columns: tuple[Column, ...]
    views: tuple[ListView, ...] = ()
    page_sizes: tuple[int, ...] = PAGE_SIZES
    default_page_size: int = 20

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


@dataclass
class ListState:
    columns: list[Column]
    page_size: int
    ordering: str
    headers: list[dict]
    chips: list[dict]
    views: list[dict]
    saved_filters: list[SavedFilter]
    all_columns: list[dict] = field(default_factory=list)


def _pref_key(spec: ListSpec) -> str:
    return f"list:{spec.key}"


def get_preference(user, key: str, default: Any = None) -> Any:
    row = UserPreference.objects.filter(user=user, key=key).values_list("value", flat=True).first()
    return default if row is None else row


def set_preference(user, key: str, value: Any) -> None:
    UserPreference.objects.update_or_create(user=user, key=key, defaults={"value": value})


def _chosen_columns(spec: ListSpec, keys: Sequence[str] | None) -> list[Column]:
    if not keys:
        return [c for c in spec.columns if c.default or c.required]
    wanted = set(keys)
    return [c for c in spec.columns if c.key in wanted or c.required]


def list_state(request, spec: ListSpec, filterset, *, allowed_views: Sequence[str] | None = None) -> ListState:
    """The list's state for this request: the user's columns and page size (changed and
    remembered when the request says so), sort headers, filter chips, saved views/filters."""
    prefs = dict(get_preference(request.user, _pref_key(spec), {}) or {})
    changed = False
    if "columns" in request.GET:
        keys = [k for k in request.GET.get("columns", "").split(",") if spec.column(k)]
        if keys != prefs.get("columns"):
            prefs["columns"] = keys
            changed = True
    raw_size = request.GET.get("page_size", "")
    if raw_size.isdigit() and int(raw_size) in spec.page_sizes and int(raw_size) != prefs.get("page_size"):
        prefs["page_size"] = int(raw_size)
        changed = True
    if changed:
        set_preference(request.user, _pref_key(spec), prefs)
    columns = _chosen_columns(spec, prefs.get("columns"))
    page_size = prefs.get("page_size") if prefs.get("page_size") in spec.page_sizes else spec.default_page_size

    ordering = request.GET.get("ordering", "") if filterset.is_valid() else ""
    headers = []
    for c in columns:
        h = {"key": c.key, "label": c.label, "sort": c.sort, "dir": None, "next": None, "css": c.css}
        if c.sort:
            if ordering == c.sort:
                h["dir"], h["next"] = "asc", "-" + c.sort
            elif ordering == "-" + c.sort:
                h["dir"], h["next"] = "desc", c.sort
            else:
                h["next"] = c.sort
        headers.append(h)
    shown = {c.key for c in columns}
    return ListState(
        columns=columns,
        page_size=page_size,
        ordering=ordering,
        headers=headers,
        chips=filter_chips(request, filterset),
        views=_views(request, spec, allowed_views),
        saved_filters=list(SavedFilter.objects.filter(user=request.user, list_key=spec.key)),
        all_columns=[
            {"key": c.key, "label": c.label, "shown": c.key in shown, "required": c.required} for c in spec.columns
        ],
    )


def _views(request, spec: ListSpec, allowed: Sequence[str] | None) -> list[dict]:
    current = request.GET.get("view", "")
    out = []
    for v in spec.views:
        if allowed is not None and v.key and v.key not in allowed:
            continue
        query = _query_without(request.GET, ("view", "page"))
        if v.key:
            query["view"] = v.key
        out.append({"key": v.key, "label": v.label, "active": v.key == current, "query": query.urlencode()})
    return out


def _query_without(data: QueryDict, names: Sequence[str]) -> QueryDict:
    query = data.copy()
    for name in names:
        query.pop(name, None)
    return query


def filter_chips(request, filterset) -> list[dict]:
    """The active filters as chips: the filter's label, the value as the user reads it, and the
    query string without it (the chip's × link). Invalid values are not shown."""
    form = filterset.form
    if not form.is_bound or not form.is_valid():
        return []
    chips = []
    for name, value in request.GET.items():
        if name in NOT_FILTERS or not value or name not in form.fields:
            continue
        field = form.fields[name]
        shown = value
        choices = getattr(field, "choices", None)
        if choices is not None:
            cleaned = form.cleaned_data.get(name)
            if cleaned is not None and hasattr(cleaned, "pk"):
                shown = str(cleaned)
            else:
                shown = str(dict((str(k), v) for k, v in _flat(choices)).get(value, value))
        chips.append(
            {
                "name": name,
                "label": field.label,
                "value": shown,
                "remove": _query_without(request.GET, (name, "page")).urlencode(),
            }
        )
    return chips


def _flat(choices):
    for key, label in choices:
        if isinstance(label, list | tuple):
            yield from _flat(label)
        else:
            yield key, label
