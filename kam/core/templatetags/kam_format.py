"""The one money format (and a few other formats every page shares)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

register = template.Library()

_FEN = Decimal("0.01")


def format_money(value) -> str:
    """``1234567.5`` → ``1,234,567.50``: thousands separators and two decimals, half-up (元)."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value)).quantize(_FEN, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount:,.2f}"


def format_wan(value) -> str:
    """``12345678`` → ``1,234.57 万元`` (dashboards: amounts in 万元, two decimals)."""
    if value in (None, ""):
        return ""
    try:
        amount = (Decimal(str(value)) / 10_000).quantize(_FEN, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    return _("{amount} 10k yuan").format(amount=f"{amount:,.2f}")


register.filter("money", format_money)
register.filter("wan", format_wan)


@register.filter
def tel(value) -> str:
    """A phone number as a ``tel:`` URI (digits and a leading +)."""
    text = str(value or "")
    digits = "".join(ch for ch in text if ch.isdigit())
    return ("tel:+" if text.strip().startswith("+") else "tel:") + digits
