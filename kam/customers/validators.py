"""Validators for the customer file: the unified social credit code (phones: kam.core.validators)."""

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
