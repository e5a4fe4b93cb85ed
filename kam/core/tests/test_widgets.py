"""The date widget every page uses (kam.core.widgets.DateInput / DateTimeInput) and the form
mixin that puts it on every date field left with Django's default widget."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import translation

from kam.core.forms import TablerFormMixin
from kam.core.widgets import DateInput, DateTimeInput


def test_date_input_renders_an_iso_text_box_for_the_picker():
    html = DateInput().render("birthday", dt.date(1975, 5, 4))
    assert html.startswith("<input ")
    for part in (
        'type="text"',
        'name="birthday"',
        'value="1975-05-04"',
        "data-kam-date ",
        'inputmode="numeric"',
        'autocomplete="off"',
        'placeholder="YYYY-MM-DD"',
    ):
        assert part in html, part
    assert 'type="date"' not in html and "data-kam-date-min" not in html


def test_date_input_keeps_a_refused_string_as_typed_and_renders_nothing_for_none():
    assert 'value="1990-13-45"' in DateInput().render("d", "1990-13-45")
    assert 'value="&lt;b&gt;x"' in DateInput().render("d", "<b>x")  # escaped, not dropped
    assert "value=" not in DateInput().render("d", None)


def test_date_input_iso_whatever_the_language_and_optional_bounds():
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            html = DateInput(min=dt.date(2000, 1, 1), max="2030-12-31").render("d", dt.date(2024, 1, 2))
            assert 'value="2024-01-02"' in html
            assert 'data-kam-date-min="2000-01-01"' in html and 'data-kam-date-max="2030-12-31"' in html
    with translation.override("zh-hans"):
        assert 'data-kam-date-clear="清除"' in DateInput().render("d", None)


def test_attrs_given_win_over_the_defaults():
    html = DateInput(attrs={"placeholder": "生日", "class": "x"}).render("d", None)
    assert 'placeholder="生日"' in html and 'class="x"' in html


def test_datetime_input():
    html = DateTimeInput().render("at", dt.datetime(2024, 5, 4, 13, 30))
    assert 'value="2024-05-04 13:30"' in html and "data-kam-datetime" in html and 'type="text"' in html
    assert "data-kam-date " not in html


class _Form(TablerFormMixin, forms.Form):
    day = forms.DateField(required=False)
    required_day = forms.DateField()
    at = forms.DateTimeField(required=False)
    native = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    bounded = forms.DateField(required=False, widget=DateInput(min=dt.date(2020, 1, 1)))
    text = forms.CharField(required=False)


def test_the_form_mixin_puts_the_date_widget_on_default_date_fields():
    form = _Form()
    assert type(form.fields["day"].widget) is DateInput
    assert type(form.fields["required_day"].widget) is DateInput
    assert form.fields["required_day"].widget.is_required
    assert type(form.fields["at"].widget) is DateTimeInput
    assert type(form.fields["native"].widget) is forms.DateInput  # chosen on purpose: kept
    assert form.fields["bounded"].widget.attrs["data-kam-date-min"] == "2020-01-01"
    html = str(form["day"])
    assert "data-kam-date" in html and 'class="form-control"' in html
    # the class-level field is untouched (each form instance has its own copy)
    assert type(_Form.base_fields["day"].widget) is forms.DateInput


def test_typed_iso_dates_parse_and_bad_ones_are_refused_in_chinese():
    with translation.override("zh-hans"):
        good = _Form({"day": "2024-05-04", "required_day": "2024-02-29", "at": "2024-05-04 13:30"})
        assert good.is_valid(), good.errors
        assert good.cleaned_data["day"] == dt.date(2024, 5, 4)
        assert good.cleaned_data["at"].replace(tzinfo=None) == dt.datetime(2024, 5, 4, 13, 30)
        for bad in ("2023-02-29", "1990-13-45", "abc"):
            form = _Form({"required_day": bad})
            assert not form.is_valid()
            assert form.errors["required_day"] == ["输入一个有效的日期。"], bad
            assert f'value="{bad}"' in str(form["required_day"])
            assert "is-invalid" in str(form["required_day"])
