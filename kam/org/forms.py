"""Forms of the organisation pages. They only shape input; the rules live in :mod:`.services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.forms import TablerFormMixin

from . import selectors
from .models import OrgUnit, Role


class UnitChoiceField(forms.ModelChoiceField):
    """Org units in tree order, indented by depth."""

    def label_from_instance(self, obj: OrgUnit) -> str:
        label = "{}{}".format("\u3000" * obj.depth, obj.name)
        if not obj.is_active:
            label = "{} ({})".format(label, _("inactive"))
        return label


class TabledForm(TablerFormMixin, forms.Form):
    """The organisation's forms: Tabler styling and service errors on the right fields."""

    service_field_map = {"password": "password1"}


class UnitForm(TabledForm):
    name = forms.CharField(label=_("name"), max_length=100)
    code = forms.SlugField(
        label=_("code"), max_length=40, help_text=_("Letters, digits, hyphens; unique, e.g. east-kam")
    )
    kind = forms.ChoiceField(label=_("kind"), choices=OrgUnit.Kind.choices)


class UnitCreateForm(UnitForm):
    parent = UnitChoiceField(
        label=_("parent unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("— none (a new top-level unit) —"),
    )

    field_order = ["parent", "name", "code", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = selectors.unit_choices()


class UnitMoveForm(TabledForm):
    parent = UnitChoiceField(
        label=_("new parent unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("— none (make it a top-level unit) —"),
    )

    def __init__(self, *args, unit: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        # the unit itself and its subtree cannot be chosen; the service refuses them too
        self.fields["parent"].queryset = selectors.unit_choices().exclude(path__startswith=unit.path)


class UserForm(TabledForm):
    username = forms.CharField(label=_("username"), max_length=150)
    name = forms.CharField(label=_("full name"), max_length=60, required=False)
    email = forms.EmailField(label=_("e-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("phone"), max_length=32, required=False)
    job_title = forms.CharField(label=_("job title"), max_length=60, required=False)
    unit = UnitChoiceField(
        label=_("org unit"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("— no unit —")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.initial.get("unit")
        qs = selectors.unit_choices(active_only=False)
        # an inactive unit is offered only when it is the user's current one
        self.fields["unit"].queryset = qs.filter(is_active=True) | qs.filter(pk=getattr(current, "pk", current))


class PasswordPairMixin(forms.Form):
    password1 = forms.CharField(label=_("password"), strip=False, widget=forms.PasswordInput(render_value=False))
    password2 = forms.CharField(
        label=_("password (again)"), strip=False, widget=forms.PasswordInput(render_value=False)
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class UserCreateForm(PasswordPairMixin, UserForm):
    field_order = ["username", "name", "unit", "job_title", "phone", "email", "password1", "password2"]


class SetPasswordForm(PasswordPairMixin, TabledForm):
    pass


class GrantForm(TabledForm):
    role = forms.ModelChoiceField(label=_("role"), queryset=Role.objects.none(), empty_label=_("Choose a role"))
    unit = UnitChoiceField(
        label=_("at org unit"),
        queryset=OrgUnit.objects.none(),
        empty_label=_("Choose an org unit"),
        help_text=_("The role applies to this unit and everything below it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = Role.objects.order_by("sort_order", "code")
        self.fields["unit"].queryset = selectors.unit_choices()


class UserFilterForm(TabledForm):
    q = forms.CharField(label=_("Search"), required=False)
    unit = UnitChoiceField(
        label=_("org unit"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("All units")
    )
    role = forms.ModelChoiceField(
        label=_("role"), queryset=Role.objects.none(), required=False, empty_label=_("All roles")
    )
    direct = forms.BooleanField(label=_("Only members of this unit itself"), required=False)
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All")), ("active", _("Active")), ("inactive", _("Inactive"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.unit_choices(active_only=False)
        self.fields["role"].queryset = Role.objects.order_by("sort_order", "code")
        self.fields["q"].widget.attrs.update({"placeholder": _("Username or name"), "type": "search"})
