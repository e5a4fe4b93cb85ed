"""Phone numbers typed with a Chinese input method (R2): full-width digits, the ideographic
space, full-width hyphens and brackets are folded (NFKC) before parsing, for every app's phones."""

import pytest
from django.core.exceptions import ValidationError

from kam.core.validators import fold_width, normalize_phone, validate_phone


def test_fold_width_turns_full_width_forms_into_ascii():
    assert fold_width("９１３１　ＭＡ－（）") == "9131 MA-()"
    assert fold_width("") == fold_width(None) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("１３８００１３８０００", "138 0013 8000"),
        ("１３８　００１３　８０００", "138 0013 8000"),
        ("１３８－００１３－８０００", "138 0013 8000"),
        ("（０２１）６２３４　５６７８", "021 6234 5678"),
        ("＋８６　１３８００１３８０００", "138 0013 8000"),
    ],
)
def test_full_width_phones_are_normalised(typed, stored):
    validate_phone(typed)
    assert normalize_phone(typed) == stored


def test_an_unparsable_phone_is_kept_folded():
    assert normalize_phone("　ａｂｃ　") == "abc"
    with pytest.raises(ValidationError):
        validate_phone("ａｂｃ")
