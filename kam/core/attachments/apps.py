from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    """Attachments (R2.2): a core sub-app with its own label and migrations."""

    name = "kam.core.attachments"
    label = "attachments"
    verbose_name = _("Attachments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kam.core.registry import ApiSchema, ChangeEvent, UrlMount, register

        from .services import REMOVE_EVENT

        register("change_events", ChangeEvent(REMOVE_EVENT, _("File removed"), order=60))
        register("urls", UrlMount("attachments/", "kam.core.attachments.urls", order=80))
        register("api_urls", UrlMount("", "kam.core.attachments.api_urls", order=80))
        register(
            "api_schema",
            ApiSchema(
                "attachments",
                tags=({"name": "attachments", "description": "Files attached to records (附件, R2.2)."},),
                order=80,
            ),
        )
