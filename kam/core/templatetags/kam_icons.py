"""``{% icon "plus" %}`` — a Tabler icon from the vendored sprite (a template builtin: no
``{% load %}`` needed). A tag, not ``{% include "icon.html" %}``: a page shows 15–30 icons, and an
include costs a template render and a context push each."""

from __future__ import annotations

from functools import cache

from django import template
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@cache
def _sprite() -> str:
    return escape(static("vendor/tabler-icons/tabler-sprite.svg"))


@register.simple_tag
def icon(name) -> SafeString:
    return mark_safe(  # noqa: S308 — the name is escaped
        f'<svg class="icon kam-icon" aria-hidden="true"><use href="{_sprite()}#tabler-{escape(name)}"></use></svg>'
    )
