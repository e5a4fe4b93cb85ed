"""The one money format (and a few other formats every page shares)."""

from __future__ import annotations

from django import template

from ..money import format_money, format_wan

register = template.Library()

register.filter("money", format_money)
register.filter("wan", format_wan)


@register.filter
def tel(value) -> str:
    """A phone number as a ``tel:`` URI (digits and a leading +)."""
    text = str(value or "")
    digits = "".join(ch for ch in text if ch.isdigit())
    return ("tel:+" if text.strip().startswith("+") else "tel:") + digits
