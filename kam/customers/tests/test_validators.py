"""Validators and normalisers of the customer file (R2): the credit code's help text, codes and
postcodes typed in full width (Chinese input methods), the pinyin sort key of names."""

import re

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from kam.customers.models import Customer
from kam.customers.search import name_sort_key
from kam.customers.testing import valid_uscc
from kam.customers.validators import (
    normalize_credit_code,
    normalize_postcode,
    postcode_validator,
    validate_credit_code,
)

CODE = "91310000MA1FL4KX60"


def test_the_help_text_example_passes_its_own_checksum():
    """R2: the example a user copies from the form must be a valid code (it was 91310000MA1FL4KX6B)."""
    from kam.customers.api.serializers import CustomerCreateSerializer

    api_help = CustomerCreateSerializer().fields["credit_code"].help_text
    for help_text in (str(Customer._meta.get_field("credit_code").help_text), str(api_help)):
        examples = re.findall(r"[0-9A-Z]{18}", help_text)
        assert examples, help_text
        for example in examples:
            assert uscc.is_valid(example), example
            validate_credit_code(example)


@pytest.mark.parametrize(
    "typed",
    [
        "９１３１００００ＭＡ１ＦＬ４ＫＸ６０",  # full-width digits and letters
        "９１３１００００ｍａ１ｆｌ４ｋｘ６０",  # full-width lower case
        "９１３１　００００　ＭＡ１Ｆ　Ｌ４ＫＸ　６０",  # ideographic spaces
        "９１３１００００－ＭＡ１ＦＬ４ＫＸ６０",  # full-width hyphen
        "91310000—MA1FL4KX60",  # an em dash from the IME's punctuation mode
        "91310000 – ma1fl4kx60",
        "\u200b91310000MA1FL4KX60\ufeff",  # zero-width space, BOM (copied from a web page)
        " 9131-0000-MA1F-L4KX-60 ",
    ],
)
def test_credit_codes_typed_in_full_width_or_grouped_are_converted(typed):
    assert normalize_credit_code(typed) == CODE
    validate_credit_code(normalize_credit_code(typed))


def test_normalising_keeps_what_is_really_wrong_wrong():
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(normalize_credit_code("９１３１００００ＭＡ１ＦＬ４ＫＸ６Ｂ"))
    assert exc.value.code == "uscc_checksum"
    assert normalize_credit_code("") == ""


def test_postcodes_in_full_width_are_converted_and_only_ascii_digits_pass():
    assert normalize_postcode("２００１２０") == "200120"
    assert normalize_postcode("２００　１２０") == "200120"
    postcode_validator("200120")
    for bad in ("٢٠٠١٢٠", "20012", "2001200", "20012a"):  # Arabic-Indic digits are not a postcode
        with pytest.raises(ValidationError):
            postcode_validator(bad)


def test_valid_uscc_example_helper_agrees():
    assert uscc.is_valid(valid_uscc(1))


@pytest.mark.parametrize(
    "first, second",
    [
        ("三亚", "上海"),  # san ya < shang hai (by character code 上 U+4E0A comes first)
        ("广州南方物流", "华东精密机械"),  # guang < hua
        ("西安", "先锋"),  # xi an < xian feng: a syllable sorts before a longer one it begins
        ("Apple", "北京"),  # ASCII names sort among them by their letters: apple < bei
        ("北京", "Cisco"),
        ("路桥", "绿地"),  # lu < lü (lv)
        ("排序客户09", "排序客户10"),
    ],
)
def test_names_sort_in_pinyin_order(first, second):
    assert name_sort_key(first) < name_sort_key(second)


def test_name_sort_key_shape():
    assert name_sort_key("三亚") == "san ya"
    assert name_sort_key("上海明珠贸易有限公司") == "shang hai ming zhu mao yi you xian gong si"
    assert name_sort_key("恒泰机械（上海）有限公司") == "heng tai ji xie shang hai you xian gong si"
    assert name_sort_key("“华为”技术") == "hua wei ji shu"  # punctuation does not pull a name up
    assert name_sort_key("ＡＢＣ Corp.") == "abc corp"
    assert name_sort_key("") == ""
    assert len(name_sort_key("长" * 100)) <= Customer._meta.get_field("name_sort").max_length
