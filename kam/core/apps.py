from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kam.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # change-log signal handlers, system checks, the OpenAPI extensions (registered on import)
        from . import changes, checks, schema  # noqa: F401
        from .registry import UrlMount, register

        # the print view and PDF of every registered paper form (kam/core/printing)
        register("urls", UrlMount("print/", "kam.core.printing.urls", order=85))
