"""What the jobs app plugs into the registry: its permission code, nav item, pages, API."""

from django.utils.translation import gettext_lazy as _

from kam.core.registry import PermissionCode, register

from .selectors import VIEW_ALL


def _mirror(sender, job, **kwargs) -> None:
    from .scheduler import mirror_job

    mirror_job(job)


def register_all() -> None:
    from .signals import job_finished

    job_finished.connect(_mirror, dispatch_uid="kam_jobs_mirror_scheduled_run")
    register("permissions", PermissionCode(VIEW_ALL, _("See every user's background jobs"), ("admin",), order=950))
