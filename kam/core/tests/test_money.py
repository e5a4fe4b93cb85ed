"""The one money format (issue 7): 元 to the fen with thousands separators, half-up; 万元 in
dashboards; the same in templates (``money`` / ``wan``) and in Python."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from kam.core.money import format_money, format_wan, money_in_capitals


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1234567.5"), "1,234,567.50"),
        (290000000, "290,000,000.00"),
        (Decimal("0.005"), "0.01"),  # half-up, not banker's rounding
        (Decimal("0.015"), "0.02"),
        (Decimal("0.004"), "0.00"),
        (Decimal("-1234.565"), "-1,234.57"),
        (0.1 + 0.2, "0.30"),  # a float goes through its shortest repr, not its binary value
        ("999.999", "1,000.00"),
        (None, ""),
        ("", ""),
        ("n/a", "n/a"),  # not a number: shown as it is
    ],
)
def test_money(value, text):
    assert format_money(value) == text


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (12345678, "1,234.57 万元", "1,234.57 10k yuan"),
        (Decimal("50000"), "5.00 万元", "5.00 10k yuan"),
        (Decimal("49"), "0.00 万元", "0.00 10k yuan"),
        (Decimal("50"), "0.01 万元", "0.01 10k yuan"),
    ],
)
def test_wan(value, zh, en):
    with translation.override("zh-hans"):
        assert format_wan(value) == zh
    with translation.override("en"):
        assert format_wan(value) == en


def test_template_filters_are_the_same_functions():
    template = Template("{% load kam_format %}{{ a|money }} | {{ a|wan }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"a": Decimal("295000000")})) == "295,000,000.00 | 29,500.00 万元"


# 大写金额 — worked out by hand from the standard rules (《正确填写票据和结算凭证的基本规定》):
# 壹拾 written out, 整 after 元, none after 分, one 零 for a run of zeros inside the number.
@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "零元整"),
        ("0.00", "零元整"),
        ("0.004", "零元整"),  # rounds down to 0.00
        ("0.005", "壹分"),  # half-up: 0.01 (cn2an alone truncates to 零元整)
        ("0.01", "壹分"),
        ("0.5", "伍角"),
        ("0.25", "贰角伍分"),
        (1, "壹元整"),
        (10, "壹拾元整"),
        ("15.5", "壹拾伍元伍角"),
        ("100.03", "壹佰元零叁分"),
        ("1010.05", "壹仟零壹拾元零伍分"),
        ("1234.565", "壹仟贰佰叁拾肆元伍角柒分"),  # half-up at the fen
        ("0.995", "壹元整"),  # carries into the 元
        ("10000.1", "壹万元壹角"),  # the 零 between 元 and 角 may be left out
        (12000, "壹万贰仟元整"),
        (105000, "壹拾万伍仟元整"),  # 零 after 万 may be left out when the thousands digit is not 0
        ("1000000.07", "壹佰万元零柒分"),
        (Decimal("10001000"), "壹仟万壹仟元整"),
        (100000000, "壹亿元整"),
        ("123456789012.34", "壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元叁角肆分"),
        ("1000000000000", "壹万亿元整"),
        ("9999999999999.99", "玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        ("-0", "零元整"),  # negative zero is zero
    ],
)
def test_money_in_capitals(value, words):
    assert money_in_capitals(value) == words


@pytest.mark.parametrize(
    "value", ["-0.01", -1, "-0.001", "10000000000000", "NaN", "Infinity", "abc", "", None, True, "1e400"]
)
def test_money_in_capitals_refuses(value):
    with pytest.raises(ValueError):
        money_in_capitals(value)
