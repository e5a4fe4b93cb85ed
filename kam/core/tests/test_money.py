"""The one money format (issue 7): 元 to the fen with thousands separators, half-up; 万元 in
dashboards; the same in templates (``money`` / ``wan``) and in Python."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from kam.core.money import format_money, format_wan


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
