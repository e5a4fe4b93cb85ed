"""Background jobs and the scheduler (issue 8 §1): the ``Job`` record users see, the django-tasks
task that runs it, periodic ``ScheduledJob`` rows and the reaper. Infrastructure of kam.core:
apps register job kinds (``job_kinds``) and default schedules (``scheduled_jobs``)."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "kam.core.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import registrations

        registrations.register_all()
        from .scheduler import sync_after_migrate

        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="kam_sync_scheduled_jobs")
