"""Django admin for the customer file — read-only.

Customers, contacts, yearly sales and account-team seats are domain records: every write to
them goes through :mod:`kam.customers.services` (who may own a customer, which teams may be
chosen, scope re-checks, derived columns, the change log) on the customer pages and the API.
The admin shows them — limited to the user's KAM scope (``restrict``) and needing the KAM
permission as well as Django's — and offers restore and, to administrators (``customers.purge``),
the purge of archived customers and removed contacts with a reason: the only way a record of
the customer file is ever deleted (R2), through the services and into the change log.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kam.core.admin import ReadOnlyAdminMixin
from kam.core.errors import message_text
from kam.org.access import access_for

from . import permissions as perms
from . import services
from .models import CUSTOMER_FILE, AccountTeamMember, Contact, Customer, CustomerYearSales


class PurgeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the purge"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Kept in the change log with what was deleted."),
    )


class KamScopedAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Rows limited to the user's KAM scope; viewing also needs the KAM permission."""

    purge_service = None  # (actor, record, reason) -> None: the purge action, for administrators

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, perms.CUSTOMERS_VIEW)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and access_for(request.user).has(perms.CUSTOMERS_VIEW)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.purge_service is None or not access_for(request.user).has(perms.CUSTOMERS_PURGE):
            actions.pop("purge_selected", None)
        return actions

    @admin.action(description=_("Purge selected (delete for good, with a reason)…"))
    def purge_selected(self, request, queryset):
        """Like Django's "delete selected", with a confirmation page that asks for the reason;
        each record goes through the purge service (archived / removed ones only)."""
        form = PurgeForm(request.POST if request.POST.get("post") else None)
        if request.POST.get("post") and form.is_valid():
            done = 0
            for record in queryset:
                try:
                    self.purge_service(actor=request.user, record=record, reason=form.cleaned_data["reason"])
                except (ValidationError, PermissionDenied) as exc:
                    self.message_user(request, f"{record}: {message_text(exc)}", messages.WARNING)
                else:
                    done += 1
            text = ngettext("%(count)d record purged.", "%(count)d records purged.", done)
            self.message_user(request, text % {"count": done}, messages.SUCCESS if done else messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Purge for good?"),
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/customers/purge_confirmation.html", context)


class ContactInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = Contact
    extra = 0
    fields = [
        ("name", "title", "department"),
        ("phone", "email", "wechat"),
        ("influence", "attitude", "is_primary"),
        ("education", "birthday"),
        ("hobbies", "family"),
        "notes",
    ]


class CustomerYearSalesInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CustomerYearSales
    extra = 0
    fields = ["year", "revenue"]
    readonly_fields = fields


class AccountTeamMemberInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AccountTeamMember
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = fields


@admin.register(Customer)
class CustomerAdmin(KamScopedAdmin):
    list_display = ["code", "name", "province", "nature", "credit_rating", "owner", "team", "status", "completeness"]
    list_filter = ["status", "nature", "industry_position", "credit_rating", "province"]
    search_fields = ["name", "name_en", "code", "credit_code"]
    list_select_related = ["owner", "team"]
    inlines = [ContactInline, CustomerYearSalesInline, AccountTeamMemberInline]
    # archiving needs a reason, given on the customer pages; restoring needs none
    actions = ["restore_selected", "purge_selected"]

    @staticmethod
    def purge_service(*, actor, record, reason):
        services.customer_purge(actor=actor, customer=record, reason=reason)

    # the sections of the 客户档案表, as on the page (kam.customers.models.CUSTOMER_FILE)
    fieldsets = (
        (None, {"fields": ("code",)}),
        *((section.title, {"fields": section.names}) for section in CUSTOMER_FILE),
        (_("Derived from the division code"), {"fields": ("province", "city")}),
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
                    "version",
                )
            },
        ),
    )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not access_for(request.user).has(perms.CUSTOMERS_ARCHIVE):
            actions.pop("restore_selected", None)
        return actions

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
            except ValidationError as exc:
                self.message_user(request, f"{customer}: {message_text(exc)}", messages.WARNING)
            except PermissionDenied as exc:
                self.message_user(request, f"{customer}: {exc}", messages.WARNING)
            else:
                done += 1
        return done


class RemovedFilter(admin.SimpleListFilter):
    title = _("removed")
    parameter_name = "removed"

    def lookups(self, request, model_admin):
        return (("no", _("Current")), ("yes", _("Removed")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(archived_at=None)
        if self.value() == "no":
            return queryset.filter(archived_at=None)
        return queryset


@admin.register(Contact)
class ContactAdmin(KamScopedAdmin):
    list_display = [
        "name",
        "customer",
        "title",
        "department",
        "phone",
        "influence",
        "attitude",
        "is_primary",
        "archived_at",
    ]
    list_filter = [RemovedFilter, "influence", "attitude", "is_primary"]
    actions = ["purge_selected"]

    @staticmethod
    def purge_service(*, actor, record, reason):
        services.contact_purge(actor=actor, contact=record, reason=reason)

    search_fields = ["name", "phone", "customer__name", "customer__code"]
    list_select_related = ["customer"]


@admin.register(AccountTeamMember)
class AccountTeamMemberAdmin(KamScopedAdmin):
    list_display = ["customer", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["customer__name", "customer__code", "user__username", "user__name"]
    list_select_related = ["customer", "user"]
