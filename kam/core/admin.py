"""Django admin helpers. Admin edits configuration; domain records — whose writes carry rules
enforced in services — are shown read-only there (architecture rule 1), so no rule can be
skipped by saving through the admin."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """A ModelAdmin that lets users look, never add, change or delete. Admin actions that call
    services stay available (declare them on the ModelAdmin)."""

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
