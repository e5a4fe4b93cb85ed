"""Django admin for the organisation. Every save here is change-logged (source ``admin``) by the
model signals; the org-tree rule that a unit cannot move under its own subtree is enforced here
as in :func:`kam.org.services.unit_move`."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import permissions as perms
from .models import OrgUnit, Role, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["unit"]
    fields = ["role", "unit", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "name", "unit", "job_title", "phone", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "unit", "grants__role"]
    search_fields = ["username", "name", "email", "phone"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
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
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "unit", "job_title", "phone", "password1", "password2"),
            },
        ),
    )


class OrgUnitAdminForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["name", "code", "kind", "parent", "is_active"]

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        unit = self.instance
        if parent is not None and unit.pk and (parent.pk == unit.pk or parent.path.startswith(unit.path)):
            raise forms.ValidationError(_("A unit cannot be moved under itself or one of its own sub-units."))
        return parent


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    form = OrgUnitAdminForm
    list_display = ["indented_name", "code", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    ordering = ["path"]
    readonly_fields = ["path", "depth", "created_at", "updated_at"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: OrgUnit) -> str:
        return "{}{}".format("\u3000" * obj.depth, obj.name)


class RoleAdminForm(forms.ModelForm):
    permissions = forms.MultipleChoiceField(
        label=_("permissions"),
        required=False,
        choices=list(perms.ALL_PERMISSIONS.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Role
        fields = ["code", "name_zh", "name_en", "scope", "permissions", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # keep codes an admin cannot see in the list (e.g. from a newer version) selectable
        current = list(self.initial.get("permissions") or [])
        known = dict(perms.ALL_PERMISSIONS)
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
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__name", "unit__name", "unit__code"]
    list_select_related = ["user", "role", "unit"]
    autocomplete_fields = ["user", "unit"]
    readonly_fields = ["created_at"]
