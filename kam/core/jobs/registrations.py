"""What the jobs app plugs into the registry: its permission code, nav item, pages, API."""

from django.utils.translation import gettext_lazy as _

from kam.core.registry import (
    ApiSchema,
    JobKind,
    Loader,
    NavItem,
    PermissionCode,
    ScheduledJobSpec,
    UrlMount,
    register,
)

from .selectors import VIEW_ALL


def _mirror(sender, job, **kwargs) -> None:
    from .scheduler import mirror_job

    mirror_job(job)


def _prune(run):
    from .maintenance import prune_jobs

    return prune_jobs(run)


def _demo(ctx):
    from .demo import load

    load(ctx)


def register_all() -> None:
    from .signals import job_finished

    job_finished.connect(_mirror, dispatch_uid="kam_jobs_mirror_scheduled_run")
    register("permissions", PermissionCode(VIEW_ALL, _("See every user's background jobs"), ("admin",), order=950))
    register("job_kinds", JobKind("jobs.prune", _("Delete old finished jobs"), _prune, order=900))
    # every night at 03:30 Shanghai time
    register("scheduled_jobs", ScheduledJobSpec("jobs.prune", "30 3 * * *", kind="jobs.prune", order=900))
    register("nav_items", NavItem("jobs:list", _("My jobs"), "list-check", None, order=95, group="workbench"))
    register("urls", UrlMount("jobs/", "kam.core.jobs.urls", order=85))
    register("api_urls", UrlMount("", "kam.core.jobs.api_urls", order=85))
    register(
        "api_schema",
        ApiSchema(
            "jobs",
            tags=({"name": "jobs", "description": "Background jobs: progress, result, cancel, download."},),
            enum_overrides={"JobStatusEnum": "kam.core.jobs.models.JOB_STATUS_CHOICES"},
            order=85,
        ),
    )
    register("demo_loaders", Loader("jobs", _demo, order=90))
