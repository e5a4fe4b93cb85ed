"""Django admin for the organisation.

Org units, users and role grants are domain records whose writes carry rules (no cycles in the
tree, no deactivating a unit still in use or a user who still owns customers, the last
org-management grant) — they are changed on the organisation pages (``/org/``) through
:mod:`kam.org.services`, and the admin shows them read-only. What the admin does edit is
configuration: roles and their permission codes, and a user's Django-level flags (staff,
superuser) and password. Every save is change-logged (source ``admin``)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kam.core.admin import ReadOnlyAdminMixin

from . import permissions as perms
from .models import OrgUnit, Role, RoleGrant, User


class RoleGrantInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    extra = 0
    fields = ["role", "unit", "created_at"]
    readonly_fields = ["role", "unit", "created_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Person data, unit and activity are edited on the organisation pages (they carry rules);
    here only the Django-level flags and the password."""

    readonly_fields = [
        "username",
        "name",
        "email",
        "phone",
        "job_title",
        "unit",
        "is_active",
        "last_login",
        "date_joined",
    ]
    list_display = ["username", "name", "unit", "job_title", "phone", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "unit", "grants__role"]
    search_fields = ["username", "name", "email", "phone"]
    list_select_related = ["unit"]
    ordering = ["username"]
    inlines = [RoleGrantInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("name", "email", "phone", "job_title", "unit")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "classes": ("collapse",),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    def has_add_permission(self, request):
        return False  # users are created on the organisation pages (kam.org.services.user_create)

    def has_delete_permission(self, request, obj=None):
        return False  # users are deactivated, never deleted (their history stays attributable)


@admin.register(OrgUnit)
class OrgUnitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["indented_name", "code", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    ordering = ["path"]
    list_select_related = ["parent"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: OrgUnit) -> str:
        return "{}{}".format("\u3000" * obj.depth, obj.name)


class RoleAdminForm(forms.ModelForm):
    permissions = forms.MultipleChoiceField(
        label=_("permissions"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Role
        fields = ["code", "name_zh", "name_en", "scope", "permissions", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # keep codes an admin cannot see in the list (e.g. from a newer version) selectable
        current = list(self.initial.get("permissions") or [])
        known = perms.all_permissions()
        self.fields["permissions"].choices = list(known.items())
        extra = [(code, code) for code in current if code not in known]
        if extra:
            self.fields["permissions"].choices = list(known.items()) + extra


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    form = RoleAdminForm
    list_display = ["code", "name_zh", "name_en", "scope", "permission_list", "sort_order"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["sort_order", "code"]

    @admin.display(description=_("permissions"))
    def permission_list(self, obj: Role) -> str:
        return ", ".join(obj.permissions or [])


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "unit", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__name", "unit__name", "unit__code"]
    list_select_related = ["user", "role", "unit"]
