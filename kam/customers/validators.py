"""Validators for the customer file: the unified social credit code and the postcode (phones:
kam.core.validators), with the normalisers every entry point's input goes through (R2)."""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from kam.core.validators import fold_width

# what may separate the groups of a typed code: any space, any dash (Unicode category Pd, so the
# full-width －, the en/em dashes an input method offers), the minus sign; and the invisible
# format characters (zero-width space, BOM) a copy from a web page or PDF brings along
_EXTRA_SEPARATORS = frozenset("\u2212")


def _is_separator(ch: str) -> bool:
    return ch.isspace() or ch in _EXTRA_SEPARATORS or unicodedata.category(ch) in ("Pd", "Cf")


def normalize_credit_code(value: str) -> str:
    """The stored form of a typed 统一社会信用代码 (R2): full width folded (NFKC), spaces and
    dashes dropped, upper case — ``９１３１ ００００－ｍａ…`` → ``91310000MA…``."""
    return "".join(ch for ch in fold_width(value) if not _is_separator(ch)).upper()


def normalize_postcode(value: str) -> str:
    """A typed postcode with full width folded and spaces dropped (``２００ １２０`` → ``200120``)."""
    return "".join(ch for ch in fold_width(value) if not ch.isspace())


# ASCII digits only: ``\d`` would also take Arabic-Indic or Devanagari digits, which NFKC keeps
postcode_validator = RegexValidator(r"^[0-9]{6}$", _("A postcode is six digits."), code="postcode")


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
