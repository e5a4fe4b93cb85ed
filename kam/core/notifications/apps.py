from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "kam.core.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from . import producers, registrations

        registrations.register_all()
        producers.connect()
