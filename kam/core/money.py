"""The one money format: 元 with thousands separators and two decimals (half-up), and 万元 for
dashboards. Pages use the ``money`` / ``wan`` template filters (kam_format), Python code these."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

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
