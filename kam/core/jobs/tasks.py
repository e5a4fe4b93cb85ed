"""The django-tasks tasks of the jobs app. Every ``Job`` runs through :func:`run_job_task`;
scheduled runs of a plain task path through :func:`run_scheduled_task`. Both are idempotent: a
job or run that is no longer queued is left alone (a second delivery does nothing)."""

from django_tasks import task


@task()
def run_job_task(job_id: int) -> None:
    from .services import run_job

    run_job(job_id)


@task()
def run_scheduled_task(run_id: int) -> None:
    from .scheduler import run_scheduled

    run_scheduled(run_id)
