"""If-Match parsing and comparison (kam.core.etags, issue 8 §6): RFC 9110 entity tags, strong
comparison, anything else a ValueError (→ 400), never another exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.core.etags import if_match_passes, parse_if_match

TAG = '"customers.customer-12-3"'


def test_star_list_and_weak_tags():
    assert parse_if_match("*") is None
    assert parse_if_match(f' {TAG} , W/"x" ') == [(False, TAG), (True, '"x"')]
    assert parse_if_match('"a", , "b",') == [(False, '"a"'), (False, '"b"')]  # empty elements ignored
    assert if_match_passes("*", TAG)
    assert if_match_passes(f'"other", {TAG}', TAG)
    assert not if_match_passes(f"W/{TAG}", TAG)  # strong comparison: a weak tag never matches
    assert not if_match_passes('"customers.customer-12-2"', TAG)


@pytest.mark.parametrize("header", ["", "abc", '"a', 'a"', '"a" "b"', "*, *", ",", '"a\\"b"', 'w/"a"'])
def test_malformed_headers_are_value_errors(header):
    with pytest.raises(ValueError):
        parse_if_match(header)


@given(st.text(max_size=60))
def test_any_header_parses_or_is_a_value_error(header):
    try:
        tags = parse_if_match(header)
    except ValueError:
        return
    assert tags is None or all(tag.startswith('"') and tag.endswith('"') for _weak, tag in tags)


@given(
    st.lists(
        st.text(alphabet=st.characters(min_codepoint=0x23, max_codepoint=0x7E), max_size=20), min_size=1, max_size=5
    )
)
def test_a_list_of_tags_reads_back(values):
    header = ", ".join(f'"{v}"' for v in values)
    assert [tag for _weak, tag in parse_if_match(header)] == [f'"{v}"' for v in values]
