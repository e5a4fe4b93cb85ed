"""The notification of a finished job (issue 8 §5, first producer): "你的导入任务已完成 …" with a
link to the job, to the user who started it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .services import Draft

FINISHED = "jobs.finished"
FAILED = "jobs.failed"

_FAILED_STATUSES = {"failed"}
_QUIET_STATUSES = {"cancelled"}  # the user cancelled it: nothing to tell them


def _kind_label(job: Any) -> str:
    return str(getattr(job, "kind_label", "") or getattr(job, "kind", "") or _("background"))


def _link(job: Any) -> str:
    """The job's page (``get_absolute_url``, else ``jobs:detail``), or "" while there is none."""
    url = getattr(job, "get_absolute_url", None)
    try:
        return str(url()) if callable(url) else reverse("jobs:detail", args=[job.pk])
    except NoReverseMatch:
        return ""


def job_draft(job: Any) -> Draft | None:
    """The draft for ``job`` in the language it was started in (None when nobody started it,
    e.g. a scheduled run, or its starter cancelled it)."""
    with translation.override(getattr(job, "language", "") or settings.LANGUAGE_CODE):
        return _draft(job)


def _draft(job: Any) -> Draft | None:
    actor_id = getattr(job, "actor_id", None)
    if actor_id is None:
        return None
    status = str(getattr(job, "status", "") or "").lower()
    if status in _QUIET_STATUSES:
        return None
    failed = status in _FAILED_STATUSES
    what = _kind_label(job)
    title = str(getattr(job, "title", "") or "")
    if failed:
        heading = _("Your {kind} job failed: {title}").format(kind=what, title=title)
        body = str(getattr(job, "error", "") or "")[:2000]
    else:
        heading = _("Your {kind} job has finished: {title}").format(kind=what, title=title)
        body = _summary(getattr(job, "result", None))
    return Draft(
        recipient_id=actor_id,
        kind=FAILED if failed else FINISHED,
        title=heading.rstrip(": ").rstrip("：")[:200],
        body=body,
        link=_link(job),
        data={"job": getattr(job, "pk", None), "status": status},
    )


def _summary(result: Any) -> str:
    """A line of the job's counts (created, updated, unchanged, errors, rows) when it has them."""
    if not isinstance(result, dict):
        return ""
    labels = {
        "created": pgettext("job result", "created"),
        "updated": pgettext("job result", "updated"),
        "unchanged": pgettext("job result", "unchanged"),
        "errors": pgettext("job result", "errors"),
        "rows": pgettext("job result", "rows"),
    }
    parts = []
    for key, label in labels.items():
        value = result.get(key)
        if isinstance(value, list):
            value = len(value)
        if isinstance(value, int) and not isinstance(value, bool):
            parts.append(f"{label} {value}")
    return pgettext("between counts", ", ").join(parts) if parts else ""
