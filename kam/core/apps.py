from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kam.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # change-log signal handlers, system checks, the OpenAPI extensions (registered on import)
        from . import changes, checks, schema  # noqa: F401
