"""Forms of the customer pages: shaping input, scope-limited choices, formsets."""

from __future__ import annotations

from decimal import Decimal

from kam.customers import permissions as perms
from kam.customers.forms import (
    AccountTeamForm,
    ContactFormSet,
    CustomerForm,
    YearSalesFormSet,
    year_sales_initial,
)
from kam.customers.models import Customer, CustomerYearSales
from kam.customers.selectors import customer_list, filter_owner_choices, filter_team_choices
from kam.customers.testing import valid_uscc
from kam.org.scoping import units_in_scope, users_in_scope


def test_credit_code_is_compacted_and_upper_cased(personas):
    code = valid_uscc(4242)
    typed = f"{code[:6].lower()} {code[6:12].lower()}-{code[12:].lower()}"
    form = CustomerForm({"name": "某某公司", "credit_code": typed}, user=personas.sp1)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["credit_code"] == code


def test_full_width_credit_code_and_postcode_are_compacted_before_the_model_checks(personas):
    """R2: what a Chinese input method types (full-width digits and letters, ideographic spaces,
    full-width hyphens) passes the form, which hands the model the code the service stores."""
    code = valid_uscc(4243)
    wide = "".join(chr(ord(ch) + 0xFEE0) for ch in code.lower())
    typed = f"{wide[:6]}\u3000{wide[6:12]}－{wide[12:]}"
    form = CustomerForm({"name": "某某公司", "credit_code": typed, "postcode": "２００１２０"}, user=personas.sp1)
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["credit_code"], form.cleaned_data["postcode"]) == (code, "200120")
    assert form.instance.credit_code == code  # what the model's validators saw


def test_the_form_leaves_the_credit_codes_uniqueness_to_the_service(world):
    """Django's own unique check would read 「具有 统一社会信用代码 的 客户 已存在。」; the service's
    message names the holder or whom to ask (R2), so the form does not check it."""
    form = CustomerForm({"name": "某某公司", "credit_code": world.c_south.credit_code}, user=world.p.sp1)
    assert form.is_valid(), form.errors


def test_credit_code_checksum_and_length_come_from_the_model(personas):
    code = valid_uscc(4242)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    form = CustomerForm({"name": "某某公司", "credit_code": wrong}, user=personas.sp1)
    assert not form.is_valid()
    assert form.errors.as_data()["credit_code"][0].code == "uscc_checksum"
    assert "is-invalid" in form.fields["credit_code"].widget.attrs["class"]
    form = CustomerForm({"name": "某某公司", "credit_code": "X" * 31}, user=personas.sp1)
    assert not form.is_valid() and "credit_code" in form.errors


def test_every_field_of_the_paper_form_is_in_a_section(personas):
    from kam.customers.services import CUSTOMER_FIELDS

    form = CustomerForm(user=personas.sp1)
    in_sections = [bf.name for _sid, _title, fields in form.sections() for bf in fields]
    assert sorted(in_sections) == sorted(CUSTOMER_FIELDS)


def test_owner_and_team_only_for_reassign_and_limited_to_scope(world):
    p = world.p
    assert "owner" not in CustomerForm(user=p.sp1).fields
    form = CustomerForm(user=p.dm)
    assert set(form.fields["owner"].queryset) == {p.sp1, p.sp2, p.am, p.dm}
    assert set(form.fields["team"].queryset) == {p.east_dept, p.team_a, p.team_b}
    assert form.fields["owner"].initial == p.dm.pk
    director = CustomerForm(user=p.director)
    assert p.sp_other in director.fields["owner"].queryset
    # editing keeps the current owner/team selectable even when outside the editor's units
    c = Customer.objects.get(pk=world.c_shared.pk)
    form = CustomerForm(instance=c, user=p.am)
    assert p.dm in form.fields["owner"].queryset and p.team_b in form.fields["team"].queryset
    assert form.fields["owner"].initial == p.dm.pk


def test_scope_helpers(world):
    p = world.p
    assert set(units_in_scope(p.dm, perms.CUSTOMERS_VIEW)) == {p.east_dept, p.team_a, p.team_b}
    assert set(units_in_scope(p.sp1, perms.CUSTOMERS_VIEW)) == set()  # own-scope grants reach no unit
    assert set(units_in_scope(p.sp1, perms.CUSTOMERS_VIEW, own_units_too=True)) == {p.team_a}
    assert set(users_in_scope(p.sp1, perms.CUSTOMERS_CHANGE, own_units_too=True)) == {p.sp1, p.sp2, p.am}
    assert set(users_in_scope(p.hr, perms.CUSTOMERS_VIEW)) == {p.hr}
    visible = customer_list(user=p.sp_other)
    assert set(filter_owner_choices(p.sp_other, visible)) == {p.sp_other}
    assert set(filter_team_choices(p.sp_other, visible)) == {p.team_s}
    everyone = filter_owner_choices(p.finance, customer_list(user=p.finance))
    assert p.sp_other in everyone and p.sp1 in everyone


def test_year_sales_initial_pads_to_three_recent_years():
    rows = year_sales_initial([CustomerYearSales(year=2024, revenue=Decimal("5"))], 2026)
    assert [r["year"] for r in rows] == [2024, 2025, 2023]
    assert rows[0]["revenue"] == Decimal("5") and rows[1]["revenue"] is None
    rows = year_sales_initial([CustomerYearSales(year=y, revenue=Decimal("1")) for y in (2020, 2021, 2022, 2023)], 2026)
    assert [r["year"] for r in rows] == [2023, 2022, 2021, 2020]  # nothing stored is dropped


def _sales(rows):
    data = {"sales-TOTAL_FORMS": str(len(rows)), "sales-INITIAL_FORMS": "0"}
    for i, (year, revenue) in enumerate(rows):
        data[f"sales-{i}-year"] = year
        data[f"sales-{i}-revenue"] = revenue
    return YearSalesFormSet(data, prefix="sales")


def test_year_sales_formset_rows_and_errors():
    fs = _sales([("2025", "100.50"), ("2024", ""), ("", "")])
    assert fs.is_valid()
    assert fs.rows() == [(0, {"year": 2025, "revenue": Decimal("100.50")})]
    fs = _sales([("2025", "1"), ("2025", "2")])
    assert not fs.is_valid() and "year" in fs.forms[1].errors
    fs = _sales([("", "1")])
    assert not fs.is_valid() and "year" in fs.forms[0].errors
    fs = _sales([("2025", "-1")])
    assert not fs.is_valid() and "revenue" in fs.forms[0].errors
    fs = _sales([("1800", "1")])
    assert not fs.is_valid() and "year" in fs.forms[0].errors


def test_contact_formset_filled_skips_empty_and_removed_rows():
    data = {
        "contacts-TOTAL_FORMS": "3",
        "contacts-INITIAL_FORMS": "0",
        "contacts-0-name": "王建国",
        "contacts-1-name": "删掉",
        "contacts-1-DELETE": "on",
    }
    fs = ContactFormSet(data, prefix="contacts")
    assert fs.is_valid(), fs.errors
    assert [(i, f.contact_data()["name"]) for i, f in fs.filled()] == [(0, "王建国")]


def test_service_errors_map_known_fields_and_keep_the_rest(personas):
    from django.core.exceptions import ValidationError

    form = CustomerForm({"name": "x", "credit_code": valid_uscc(1)}, user=personas.sp1)
    form.is_valid()
    form.apply_service_error(ValidationError({"name": ["坏名字"], "team": ["没有团队"]}))
    assert form.errors["name"] == ["坏名字"]
    assert "is-invalid" in form.fields["name"].widget.attrs["class"]
    assert "没有团队" in form.non_field_errors()
    form.apply_service_error(ValidationError("整体错误"))
    assert "整体错误" in form.non_field_errors()


def test_account_team_form_offers_users_of_the_actors_units(world):
    p = world.p
    assert set(AccountTeamForm(actor=p.am).fields["user"].queryset) == {p.sp1, p.sp2, p.am}
    assert p.sp_other in AccountTeamForm(actor=p.director).fields["user"].queryset
