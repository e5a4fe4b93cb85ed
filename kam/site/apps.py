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


class SiteConfig(AppConfig):
    name = "kam.site"
    label = "site"
    verbose_name = _("Site")

    def ready(self) -> None:
        from kam.core.registry import ApiSchema, NavItem, register

        from .selectors import history_permissions

        register(
            "nav_items",
            NavItem("home", _("Home"), "home", None, order=0),
            NavItem("history", _("History"), "history", history_permissions, order=90),
            NavItem("api-docs", _("API"), "api", None, order=100),
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
