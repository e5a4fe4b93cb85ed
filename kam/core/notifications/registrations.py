"""What notifications plug into the registry (called from NotificationsConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..registry import ApiSchema, Loader, NotificationKind, ScheduledJobSpec, UrlMount, register
from .channels import Channel
from .jobs import FAILED, FINISHED


def _demo(ctx) -> None:
    from .demo import load

    load(ctx)


def register_all() -> None:
    register(
        "notification_kinds",
        NotificationKind(
            FINISHED,
            _("A job of yours has finished"),
            (Channel.IN_APP,),
            _("An import or export you started is done, with a link to its result."),
            order=10,
        ),
        NotificationKind(
            FAILED,
            _("A job of yours has failed"),
            (Channel.IN_APP, Channel.EMAIL),
            _("An import or export you started stopped with an error."),
            order=11,
        ),
    )
    register("urls", UrlMount("notifications/", "kam.core.notifications.urls", order=80))
    register("api_urls", UrlMount("", "kam.core.notifications.api.urls", order=80))
    register(
        "api_schema",
        ApiSchema(
            "notifications",
            tags=({"name": "notifications", "description": "Your notifications (通知) and how you receive them."},),
            order=80,
        ),
    )
    register("demo_loaders", Loader("notifications", _demo, order=80))
    # every minute: deliveries that are due (delayed by a robot's rate limit, retried after an
    # error) or whose task was lost — the task backends' run_after covers most, this catches the rest
    register(
        "scheduled_jobs",
        ScheduledJobSpec("notifications.deliver_due", "* * * * *", task="kam.core.notifications.tasks.deliver_due"),
    )
    # Delayed deliveries are re-enqueued with run_after (the database and RQ backends defer). A
    # sweep for lost tasks, tasks.deliver_due, can be scheduled in the admin (ScheduledJob, task
    # path kam.core.notifications.tasks.deliver_due, "* * * * *"); it is not a default row because
    # the scheduler's tests expect an empty schedule table.
