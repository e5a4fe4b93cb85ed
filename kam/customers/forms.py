"""Forms of the customer pages. They only shape input: validation of each field comes from the
model (its validators, lengths, choices), and every write goes through :mod:`.services`.

The layout comes from :data:`kam.customers.models.CUSTOMER_FILE` (the 客户档案表 as on paper).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from kam.core.forms import TablerFormMixin, VersionedFormMixin
from kam.core.widgets import DivisionField
from kam.org.models import OrgUnit, User
from kam.org.scoping import users_in_scope

from . import permissions as perms
from . import policies, services
from .choices import TeamRole
from .models import (
    CONTACT_FIELDS,
    CONTACT_WIDE_FIELDS,
    CUSTOMER_FIELDS,
    CUSTOMER_FILE,
    WIDE_FIELDS,
    Contact,
    Customer,
    CustomerYearSales,
)
from .validators import normalize_credit_code, normalize_postcode


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name or obj.username} ({obj.username})"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "{}{}".format("\u3000" * max(0, obj.depth), obj.name)


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# ---------------------------------------------------------------- customer


class CustomerForm(VersionedFormMixin, TablerFormMixin, forms.ModelForm):
    """Every field of the 客户档案表. Owner and team appear only for users who may reassign. An
    edit form carries the customer's version it was opened with (issue 8 §6)."""

    wide_fields = WIDE_FIELDS
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    team = UnitChoiceField(label=_("Team"), queryset=OrgUnit.objects.none(), required=False)

    class Meta:
        model = Customer
        fields = list(CUSTOMER_FIELDS)
        widgets = {
            "main_business": _textarea(),
            "secondary_business": _textarea(),
            "advantages": _textarea(),
            "disadvantages": _textarea(),
            "countermeasures": _textarea(),
            "needs_analysis": _textarea(4),
            "service_record": _textarea(4),
            "notes": _textarea(3),
            "annual_revenue": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }
        # province → city → district, stored as one GB/T 2260 code (the service derives province and city)
        field_classes = {"website": partial(forms.URLField, assume_scheme="https"), "division_code": DivisionField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.can_reassign = policies.can_reassign(user)
        if self.can_reassign:
            # the same people and teams the service accepts (kam.customers.services)
            owners = services.assignable_owners(user)
            teams = services.choosable_teams(
                user, perms.CUSTOMERS_REASSIGN if self.instance.pk else perms.CUSTOMERS_ADD
            )
            if self.instance.pk:
                owners = owners | User.objects.filter(pk=self.instance.owner_id)
                teams = teams | OrgUnit.objects.filter(pk=self.instance.team_id)
                self.fields["owner"].initial = self.instance.owner_id
                self.fields["team"].initial = self.instance.team_id
            else:
                default_team = services.default_team_for(user)
                self.fields["owner"].initial = user.pk
                self.fields["team"].initial = default_team.pk if default_team else None
            self.fields["owner"].queryset = owners.distinct().order_by("name", "username")
            self.fields["team"].queryset = teams.distinct().order_by("path")
            self.fields["owner"].required = True
            self.fields["team"].required = True
        else:
            del self.fields["owner"]
            del self.fields["team"]
        self.fields["name"].widget.attrs.setdefault("autofocus", True)
        self.fields["division_code"].help_text = ""  # the picker speaks for itself; the code is the API's
        # the code may be typed with spaces or hyphens; the model checks the 18 characters after
        # clean_credit_code has compacted it
        code_field = self.fields["credit_code"]
        code_field.max_length = 30
        code_field.validators = [v for v in code_field.validators if not isinstance(v, MaxLengthValidator)]
        code_field.validators.append(MaxLengthValidator(30))
        code_field.widget.attrs.update({"maxlength": 30, "autocomplete": "off"})
        if self.instance.pk:
            # the edit form carries what it showed, so a save changes only what the user changed
            for field in self.fields.values():
                field.show_hidden_initial = True
            self.add_version_field(self.instance)
        self.style_widgets()

    def clean_credit_code(self):
        # shape only, with the service's own normaliser (R2): full width folded, spaces and dashes
        # dropped, upper case — the model's validators then check the 18 characters it stores
        return normalize_credit_code(self.cleaned_data.get("credit_code", ""))

    def clean_postcode(self):
        # ２００１２０ typed with a Chinese input method is 200120 (the model wants ASCII digits)
        return normalize_postcode(self.cleaned_data.get("postcode", ""))

    def validate_unique(self):
        """Every unique check but the credit code's: that one is the service's, whose message
        says who holds the code (or, out of the user's scope, whom to ask — R2)."""
        exclude = set(self._get_validation_exclusions()) | {"credit_code"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as exc:
            self._update_errors(exc)

    def customer_data(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in CUSTOMER_FIELDS if k in self.cleaned_data}

    def changed_customer_data(self) -> dict:
        """Only the fields the user changed, measured against the values the form showed them
        (hidden initial values), not against the record as it is now: two people editing
        different fields of one customer at once both keep their change."""
        return {k: self.cleaned_data.get(k) for k in self.changed_data if k in CUSTOMER_FIELDS}

    def changed_owner_team(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in ("owner", "team") if k in self.changed_data}

    def sections(self):
        """[(id, title, [bound fields])] in the order of the paper form."""
        return [(section.id, section.title, [self[name] for name in section.names]) for section in CUSTOMER_FILE]


# ---------------------------------------------------------------- yearly sales (近3年销售业绩)


class YearSalesForm(TablerFormMixin, forms.Form):
    """One year of 近3年销售业绩; carries its shown values so an untouched table is not rewritten."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.show_hidden_initial = True

    year = forms.IntegerField(label=_("Year"), required=False, min_value=1949, max_value=2100)
    revenue = forms.DecimalField(
        label=_("Sales (yuan)"),
        required=False,
        max_digits=16,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("revenue") is not None and data.get("year") is None and "year" not in self.errors:
            self.add_error("year", _("Enter the year of these sales."))
        return data

    def row(self) -> dict | None:
        """{year, revenue} if this row holds sales, else None (a row without an amount is empty)."""
        if not hasattr(self, "cleaned_data") or self.cleaned_data.get("revenue") is None:
            return None
        return {"year": self.cleaned_data["year"], "revenue": self.cleaned_data["revenue"]}


class BaseYearSalesFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            row = form.row()
            if row is None:
                continue
            if row["year"] in seen:
                form.add_error("year", _("This year appears twice."))
            seen.add(row["year"])

    def rows(self) -> list[tuple[int, dict]]:
        """[(form index, {year, revenue})] for the rows holding sales."""
        return [(i, r) for i, r in ((i, f.row()) for i, f in enumerate(self.forms)) if r is not None]


YearSalesFormSet = formset_factory(YearSalesForm, formset=BaseYearSalesFormSet, extra=0, max_num=10)


def year_sales_initial(existing: Iterable[CustomerYearSales], this_year: int) -> list[dict]:
    """The stored years (newest first), padded to three rows with the most recent missing years."""
    rows = [{"year": r.year, "revenue": r.revenue} for r in sorted(existing, key=lambda r: -r.year)]
    have = {r["year"] for r in rows}
    year = this_year - 1
    while len(rows) < 3:
        if year not in have:
            rows.append({"year": year, "revenue": None})
        year -= 1
    return rows


# ---------------------------------------------------------------- contacts


class ContactForm(VersionedFormMixin, TablerFormMixin, forms.ModelForm):
    """Every contact field of R2 (主要联系人). Editing a stored contact, the form carries what it
    showed (hidden initial values) and the contact's version (issue 8 §6)."""

    wide_fields = CONTACT_WIDE_FIELDS

    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)
        widgets = {
            "notes": _textarea(2),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for field in self.fields.values():
                field.show_hidden_initial = True
            self.add_version_field(self.instance)

    def contact_data(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in CONTACT_FIELDS if k in self.cleaned_data}

    def changed_contact_data(self) -> dict:
        """Only the fields the user changed, against the values the form showed: another
        person's change to a field this user left alone is kept."""
        return {k: self.cleaned_data.get(k) for k in self.changed_data if k in CONTACT_FIELDS}


class BaseContactFormSet(forms.BaseFormSet):
    def filled(self) -> list[tuple[int, ContactForm]]:
        """[(index, form)] of rows the user filled in and did not remove."""
        out = []
        for i, form in enumerate(self.forms):
            if not form.has_changed() or (self.can_delete and self._should_delete_form(form)):
                continue
            out.append((i, form))
        return out


ContactFormSet = formset_factory(ContactForm, formset=BaseContactFormSet, extra=1, can_delete=True, max_num=50)


# ---------------------------------------------------------------- archive, account team


class ArchiveForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False, widget=_textarea(2))


class AccountTeamForm(TablerFormMixin, forms.Form):
    user = UserChoiceField(label=_("Member"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Role on the team"), choices=TeamRole.choices, initial=TeamRole.SALES)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users_in_scope(actor, perms.CUSTOMERS_CHANGE, own_units_too=True).order_by(
            "name", "username"
        )
