"""The one detail pattern: a record's page is a compact header and tabs with counts, each tab
registered (registry key ``detail_tabs``) by the app that owns what it shows and loaded when it is
opened (HTMX; ``?tab=<key>`` renders it in the page, so every tab has its own link)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from .registry import DetailTab, registry


@dataclass
class Tab:
    key: str
    label: Any
    count: int | None
    active: bool


def _model_key(obj) -> str:
    return f"{obj._meta.app_label}.{obj._meta.object_name}".lower()


def tabs_for(request, obj, *, has_permission) -> list[DetailTab]:
    """The registered tabs of ``obj``'s model the user may open, in order."""
    key = _model_key(obj)
    return [
        t
        for t in registry["detail_tabs"]
        if t.model.lower() == key and (t.permission is None or has_permission(t.permission))
    ]


def tab_bar(request, obj, active: str, *, has_permission) -> tuple[list[Tab], DetailTab]:
    """The tab bar (labels and counts) and the active tab (the first one when ``active`` is
    not among them)."""
    tabs = tabs_for(request, obj, has_permission=has_permission)
    if not tabs:
        raise Http404("no tabs")
    current = next((t for t in tabs if t.key == active), tabs[0])
    bar = [Tab(t.key, t.label, t.count(request, obj) if t.count else None, t.key == current.key) for t in tabs]
    return bar, current


def get_tab(request, obj, key: str, *, has_permission) -> DetailTab:
    for t in tabs_for(request, obj, has_permission=has_permission):
        if t.key == key:
            return t
    raise Http404("no such tab")
