"""Serializers of the customer-file API (R2).

They only shape input and output: types, lengths and choices are checked here (and documented
in the OpenAPI schema); every business rule — the credit code's checksum and uniqueness, phone
numbers, postcodes, who may own a customer, archived files being read-only — runs in
:mod:`kam.customers.services`, so the API, the pages and the importer answer alike. Nothing here
saves: the views call the services.
"""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kam.core.filters import ID_MAX
from kam.core.serializers import IdRelatedField
from kam.org.models import OrgUnit, User

from .. import permissions as perms
from ..duplicates import Kind, Mode, Reason
from ..models import (
    CONTACT_FIELDS,
    CUSTOMER_FIELDS,
    REGION_FIELDS,
    AccountTeamMember,
    Contact,
    Customer,
    CustomerYearSales,
)

# rows one request may carry in a nested list: a customer has a few contacts and recent years, and
# a body of 100,000 rows must not keep a worker busy validating them one by one
MAX_ROWS = 100


class ShapeModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that leaves the model's own validators (checksums, phone numbers,
    uniqueness) to the services, which run ``full_clean`` inside their transaction. Relations are
    :class:`~kam.core.serializers.IdRelatedField`: an id is a whole number in range, or a 400."""

    serializer_related_field = IdRelatedField

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        kwargs.pop("validators", None)
        return field_class, kwargs

    def get_validators(self):
        return []


# --- small read-only pieces -------------------------------------------------------------


class YearSalesSerializer(ShapeModelSerializer):
    """公司近3年销售业绩: the customer's own revenue in one year (yuan)."""

    class Meta:
        model = CustomerYearSales
        fields = ["year", "revenue"]


class AccountTeamMemberSerializer(serializers.ModelSerializer):
    """A seat on the customer's account (project) team."""

    user_name = serializers.CharField(source="user.get_short_name", read_only=True, label=_("member"))
    role_display = serializers.CharField(source="get_role_display", read_only=True, label=_("role on the team"))

    class Meta:
        model = AccountTeamMember
        fields = ["id", "user", "user_name", "role", "role_display", "created_at"]
        read_only_fields = fields


class ContactInlineSerializer(ShapeModelSerializer):
    """A contact as written inside a new customer (``contacts`` of ``POST /customers/``)."""

    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)


class ContactNestedSerializer(serializers.ModelSerializer):
    """A contact as shown inside its customer."""

    class Meta:
        model = Contact
        fields = ["id", *CONTACT_FIELDS, "version", "created_at", "updated_at"]
        read_only_fields = fields


# --- customers --------------------------------------------------------------------------


class CustomerListSerializer(serializers.ModelSerializer):
    """One row of the customer list (the long text fields are left to the detail)."""

    owner_name = serializers.CharField(source="owner.get_short_name", read_only=True, label=_("owner"))
    team_name = serializers.CharField(source="team.name", read_only=True, label=_("team"))
    contact_count = serializers.IntegerField(read_only=True, label=_("contacts"))
    division_name = serializers.CharField(read_only=True, label=_("province / city / district (name)"))

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "credit_code",
            "division_code",
            "division_name",
            "province",
            "city",
            "nature",
            "industry",
            "industry_position",
            "credit_rating",
            "owner",
            "owner_name",
            "team",
            "team_name",
            "status",
            "completeness",
            "contact_count",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerDetailSerializer(serializers.ModelSerializer):
    """A customer's whole file: every field of the 客户档案表, contacts, yearly sales and the
    account team, with the owner's and team's names, status and file completeness (R2.1)."""

    owner_name = serializers.CharField(source="owner.get_short_name", read_only=True, label=_("owner"))
    team_name = serializers.CharField(source="team.name", read_only=True, label=_("team"))
    created_by_name = serializers.CharField(
        source="created_by.get_short_name", read_only=True, allow_null=True, default=None, label=_("created by")
    )
    contacts = ContactNestedSerializer(many=True, read_only=True)
    yearly_sales = YearSalesSerializer(many=True, read_only=True)
    account_team = AccountTeamMemberSerializer(source="team_members", many=True, read_only=True)
    division_name = serializers.CharField(read_only=True, label=_("province / city / district (name)"))

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            *CUSTOMER_FIELDS,
            *REGION_FIELDS,
            "division_name",
            "owner",
            "owner_name",
            "team",
            "team_name",
            "status",
            "archived_at",
            "archive_reason",
            "completeness",
            "contacts",
            "yearly_sales",
            "account_team",
            "created_by",
            "created_by_name",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerWriteSerializer(ShapeModelSerializer):
    """Fields a client may write on a customer. ``owner``/``team`` default to the caller and
    their team; moving a customer to someone else needs the ``customers.reassign`` permission."""

    owner = IdRelatedField(
        queryset=User.objects.all(), required=False, label=_("owner"), help_text=_("User id; defaults to you.")
    )
    team = IdRelatedField(
        queryset=OrgUnit.objects.all(),
        required=False,
        label=_("team"),
        help_text=_("Org unit id; defaults to your team."),
    )
    yearly_sales = YearSalesSerializer(
        many=True,
        required=False,
        max_length=MAX_ROWS,
        help_text=format_lazy(
            _("Sales of recent years, at most {rows}. On update the list replaces the stored years."), rows=MAX_ROWS
        ),
    )

    class Meta:
        model = Customer
        fields = [*CUSTOMER_FIELDS, *REGION_FIELDS, "owner", "team", "yearly_sales"]
        # as on the page: the code may be typed with spaces, dashes or in full width; the service
        # normalises it and checks the 18 characters it stores (R2)
        extra_kwargs = {
            "division_code": {
                "help_text": _(
                    "GB/T 2260 code of the most specific level known — province, city or district, e.g. 440305 "
                    "(广东省 深圳市 南山区); province and city are then derived from it. An unknown code is refused."
                )
            },
            "province": {"help_text": _("Derived from division_code when that is sent; else kept as written.")},
            "city": {"help_text": _("Derived from division_code when that is sent; else kept as written.")},
            "credit_code": {
                "max_length": 30,
                "help_text": _(
                    "18 characters, e.g. 91310000MA1FL4KX60; spaces, dashes and full-width characters are "
                    "accepted and removed or converted."
                ),
            },
        }


class CustomerCreateSerializer(CustomerWriteSerializer):
    """A new customer file with, optionally, its contacts and yearly sales — all or nothing.
    ``owner``/``team`` default to the caller and their team; choosing another owner needs the
    ``customers.reassign`` permission."""

    contacts = ContactInlineSerializer(
        many=True,
        required=False,
        max_length=MAX_ROWS,
        help_text=format_lazy(_("Contacts created with the customer, at most {rows}."), rows=MAX_ROWS),
    )

    class Meta(CustomerWriteSerializer.Meta):
        fields = [*CustomerWriteSerializer.Meta.fields, "contacts"]


class CustomerUpdateSerializer(CustomerWriteSerializer):
    """Fields a client may change on a customer (contacts are changed through ``/contacts/``).
    ``yearly_sales``, when sent, replaces the stored years; owner/team changes need the
    ``customers.reassign`` permission."""


class ArchiveSerializer(serializers.Serializer):
    """Why the customer is archived (optional)."""

    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default="", label=_("archive reason")
    )


# --- contacts ---------------------------------------------------------------------------


class ChangeableCustomerField(IdRelatedField):
    """A customer id the caller may change; any other id — missing or out of scope — reads
    "customer not found", so the answer reveals nothing about other people's customers."""

    default_error_messages = {
        "does_not_exist": _("Customer not found."),
        "incorrect_type": _("Customer not found."),
    }

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return self.queryset.restrict(user, perms.CUSTOMERS_CHANGE)


class ContactSerializer(serializers.ModelSerializer):
    """A contact (主要联系人) with its customer's id and name."""

    customer_name = serializers.CharField(source="customer.name", read_only=True, label=_("customer"))

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "customer_name",
            *CONTACT_FIELDS,
            "archived_at",
            "archive_reason",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ContactCreateSerializer(ShapeModelSerializer):
    """A new contact of a customer you may edit."""

    customer = ChangeableCustomerField(queryset=Customer.objects.all(), label=_("customer"))

    class Meta:
        model = Contact
        fields = ["customer", *CONTACT_FIELDS]


class ContactUpdateSerializer(ShapeModelSerializer):
    """A contact stays with its customer; only its own fields change."""

    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)


# --- the duplicate check (查重) ---------------------------------------------------------------


class DuplicateQuerySerializer(serializers.Serializer):
    """What a new or edited customer would have: any of name, credit code and phone."""

    name = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default="", help_text=_("The customer's name.")
    )
    credit_code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        default="",
        help_text=_("The unified social credit code (spaces, dashes, full-width characters and case do not matter)."),
    )
    phone = serializers.CharField(
        required=False, allow_blank=True, max_length=40, default="", help_text=_("The customer's phone.")
    )
    exclude = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        help_text=_("The id of the customer being edited, left out of the matches (if you may see it)."),
    )


class ContactDuplicateQuerySerializer(serializers.Serializer):
    """A contact's phone, and optionally the customer it belongs to and the contact being edited."""

    phone = serializers.CharField(
        required=False, allow_blank=True, max_length=40, default="", help_text=_("The contact's phone.")
    )
    customer = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        help_text=_("The id of the contact's customer: matches among its own contacts say so."),
    )
    exclude = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        help_text=_("The id of the contact being edited, left out of the matches (if you may see it)."),
    )


class DuplicateMatchSerializer(serializers.Serializer):
    """One record already on file that matches, and why. `customer`, `code`, `name`, `owner_name`,
    `team_name`, `contact` and `contact_name` are filled only when `in_scope`; for a record outside
    your scope `ask` names whom to ask about it (empty: ask your manager). `description` says it
    all in one sentence."""

    kind = serializers.ChoiceField(choices=Kind.choices, label=_("kind"))
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=Reason.choices), label=_("reasons"), help_text=_("Strongest first.")
    )
    similarity = serializers.FloatField(
        allow_null=True, label=_("name similarity"), help_text=_("0–1, when a name matched (1 for the same name).")
    )
    in_scope = serializers.BooleanField(label=_("in your scope"))
    archived = serializers.BooleanField(label=_("archived"))
    customer = serializers.IntegerField(source="customer_id", allow_null=True, label=_("customer"))
    code = serializers.CharField(source="customer_code", label=_("customer number"))
    name = serializers.CharField(source="customer_name", label=_("name"))
    owner_name = serializers.CharField(label=_("owner"))
    team_name = serializers.CharField(label=_("team"))
    contact = serializers.IntegerField(source="contact_id", allow_null=True, label=_("contact"))
    contact_name = serializers.CharField(label=_("contact name"))
    same_customer = serializers.BooleanField(label=_("a contact of the same customer"))
    ask = serializers.ListField(child=serializers.CharField(), label=_("whom to ask"))
    description = serializers.CharField(source="describe", label=_("description"))


class DuplicateResultSerializer(serializers.Serializer):
    """The matches, strongest first, and whether a save would be refused (`mode` "block" and a name
    or phone already on file)."""

    mode = serializers.ChoiceField(choices=Mode.choices, label=_("duplicate check mode"))
    blocked = serializers.BooleanField(label=_("a save would be refused"))
    matches = DuplicateMatchSerializer(many=True, label=_("matches"))
