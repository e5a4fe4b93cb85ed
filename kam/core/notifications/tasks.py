"""The delivery task (django-tasks): e-mail and group-robot messages are sent here, never in a
request (issue 8 §5).

:func:`deliver` sends the pending deliveries it is given that are due. A robot whose rate limit
is used up, or a send that failed, leaves the delivery pending with a later ``not_before``
(retries back off: 1, 2, 4 … minutes, ``KAM_NOTIFY_MAX_ATTEMPTS`` tries in all, each error
recorded) and enqueues it again to run then — with ``run_after`` where the task backend can
defer; otherwise :func:`deliver_due` (run every minute by the scheduler) picks it up. Idempotent:
a delivery already sent or given up is skipped, so a task run twice sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from . import robots
from .channels import Channel
from .models import Delivery, RobotWebhooks

log = logging.getLogger(__name__)


def _absolute(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return settings.KAM_BASE_URL + link


def _send_email(delivery: Delivery) -> None:
    note = delivery.notification
    body = note.body
    link = _absolute(note.link)
    if link:
        body = f"{body}\n\n{link}" if body else link
    send_mail(
        subject=note.title,
        message=body,
        from_email=None,
        recipient_list=[note.recipient.email],
        fail_silently=False,
    )


def _send_robot(delivery: Delivery, hooks: RobotWebhooks | None, now: dt.datetime) -> float:
    """Send to the robot; the seconds to wait when its rate limit is used up (0: sent)."""
    url = hooks.url_for(delivery.channel) if hooks is not None else ""
    if not url:
        raise robots.RobotError(_("No webhook is set for this robot."))
    wait = robots.take_token(url, now=now)
    if wait > 0:
        return wait
    note = delivery.notification
    payload = robots.message(delivery.channel, title=note.title, body=note.body, link=_absolute(note.link))
    robots.send(
        delivery.channel,
        url=url,
        secret=hooks.dingtalk_secret if hooks is not None else "",
        payload=payload,
        now=now,
    )
    return 0.0


def _retry_delay(attempts: int) -> float:
    return 60.0 * (2 ** max(0, attempts - 1))


def deliver_one(delivery: Delivery, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """Try one pending delivery; the time to try again, or None when it is done (sent, given up
    or not sendable)."""
    now = now or timezone.now()
    with transaction.atomic():
        # claim it: only a pending, due delivery is sent (two workers never send it twice)
        claimed = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING, not_before__lte=now).update(
            not_before=now + dt.timedelta(minutes=10)
        )
    if not claimed:
        return None
    note = delivery.notification
    hooks = RobotWebhooks.objects.filter(user_id=note.recipient_id).first() if delivery.channel != "email" else None
    retry_at = None
    try:
        with translation.override(settings.LANGUAGE_CODE):
            if delivery.channel == Channel.EMAIL:
                if not note.recipient.email:
                    delivery.status, delivery.last_error = Delivery.Status.SKIPPED, _("No e-mail address.")
                else:
                    _send_email(delivery)
                    delivery.status, delivery.sent_at, delivery.attempts = (
                        Delivery.Status.SENT,
                        now,
                        delivery.attempts + 1,
                    )
            else:
                wait = _send_robot(delivery, hooks, now)
                if wait > 0:
                    retry_at = now + dt.timedelta(seconds=wait)  # delayed, not dropped; no attempt used
                else:
                    delivery.status, delivery.sent_at = Delivery.Status.SENT, now
                    delivery.attempts += 1
    except robots.RobotError as exc:
        delivery.attempts += 1
        delivery.last_error = str(exc)
        retry_at = now + dt.timedelta(seconds=exc.retry_after or _retry_delay(delivery.attempts))
    except Exception as exc:  # noqa: BLE001 — SMTP and anything else: recorded, retried a bounded number of times
        delivery.attempts += 1
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        retry_at = now + dt.timedelta(seconds=_retry_delay(delivery.attempts))
    if retry_at is not None and delivery.attempts >= settings.KAM_NOTIFY_MAX_ATTEMPTS:
        delivery.status, retry_at = Delivery.Status.FAILED, None
        log.warning("notification delivery %s failed for good: %s", delivery.pk, delivery.last_error)
    delivery.not_before = retry_at or now
    Delivery.objects.filter(pk=delivery.pk).update(
        status=delivery.status,
        attempts=delivery.attempts,
        sent_at=delivery.sent_at,
        last_error=delivery.last_error,
        not_before=delivery.not_before,
    )
    return retry_at


def _again(ids: list[int], when: dt.datetime) -> None:
    """Enqueue ``ids`` to run at ``when`` — if the backend can defer; else the scheduler's
    :func:`deliver_due` picks them up."""
    if deliver.get_backend().supports_defer:
        deliver.using(run_after=when).enqueue(ids)


@task()
def deliver(delivery_ids: list[int]) -> dict:
    """Send the given deliveries (those still pending and due); re-enqueue the delayed ones."""
    counts = {"sent": 0, "delayed": 0, "done": 0}
    later: list[tuple[int, dt.datetime]] = []
    queryset = Delivery.objects.filter(pk__in=delivery_ids, status=Delivery.Status.PENDING).select_related(
        "notification__recipient"
    )
    for delivery in queryset.order_by("pk"):
        retry_at = deliver_one(delivery)
        if retry_at is not None:
            later.append((delivery.pk, retry_at))
            counts["delayed"] += 1
        elif delivery.status == Delivery.Status.SENT:
            counts["sent"] += 1
        else:
            counts["done"] += 1
    if later:
        _again([pk for pk, _when in later], max(when for _pk, when in later))
    return counts


@task()
def deliver_due() -> dict:
    """Send every pending delivery that is due (the scheduler runs this every minute; it also
    catches deliveries whose task was lost)."""
    ids = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, not_before__lte=timezone.now())
        .order_by("not_before")
        .values_list("pk", flat=True)[:5000]
    )
    return deliver.call(ids) if ids else {"sent": 0, "delayed": 0, "done": 0}
