"""Django admin for the customer file.

The admin sees only what the KAM scoping allows (``restrict(request.user, …)``) and needs the
KAM permission as well as Django's model permission. Saves here are change-logged with source
``admin`` by the model signals; after each save the derived columns (search text, file
completeness) are refreshed by :func:`kam.customers.services.refresh_derived`, and a new
customer gets its number from the ``customer`` sequence like one created by the services.
Archiving and restoring go through the services (admin actions).
"""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kam.org import permissions as perms
from kam.org.access import access_for

from . import services
from .forms import SECTIONS
from .models import AccountTeamMember, Contact, Customer, CustomerYearSales
from .validators import normalize_credit_code, normalize_phone


class KamScopedAdmin(admin.ModelAdmin):
    """Rows limited to the user's KAM scope; each action also needs the KAM permission."""

    kam_view = perms.CUSTOMERS_VIEW
    kam_add = perms.CUSTOMERS_CHANGE
    kam_change = perms.CUSTOMERS_CHANGE
    kam_delete = perms.CUSTOMERS_CHANGE

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, "view")

    def _kam(self, request, permission: str) -> bool:
        return access_for(request.user).has(permission)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._kam(request, self.kam_view)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and self._kam(request, self.kam_add)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._kam(request, self.kam_change)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._kam(request, self.kam_delete)


class CustomerAdminForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [*services.CUSTOMER_FIELDS, "owner", "team"]
        field_classes = {"website": partial(forms.URLField, assume_scheme="https")}

    def clean_credit_code(self):
        return normalize_credit_code(self.cleaned_data.get("credit_code", ""))

    def clean_phone(self):
        return normalize_phone(self.cleaned_data.get("phone", ""))

    def clean_fax(self):
        return normalize_phone(self.cleaned_data.get("fax", ""))


class ContactAdminForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["customer", *services.CONTACT_FIELDS]

    def clean_phone(self):
        return normalize_phone(self.cleaned_data.get("phone", ""))


class ContactInline(admin.StackedInline):
    model = Contact
    form = ContactAdminForm
    extra = 0
    fields = [
        ("name", "title", "department"),
        ("phone", "email", "wechat"),
        ("influence", "attitude", "is_primary"),
        ("education", "birthday"),
        ("hobbies", "family"),
        "notes",
    ]


class CustomerYearSalesInline(admin.TabularInline):
    model = CustomerYearSales
    extra = 0
    max_num = 10
    fields = ["year", "revenue"]


class AccountTeamMemberInline(admin.TabularInline):
    model = AccountTeamMember
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Customer)
class CustomerAdmin(KamScopedAdmin):
    form = CustomerAdminForm
    kam_add = perms.CUSTOMERS_ADD
    kam_delete = perms.CUSTOMERS_ARCHIVE
    list_display = ["code", "name", "province", "nature", "credit_rating", "owner", "team", "status", "completeness"]
    list_filter = ["status", "nature", "industry_position", "credit_rating", "province"]
    search_fields = ["name", "name_en", "code", "credit_code"]
    list_select_related = ["owner", "team"]
    autocomplete_fields = ["owner", "team"]
    readonly_fields = [
        "code",
        "status",
        "archived_at",
        "archive_reason",
        "completeness",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [ContactInline, CustomerYearSalesInline, AccountTeamMemberInline]
    actions = ["archive_selected", "restore_selected"]
    # the sections of the 客户档案表, as on the page (kam.customers.forms.SECTIONS)
    fieldsets = (
        (None, {"fields": ("code",)}),
        *((title, {"fields": fields}) for _sid, title, fields in SECTIONS),
        (_("Owner and team"), {"fields": ("owner", "team")}),
        (
            _("Status"),
            {
                "fields": (
                    "status",
                    "archived_at",
                    "archive_reason",
                    "completeness",
                    "created_by",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.code = services.next_customer_code()
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_derived(form.instance)

    @admin.action(description=_("Archive selected customers"))
    def archive_selected(self, request, queryset):
        done = self._bulk(request, queryset, services.customer_archive)
        text = ngettext("%(count)d customer archived.", "%(count)d customers archived.", done)
        self.message_user(request, text % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Restore selected customers"))
    def restore_selected(self, request, queryset):
        done = self._bulk(request, queryset, services.customer_restore)
        text = ngettext("%(count)d customer restored.", "%(count)d customers restored.", done)
        self.message_user(request, text % {"count": done}, messages.SUCCESS)

    def _bulk(self, request, queryset, service) -> int:
        """Run an archive/restore service per customer; report the ones it refuses."""
        done = 0
        for customer in queryset:
            try:
                service(actor=request.user, customer=customer)
            except (ValidationError, PermissionDenied) as exc:
                reason = " ".join(getattr(exc, "messages", None) or [str(exc)])
                self.message_user(request, f"{customer}: {reason}", messages.WARNING)
            else:
                done += 1
        return done


@admin.register(Contact)
class ContactAdmin(KamScopedAdmin):
    form = ContactAdminForm
    list_display = ["name", "customer", "title", "department", "phone", "influence", "attitude", "is_primary"]
    list_filter = ["influence", "attitude", "is_primary"]
    search_fields = ["name", "phone", "customer__name", "customer__code"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.refresh_derived(obj.customer)

    def delete_model(self, request, obj):
        customer = obj.customer
        super().delete_model(request, obj)
        services.refresh_derived(customer)

    def delete_queryset(self, request, queryset):
        customers = list({c.customer_id: c.customer for c in queryset.select_related("customer")}.values())
        for contact in queryset:  # one by one, so each deletion is change-logged
            contact.delete()
        for customer in customers:
            services.refresh_derived(customer)


@admin.register(AccountTeamMember)
class AccountTeamMemberAdmin(KamScopedAdmin):
    list_display = ["customer", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["customer__name", "customer__code", "user__username", "user__name"]
    list_select_related = ["customer", "user"]
    autocomplete_fields = ["customer", "user"]
    readonly_fields = ["created_at"]
