from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TabularConfig(AppConfig):
    """Excel import/export (R2.3): pages under /imports/, API under /api/v1/ (imports, exports)."""

    name = "kam.core.tabular"
    label = "tabular"
    verbose_name = _("Excel import and export")

    def ready(self) -> None:
        from kam.core.registry import ApiSchema, UrlMount, register

        register("urls", UrlMount("imports/", "kam.core.tabular.urls", order=90))
        register("api_urls", UrlMount("", "kam.core.tabular.api", order=90))
        register(
            "api_schema",
            ApiSchema(
                "tabular",
                tags=(
                    {"name": "imports", "description": "Excel import and export (R2.3): imports, exports, templates."},
                ),
                order=90,
            ),
        )

        from .jobs import KINDS

        register("job_kinds", *KINDS)
