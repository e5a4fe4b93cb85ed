"""Who sees which jobs (issue 8 §1): a user sees the jobs they started; superusers and holders of
``jobs.view_all`` see every job. Out of the set → 404 in pages and API."""

from __future__ import annotations

from django.db.models import QuerySet

from kam.core.perms import user_has

from .models import Job

VIEW_ALL = "jobs.view_all"


def sees_all_jobs(user) -> bool:
    return user_has(user, VIEW_ALL)


def jobs_visible_to(user) -> QuerySet[Job]:
    """The jobs ``user`` may see, newest first, with their actor."""
    qs = Job.objects.select_related("actor")
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return qs.none()
    if sees_all_jobs(user):
        return qs
    return qs.filter(actor=user)
