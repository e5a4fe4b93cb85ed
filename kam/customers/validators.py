"""Validators for the customer file: unified social credit code and Chinese phone numbers."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError


def normalize_credit_code(value: str) -> str:
    return uscc.compact(value or "").upper()


def validate_credit_code(value: str) -> None:
    """统一社会信用代码 (GB 32100-2015): 18 characters with a check character (R2)."""
    try:
        uscc.validate(value)
    except InvalidLength as exc:
        raise ValidationError(_("The unified social credit code must be 18 characters."), code="uscc_length") from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The unified social credit code's check character is wrong; please check the code."),
            code="uscc_checksum",
        ) from exc
    except (InvalidFormat, StdnumError) as exc:
        raise ValidationError(
            _("The unified social credit code may only contain digits and the letters allowed by GB 32100."),
            code="uscc_format",
        ) from exc


def normalize_phone(value: str) -> str:
    """A Chinese phone number in a readable normal form; anything unparsable is returned as is."""
    value = (value or "").strip()
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
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("“%(value)s” is not a phone number."), params={"value": value}, code="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid phone number."), params={"value": value}, code="phone")
