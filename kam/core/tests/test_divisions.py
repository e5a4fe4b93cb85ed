"""GB/T 2260 divisions (kam.core.divisions) and the province → city → district picker (R2 basic
data: the customer's region)."""

import json

import pytest
from django import forms
from django.utils import translation

from kam.core import divisions
from kam.core.forms import TablerFormMixin
from kam.core.widgets import DivisionField, DivisionPicker


def test_the_data_is_vendored_with_its_source_and_is_small():
    src = divisions.source()
    assert src["package"] == "@vant/area-data" and src["version"] and src["license"] == "MIT"
    assert divisions.DATA_FILE.stat().st_size < 300_000


def test_every_code_is_six_digits_and_has_its_parent():
    data = json.loads(divisions.DATA_FILE.read_text(encoding="utf-8"))["divisions"]
    codes = {c for c, _n in data}
    assert len(codes) == len(data) > 3000
    for code, _n in data:
        assert len(code) == 6 and code.isdigit()
        parent = divisions.get(code).parent_code
        assert parent is None or parent in codes


def test_lookups():
    assert divisions.name("440305") == "南山区"
    assert divisions.path("440305") == [("440000", "广东省"), ("440300", "深圳市"), ("440305", "南山区")]
    assert divisions.full_name("440305") == "广东省 深圳市 南山区"
    assert (divisions.province_name("440305"), divisions.city_name("440305")) == ("广东省", "深圳市")
    assert divisions.is_valid("440305") and divisions.is_valid("440000") and divisions.is_valid("440300")
    assert ("440305", "南山区") in divisions.children("440300")


@pytest.mark.parametrize("code", ["", None, "999999", "44030", "4403055", "440371", "441901", "710100", 440305])
def test_unknown_codes(code):
    """Codes GB/T 2260 does not have are refused: the statistics bureau's 开发区 (x71), Vant's
    towns of 东莞 and its subdivisions of 台湾/香港 are not in the data."""
    assert not divisions.is_valid(code)
    assert divisions.name(code) == "" and divisions.path(code) == [] and divisions.full_name(code) == ""
    assert divisions.picker_path(code) == ("", "", "")


def test_municipalities_skip_the_placeholder_level():
    # GB/T 2260 files 浦东新区 under 310100 「市辖区」 …
    assert divisions.path("310115") == [("310000", "上海市"), ("310100", "市辖区"), ("310115", "浦东新区")]
    # … the person reads and picks 上海市 → 上海市 → 浦东新区
    assert divisions.full_name("310115") == "上海市 浦东新区"
    assert divisions.children("310000") == [("310100", "上海市")]
    assert ("310115", "浦东新区") in divisions.children("310100")
    assert (divisions.province_name("310115"), divisions.city_name("310115")) == ("上海市", "上海市")
    assert divisions.picker_path("310115") == ("310000", "310100", "310115")


def test_chongqing_counties_are_chosen_with_its_districts():
    districts = dict(divisions.children("500100"))
    assert "500101" in districts and "500229" in districts  # 万州区 (市辖区) and 城口县 (县)
    assert divisions.children("500000") == [("500100", "重庆市")]
    assert divisions.picker_path("500229") == ("500000", "500100", "500229")
    assert divisions.full_name("500229") == "重庆市 城口县"


def test_county_level_cities_under_a_province_and_cities_without_districts():
    assert divisions.full_name("419001") == "河南省 济源市"
    assert divisions.city_name("419001") == "济源市"
    assert divisions.children("441900") == []
    assert divisions.full_name("441900") == "广东省 东莞市"
    assert divisions.city_name("441900") == "东莞市"


def test_find_maps_old_names_unambiguously():
    assert divisions.find("江苏省", "苏州") == "320500"
    assert divisions.find("江苏省", "苏州市") == "320500"
    assert divisions.find("上海市", "上海") == "310100"
    assert divisions.find("上海市", "浦东新区") == "310115"
    assert divisions.find("河南省", "济源") == "419001"
    assert divisions.find("广东省", "") == "440000"
    assert divisions.find("广东省", "不存在") == "440000"
    assert divisions.find("", "苏州") == "" and divisions.find("火星", "") == ""


def test_the_tree_holds_every_choice_once():
    tree = divisions.tree()
    assert len(tree[""]) == 34
    assert tree["310000"] == [["310100", "上海市"]]
    assert ["440305", "南山区"] in tree["440300"]
    assert "441900" not in tree


class _Form(TablerFormMixin, forms.Form):
    where = DivisionField(label="where", required=False)


def test_the_widget_renders_the_chain_of_an_existing_value():
    with translation.override("zh-hans"):
        html = _Form(initial={"where": "440305"}).as_div()
    assert 'name="where_province"' in html and 'name="where_city"' in html and 'name="where_district"' in html
    assert '<option value="440000" selected>广东省</option>' in html
    assert '<option value="440300" selected>深圳市</option>' in html
    assert '<option value="440305" selected>南山区</option>' in html
    assert '<option value="440306">宝安区</option>' in html  # the siblings to change to
    assert 'id="id_where"' in html and "form-select" in html and "form-control" not in html
    assert 'id="id_where-tree"' in html  # the tree for divisions.js, once
    assert "请选择" in html


def test_the_widget_for_an_empty_value_offers_provinces_only():
    html = _Form().as_div()
    assert html.count("<select") == 3 and html.count(" disabled") == 2
    assert '<option value="310000">上海市</option>' in html


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"where_province": "440000", "where_city": "440300", "where_district": "440305"}, "440305"),
        ({"where_province": "440000", "where_city": "440300", "where_district": ""}, "440300"),
        ({"where_province": "440000", "where_city": "", "where_district": ""}, "440000"),
        # the province changed without JavaScript: the old city and district are dropped
        ({"where_province": "310000", "where_city": "440300", "where_district": "440305"}, "310000"),
        ({"where_province": "440000", "where_city": "440300", "where_district": "310115"}, "440300"),
        ({"where_province": "", "where_city": "", "where_district": ""}, ""),
        ({"where": "310115"}, "310115"),  # a plain code
    ],
)
def test_the_widget_reads_the_most_specific_consistent_level(data, code):
    form = _Form(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["where"] == code


def test_an_unknown_code_is_a_form_error():
    form = _Form({"where": "999999"})
    assert not form.is_valid()
    assert "where" in form.errors
    assert 'class="form-select is-invalid"' in str(form["where"])


def test_the_picker_is_styled_like_a_select():
    assert isinstance(_Form().fields["where"].widget, DivisionPicker)
