"""The one error mapper (kam.core.errors): service keys → forms, API, messages."""

from django import forms
from django.core.exceptions import ValidationError

from kam.core import errors
from kam.core.forms import TablerFormMixin


class RowForm(TablerFormMixin, forms.Form):
    name = forms.CharField(required=False)
    phone = forms.CharField(required=False)


class MainForm(TablerFormMixin, forms.Form):
    title = forms.CharField(required=False)
    password1 = forms.CharField(required=False)
    service_field_map = {"password": "password1"}


def _service_error():
    return ValidationError(
        {
            "title": ["bad title"],
            "__all__": ["whole request"],
            "contacts[0]": ["row 0 as a whole"],
            "contacts[1].phone": ["bad phone"],
            "contacts[1].__all__": ["row 1 as a whole"],
            "yearly_sales[0].year": ["bad year"],
        }
    )


def test_row_keys_and_prefixing():
    assert errors.row_key("contacts", 2, "phone") == "contacts[2].phone"
    assert errors.row_key("contacts", 2) == errors.row_key("contacts", 2, "__all__") == "contacts[2]"
    exc = ValidationError({"phone": ["x"], "__all__": ["y"]})
    assert errors.prefixed("contacts", 3, exc) == {"contacts[3].phone": ["x"], "contacts[3]": ["y"]}
    assert errors.prefixed("contacts", 0, ValidationError("plain")) == {"contacts[0]": ["plain"]}


def test_parse():
    tree = errors.parse(_service_error())
    assert tree.fields == {"title": ["bad title"], "__all__": ["whole request"]}
    assert tree.rows == {
        "contacts": {
            0: {"__all__": ["row 0 as a whole"]},
            1: {"phone": ["bad phone"], "__all__": ["row 1 as a whole"]},
        },
        "yearly_sales": {0: {"year": ["bad year"]}},
    }
    assert errors.parse(ValidationError(["a", "b"])).fields == {"__all__": ["a", "b"]}


def test_api_detail_takes_drfs_nested_shape():
    assert errors.api_detail(_service_error()) == {
        "title": ["bad title"],
        "non_field_errors": ["whole request"],
        "contacts": {
            "0": {"non_field_errors": ["row 0 as a whole"]},
            "1": {"phone": ["bad phone"], "non_field_errors": ["row 1 as a whole"]},
        },
        "yearly_sales": {"0": {"year": ["bad year"]}},
    }
    # params are interpolated, as Django renders them
    exc = ValidationError({"name": [ValidationError("“%(v)s” is bad", params={"v": "x"})]})
    assert errors.api_detail(exc) == {"name": ["“x” is bad"]}


def test_apply_to_form_puts_row_errors_on_the_forms_of_those_rows():
    main = MainForm({})
    rows = [RowForm({}), RowForm({}), RowForm({})]
    for f in (main, *rows):
        f.is_valid()

    class FakeFormset:
        forms = rows

    # the service's rows 0 and 1 are the formset's forms 0 and 2 (form 1 was left empty)
    main.apply_service_error(_service_error(), rows={"contacts": (FakeFormset, [0, 2])})
    assert main.errors["title"] == ["bad title"]
    assert "is-invalid" in main.fields["title"].widget.attrs["class"]
    assert "whole request" in main.non_field_errors()
    assert rows[0].non_field_errors() == ["row 0 as a whole"]
    assert not rows[1].errors
    assert rows[2].errors["phone"] == ["bad phone"] and rows[2].non_field_errors() == ["row 1 as a whole"]
    # rows of a list the page has no formset for are not lost: they land on the form
    assert any("bad year" in e for e in main.non_field_errors())


def test_apply_to_form_maps_service_fields_and_unknown_keys():
    form = MainForm({})
    form.is_valid()
    form.apply_service_error(ValidationError({"password": ["too short"], "nope": ["elsewhere"]}))
    assert form.errors["password1"] == ["too short"]
    assert "elsewhere" in form.non_field_errors()


def test_message_text_reads_as_one_line():
    text = errors.message_text(_service_error())
    assert text.startswith("bad title whole request")
    assert "contacts 2 phone: bad phone" in text and "yearly_sales 1 year: bad year" in text
