"""Validators used by several apps: phone numbers (users, customers, contacts), and the
NFKC folding of what Chinese input methods type in full width (R2)."""

import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def fold_width(value: str) -> str:
    """``value`` in Unicode NFKC: the full-width forms a Chinese input method types
    (``１３８``, ``ＭＡ``, the ideographic space ``　``, ``－``, ``（）``) become their ASCII
    twins. For codes and numbers only — names keep their full-width brackets."""
    return unicodedata.normalize("NFKC", value or "")


def normalize_phone(value: str) -> str:
    """A Chinese phone number in a readable normal form; anything unparsable is returned as is
    (width-folded and stripped). Full-width digits, spaces, hyphens and brackets are folded first
    (R2)."""
    value = fold_width(value).strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return value
    if number.country_code == 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def validate_phone(value: str) -> None:
    if not value:
        return
    try:
        number = phonenumbers.parse(fold_width(value), "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("“%(value)s” is not a phone number."), params={"value": value}, code="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid phone number."), params={"value": value}, code="phone")


def validate_division_code(value: str) -> None:
    """A GB/T 2260 code of the vendored divisions (kam.core.divisions): a province, city or
    district/county, six digits."""
    from . import divisions

    if value and not divisions.is_valid(value):
        raise ValidationError(
            _("“%(value)s” is not a province, city or district code of GB/T 2260; choose one from the list."),
            params={"value": value},
            code="division",
        )
