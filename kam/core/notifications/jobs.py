"""The notification of a finished job (issue 8 §5, first producer): "你的导入任务已完成 …" with a
link to the job, to the user who started it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .services import Draft

FINISHED = "jobs.finished"
FAILED = "jobs.failed"

_FAILED_STATUSES = {"failed", "failure", "error", "cancelled", "canceled"}


def _kind_label(job: Any) -> str:
    label = getattr(job, "get_kind_display", None)
    text = str(label()) if callable(label) else str(getattr(job, "kind", "") or "")
    return text or _("background")


def _link(job: Any) -> str:
    url = getattr(job, "get_absolute_url", None)
    try:
        return str(url()) if callable(url) else ""
    except Exception:  # noqa: BLE001 — no page for this job: the notification still says what happened
        return ""


def job_draft(job: Any) -> Draft | None:
    """The draft for ``job`` (None when nobody started it, e.g. a scheduled run)."""
    actor_id = getattr(job, "actor_id", None)
    if actor_id is None:
        return None
    status = str(getattr(job, "status", "") or "").lower()
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
        "created": _("created"),
        "updated": _("updated"),
        "unchanged": _("unchanged"),
        "errors": _("errors"),
        "rows": _("rows"),
    }
    parts = []
    for key, label in labels.items():
        value = result.get(key)
        if isinstance(value, list):
            value = len(value)
        if isinstance(value, int) and not isinstance(value, bool):
            parts.append(f"{label} {value}")
    return _(", ").join(parts) if parts else ""
