"""The API's input guards in kam.core: the JSON parser (nesting, non-finite numbers, size), the id
field of serializers, the date-time filter field and the error mapping of oversized requests. The
requests themselves are tested end to end in kam/site/tests/test_malformed_input.py."""

from __future__ import annotations

import io
import json
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from rest_framework.exceptions import ParseError, ValidationError

from kam.core.api import exception_handler
from kam.core.filters import ID_MAX, DateTimeFormField
from kam.core.parsers import MAX_DEPTH, KamJSONParser, nesting_exceeds
from kam.core.serializers import IdRelatedField, parse_id


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def parse(text: str | bytes, **context):
    raw = text.encode() if isinstance(text, str) else text
    return KamJSONParser().parse(io.BytesIO(raw), "application/json", context)


def deep(levels: int, opener="[", closer="]") -> str:
    return opener * levels + closer * levels


# --- nesting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("{}", 1),
        ("[1, [2, [3]], {}]", 3),
        ('{"a": [{"b": {"c": []}}]}', 5),
        (deep(64), 64),
        (deep(65), 65),
        ('{"a":' * 70 + "1" + "}" * 70, 70),
        ("[" + "[]," * 500 + "[]]", 2),  # wide, not deep
        ('["' + "[" * 500 + '"]', 1),  # brackets in a string
        ('["\\"' + "[" * 500 + '"]', 1),  # …after an escaped quote
        ('[{"\\\\": "' + "{" * 500 + '"}]', 2),  # …after an escaped backslash
    ],
)
def test_nesting_is_measured_outside_strings(text, levels):
    assert nesting_exceeds(text, levels) is False
    assert nesting_exceeds(text, levels - 1) is True
    json.loads(text)  # the cases are valid JSON


def test_nesting_of_invalid_json_is_left_to_the_parser():
    assert nesting_exceeds("]" * 100 + "[" * 100, 64) is False  # unbalanced: json refuses it anyway
    assert nesting_exceeds('"' + "[" * 100, 64) is False  # an unterminated string runs to the end
    with pytest.raises(ParseError, match="not valid JSON"):
        parse("]" * 100 + "[" * 100)


def test_the_nesting_scan_is_quick_on_the_largest_body():
    worst = deep(MAX_DEPTH) * (2_500_000 // (2 * MAX_DEPTH))  # as many 64-deep blocks as fit in 2.5 MB
    started = time.perf_counter()
    assert nesting_exceeds(worst, MAX_DEPTH) is False
    assert time.perf_counter() - started < 5  # ~0.3 s here; a per-character Python loop would be far slower


@pytest.mark.parametrize("text", [deep(MAX_DEPTH + 1), deep(100_000), '{"a":' * 100_000 + "1" + "}" * 100_000])
def test_too_deep_is_a_parse_error(text):
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert str(caught.value.detail) == f"The JSON body is nested too deeply: at most {MAX_DEPTH} levels are allowed."


def test_recursion_error_is_a_parse_error_too():
    """Should the limit be set above Python's recursion limit, json's RecursionError is still a 400."""
    parser = KamJSONParser()
    parser.max_depth = 10_000
    with pytest.raises(ParseError, match="nested too deeply"):
        parser.parse(io.BytesIO(deep(5_000).encode()), "application/json", {})


# --- numbers, text, size -----------------------------------------------------------------------


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1E+309", "123456789e999"])
def test_non_finite_numbers_are_refused(token):
    with pytest.raises(ParseError) as caught:
        parse(f'{{"a": [1, {token}]}}')
    assert str(caught.value.detail) == f"The JSON body holds a number out of range ({token}): numbers must be finite."


def test_a_long_non_finite_number_is_shown_cut_short():
    token = "1" * 400 + "e400"
    with pytest.raises(ParseError) as caught:
        parse(f"[{token}]")
    assert len(str(caught.value.detail)) < 150 and "…" in str(caught.value.detail)


def test_finite_and_big_numbers_parse_as_json_does():
    assert parse('{"a": 1e308, "b": -5e-324, "c": 18446744073709551616, "d": 1.5}') == {
        "a": 1e308,
        "b": -5e-324,
        "c": 18446744073709551616,
        "d": 1.5,
    }


def test_an_integer_of_too_many_digits_is_a_parse_error():
    with pytest.raises(ParseError, match="not valid JSON"):
        parse("[" + "1" * 5000 + "]")


def test_bad_text_is_a_parse_error():
    with pytest.raises(ParseError, match="not valid utf-8 text"):
        parse(b'{"a": "\xff"}', encoding="utf-8")
    with pytest.raises(ParseError, match="not valid rot13 text"):
        parse(b"{}", encoding="rot13")  # a codec, but not a text encoding
    assert parse('{"名": "值"}'.encode("utf-16"), encoding="utf-16") == {"名": "值"}


@pytest.mark.parametrize("text", [r'{"a": "\ud800"}', r'{"\udc00": 1}', r'["x\uDBFFy"]', r'["\ude00\ud83d"]'])
def test_unpaired_surrogates_are_refused(text):
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert str(caught.value.detail) == (
        "The JSON body holds an unpaired surrogate (\\uD800–\\uDFFF): text must be valid Unicode."
    )


def test_surrogate_pairs_and_escaped_backslashes_are_text():
    assert parse(r'{"a": "\ud83d\ude00"}') == {"a": "😀"}
    assert parse(r'{"a": "\\ud800"}') == {"a": "\\ud800"}


def test_an_empty_stream_is_a_parse_error():
    with pytest.raises(ParseError, match="not valid JSON"):
        KamJSONParser().parse(None, "application/json", {})


def test_size_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    assert parse("[1,2,3,4]") == [1, 2, 3, 4]
    with pytest.raises(ParseError) as caught:
        parse("[1,2,3,4,5]")
    assert str(caught.value.detail) == "The request body is too large: at most 10 bytes are allowed."
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    assert len(parse("[" + "1," * 10_000 + "1]")) == 10_001


def test_oversized_requests_map_to_json_400s(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    for exc, message in [
        (RequestDataTooBig(), "The request body is too large: at most 1000 bytes are allowed."),
        (TooManyFieldsSent(), "The request has too many fields: at most 1000 are allowed."),
        (TooManyFilesSent(), "The request has too many files: at most 100 are allowed."),
    ]:
        response = exception_handler(exc, {})
        assert response.status_code == 400
        assert response.data == {"detail": message}


# --- ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), (ID_MAX, ID_MAX), (7.0, 7), ("42", 42), (" 42 ", 42), (0, None), (-1, None), (ID_MAX + 1, None)]
    + [(2**200, None), (1e300, None), ("99999999999999999999", None), ("0", None)],
)
def test_parse_id(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    "value", [True, False, 1.5, float("inf"), float("-inf"), float("nan"), "1.5", "-1", "1e3", "٣", "", None, [1]]
)
def test_parse_id_refuses_what_is_not_a_whole_number(value):
    with pytest.raises(TypeError):
        parse_id(value)


@pytest.mark.django_db
def test_id_related_field():
    field = IdRelatedField(queryset=ContentType.objects.all())
    ct = ContentType.objects.get_for_model(ContentType)
    assert field.run_validation(ct.pk) == ct
    assert field.run_validation(str(ct.pk)) == ct
    assert field.run_validation(float(ct.pk)) == ct
    for value in (float("inf"), float(ct.pk) + 0.5, True, "abc", [ct.pk]):
        with pytest.raises(ValidationError) as caught:
            field.run_validation(value)
        assert caught.value.detail == ["Enter a record id (a whole number)."]
    for value, shown in [(2**63, str(2**63)), (-1, "-1"), (10**40, "1" + "0" * 28 + "…")]:
        with pytest.raises(ValidationError) as caught:
            field.run_validation(value)
        assert caught.value.detail == [f'Invalid pk "{shown}" - object does not exist.']


# --- date-time filter values ------------------------------------------------------------------


def test_date_time_field_hands_on_utc_and_refuses_times_beyond_it():
    field = DateTimeFormField()
    assert field.clean("2024-05-01T08:00:00+08:00").isoformat() == "2024-05-01T00:00:00+00:00"
    assert field.clean("2024-05-01T17:02:00+17:02").isoformat() == "2024-05-01T00:00:00+00:00"
    assert field.clean("0001-01-01T12:00:00+08:00").year == 1
    for value in ("0001-01-01T00:00:00", "0001-01-01T07:59:59+08:00", "9999-12-31T23:59:59-00:01"):
        with pytest.raises(DjangoValidationError) as caught:
            field.clean(value)
        assert caught.value.messages == ["Enter a date and time between the years 1 and 9999."]
