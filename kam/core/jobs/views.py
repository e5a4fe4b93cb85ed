"""The job pages (issue 8 §1): 我的任务 (the jobs you started; every job for superusers and holders
of ``jobs.view_all``), a job's page whose status part polls itself with HTMX every second while
the job runs, its cancel button and the download of its file — through this view, which checks
the job is visible to the user (never a public URL). Someone else's job → 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.core.views import paginate, run_service

from . import selectors, services
from .models import Job


def _job(request, pk: int) -> Job:
    return get_object_or_404(selectors.jobs_visible_to(request.user), pk=pk)


def _context(request, job: Job) -> dict:
    progress = services.live_progress(job)
    percent = job.percent
    if job.status == Job.Status.RUNNING and progress.total:
        percent = max(0, min(100, progress.done * 100 // progress.total))
    kind = services._kind(job.kind)
    return {
        "job": job,
        "result": job.result,
        "result_template": kind.result_template if kind is not None else "",
        "progress": progress,
        "percent": percent,
        "can_cancel": not job.is_finished and (request.user.is_superuser or job.actor_id == request.user.pk),
    }


@login_required
def job_list(request):
    sees_all = selectors.sees_all_jobs(request.user)
    qs = selectors.jobs_visible_to(request.user)
    mine = not sees_all or request.GET.get("mine") == "1"
    if sees_all and mine:
        qs = qs.filter(actor=request.user)
    page = paginate(qs, settings.KAM_PAGE_SIZE, request.GET.get("page"))
    for job in page.object_list:
        job.live = services.live_progress(job)
    return render(request, "jobs/job_list.html", {"page": page, "sees_all": sees_all, "mine": mine})


@login_required
def job_detail(request, pk: int):
    job = _job(request, pk)
    context = _context(request, job)
    if getattr(request, "htmx", False):
        return render(request, "jobs/_status.html", context)
    return render(request, "jobs/job_detail.html", context)


@login_required
@require_POST
def job_cancel(request, pk: int):
    job = _job(request, pk)
    return run_service(
        request,
        lambda: services.job_cancel(actor=request.user, job=job),
        success=_("Cancellation requested: the job stops at its next step."),
        redirect_to=job.get_absolute_url(),
    )


@login_required
def job_download(request, pk: int):
    job = _job(request, pk)
    if not job.file:
        raise Http404(_("This job has no file."))
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("This job's file is no longer there.")) from None
    return FileResponse(handle, as_attachment=True, filename=job.file_name or "download")
