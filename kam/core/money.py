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


# 16 digits is cn2an's limit: up to 9,999,999,999,999.99 元 (under 10 万亿)
_CAPITALS_MAX = Decimal("9999999999999.99")


def money_in_capitals(value) -> str:
    """An amount in Chinese capitals for printed forms (大写金额): ``12000`` → ``壹万贰仟元整``.

    Rounded half-up to the fen first (cn2an truncates past the fen: ``0.005`` would be 零元整;
    here it is ``0.01`` → ``壹分``); negative amounts are refused with :class:`ValueError` (cn2an
    would print 负; a form states a negative amount in words of its own, e.g. 退款), as are
    amounts of 10 万亿 and more (beyond cn2an's 16 digits).

    The words are cn2an's ``an2cn(x, "rmb")``, accepted as they are where they meet the standard
    rules for 大写 amounts (《支付结算办法》附件 / 正确填写票据和结算凭证的基本规定):
    ``壹拾`` is written out (``10`` → 壹拾元整); 整 follows an amount ending at 元 (``12000`` →
    壹万贰仟元整) and not one ending in 分 (``1000000.07`` → 壹佰万元零柒分); a zero between
    digits is written once (``1010.05`` → 壹仟零壹拾元零伍分). Where the rules allow a 零 either
    way, cn2an leaves it out and that is accepted: after 万 when the thousands digit is not zero
    (``105000`` → 壹拾万伍仟元整, also correct as 壹拾万零伍仟元整) and between 元 and 角
    (``10000.1`` → 壹万元壹角, also correct as 壹万元零壹角); an amount ending in 角 gets no 整
    (``100.5`` → 壹佰元伍角, which the rules allow).
    """
    from cn2an import an2cn

    if isinstance(value, bool) or value in (None, ""):
        raise ValueError(f"not an amount: {value!r}")
    try:
        raw = Decimal(str(value))
        if not raw.is_finite():
            raise ValueError(f"not an amount: {value!r}")
        amount = raw.quantize(_FEN, rounding=ROUND_HALF_UP) + 0  # + 0: no "-0.00"
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if raw < 0:
        raise ValueError(f"a negative amount has no capitals form: {value!r}")
    if amount > _CAPITALS_MAX:
        raise ValueError(f"amount too large for capitals (at most {_CAPITALS_MAX}): {value!r}")
    return an2cn(format(amount, "f"), "rmb")
