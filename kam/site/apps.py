"""The site: home page, navigation, URL assembly, the cross-app history viewer and the
``demo`` / ``gen-data`` / ``bench`` / ``serve`` commands. It sits on top of every app and reads
what they registered (kam.core.registry)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _apply_api_schema() -> None:
    """Every app's OpenAPI tags and enum names into drf-spectacular's settings (before first use)."""
    from django.conf import settings
    from drf_spectacular.settings import spectacular_settings

    from kam.core.registry import registry

    entries = registry["api_schema"]
    spectacular = settings.SPECTACULAR_SETTINGS
    spectacular["TAGS"] = [tag for entry in entries for tag in entry.tags]
    overrides = dict(spectacular.get("ENUM_NAME_OVERRIDES", {}))
    for entry in entries:
        overrides.update(entry.enum_overrides)
    spectacular["ENUM_NAME_OVERRIDES"] = overrides
    for attr in ("TAGS", "ENUM_NAME_OVERRIDES"):  # forget values read before this point, if any
        if attr in spectacular_settings._cached_attrs:
            delattr(spectacular_settings, attr)
            spectacular_settings._cached_attrs.discard(attr)


def _recent_changes(request):
    from kam.core.history import history_rows
    from kam.org.access import access_for

    from .selectors import changelog_list, history_permissions

    access = access_for(request.user)
    if not any(access.has(code) for code in history_permissions()):
        return None
    return {"history": history_rows(changelog_list(user=request.user)[:8])}


class SiteConfig(AppConfig):
    name = "kam.site"
    label = "site"
    verbose_name = _("Site")

    def ready(self) -> None:
        from kam.core.registry import ApiSchema, HomePanel, NavGroup, NavItem, register

        from .selectors import history_permissions

        # the areas of the sidebar, in order; an app puts its items into one by key
        register(
            "nav_groups",
            NavGroup("workbench", _("Workbench"), "layout-dashboard", order=0),
            NavGroup("customers", _("Customers"), "building", order=10),
            NavGroup("sales", _("Sales"), "receipt", order=20),
            NavGroup("visits", _("Visits"), "calendar-event", order=30),
            NavGroup("approvals", _("Approvals"), "checklist", order=40),
            NavGroup("performance", _("Performance and commission"), "award", order=50),
            NavGroup("reports", _("Reports"), "chart-bar", order=60),
            NavGroup("settings", _("Settings"), "settings", order=90),
        )
        register(
            "nav_items",
            NavItem("home", _("Workbench"), "layout-dashboard", None, order=0, tab_order=0, tab_label=_("Home")),
            NavItem("history", _("Change history"), "history", history_permissions, order=90),
            NavItem("me", _("Me"), "user", None, order=99, tab_order=99, sidebar=False),
        )
        register(
            "home_panels",
            HomePanel("recent-changes", "site/panels/recent.html", _recent_changes, order=40, size="half"),
        )
        register(
            "api_schema",
            ApiSchema(
                "site",
                tags=({"name": "changelog", "description": "Who changed what, when: old → new."},),
                enum_overrides={"ChangeActionEnum": "kam.site.api.serializers.ACTION_CHOICES"},
                order=90,
            ),
        )
        _apply_api_schema()
        # the Django admin carries KAM's name, not Django's
        from django.contrib import admin

        admin.site.site_header = _("KAM administration")
        admin.site.site_title = _("KAM administration")
        admin.site.index_title = _("Configuration")
