"""Notification services (issue 8 §5): writing notifications, marking them read, preferences.

:func:`notify_many` is the one way notifications are made, by requests and jobs alike: it reads
every recipient's preferences in one query, writes the in-app rows and the pending deliveries
with one insert each, and enqueues the delivery task **when the transaction commits** — e-mail
and robot messages are sent by :func:`.tasks.deliver`, never inside the request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..context import attributed
from ..registry import NotificationKind, registry
from . import robots
from .channels import Channel
from .models import Delivery, Notification, NotificationPreference, RobotWebhooks


@dataclass(frozen=True)
class Draft:
    """A notification to be made: for ``recipient_id``, of a registered ``kind``."""

    recipient_id: int
    kind: str
    title: str
    body: str = ""
    link: str = ""
    actor_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


def kinds() -> tuple[NotificationKind, ...]:
    return registry["notification_kinds"]


def kind(key: str) -> NotificationKind:
    return registry.get("notification_kinds", key)


def channels_for(preferences: Mapping[tuple[int, str], NotificationPreference], user_id: int, key: str) -> set[str]:
    """The channels ``user_id`` gets ``key`` on: their preference, else the kind's defaults."""
    pref = preferences.get((user_id, key))
    if pref is not None:
        return pref.channels()
    return set(kind(key).default_channels)


def _enqueue(delivery_ids: list[int]) -> None:
    from .tasks import deliver

    for start in range(0, len(delivery_ids), 500):
        deliver.enqueue(delivery_ids[start : start + 500])


@transaction.atomic
def notify_many(drafts: Iterable[Draft]) -> list[Notification]:
    """Write ``drafts`` as notifications, as each recipient's preferences say (a kind switched
    off on every channel writes nothing; inactive users get nothing), and enqueue their
    e-mail/robot deliveries on commit. A constant number of queries however many drafts."""
    drafts = list(drafts)
    if not drafts:
        return []
    known = {k.key for k in kinds()}
    unknown = sorted({d.kind for d in drafts} - known)
    if unknown:
        raise ValueError("unregistered notification kinds: {}".format(", ".join(unknown)))
    user_ids = {d.recipient_id for d in drafts}
    users = {
        row[0]: row[1]
        for row in get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .values_list("pk", "email")
        .iterator(chunk_size=2000)
    }
    prefs = {
        (p.user_id, p.kind): p
        for p in NotificationPreference.objects.filter(user_id__in=users, kind__in={d.kind for d in drafts})
    }
    wanted = []
    for draft in drafts:
        if draft.recipient_id not in users:
            continue
        channels = channels_for(prefs, draft.recipient_id, draft.kind)
        if channels:
            wanted.append((draft, channels))
    robot_users = {d.recipient_id for d, ch in wanted if ch & set(robots_channels())}
    hooks = {h.user_id: h for h in RobotWebhooks.objects.filter(user_id__in=robot_users)} if robot_users else {}
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=d.recipient_id,
            kind=d.kind,
            title=d.title[:200],
            body=d.body,
            link=d.link[:500],
            actor_id=d.actor_id,
            created_at=now,
            in_app=Channel.IN_APP in ch,
            data=dict(d.data),
        )
        for d, ch in wanted
    ]
    created = Notification.objects.bulk_create(rows, batch_size=500)
    deliveries = []
    for note, (draft, channels) in zip(created, wanted, strict=True):
        if Channel.EMAIL in channels and users.get(draft.recipient_id):
            deliveries.append(Delivery(notification=note, channel=Channel.EMAIL, not_before=now))
        hook = hooks.get(draft.recipient_id)
        for channel in robots_channels():
            if channel in channels and hook is not None and hook.url_for(channel):
                deliveries.append(Delivery(notification=note, channel=channel, not_before=now))
    if deliveries:
        made = Delivery.objects.bulk_create(deliveries, batch_size=500)
        ids = [d.pk for d in made]
        transaction.on_commit(lambda: _enqueue(ids))
    return [n for n in created if n.in_app]


def robots_channels() -> tuple[str, ...]:
    return (Channel.WECOM, Channel.DINGTALK)


def notify(
    *, recipient, kind: str, title: str, body: str = "", link: str = "", actor=None, data=None
) -> Notification | None:
    """One notification (see :func:`notify_many`)."""
    made = notify_many([Draft(recipient.pk, kind, title, body, link, getattr(actor, "pk", None), dict(data or {}))])
    return made[0] if made else None


@attributed
@transaction.atomic
def mark_read(*, actor, notification: Notification) -> Notification:
    """Mark one of ``actor``'s notifications read (already read: unchanged)."""
    if notification.recipient_id != actor.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


@attributed
@transaction.atomic
def mark_all_read(*, actor) -> int:
    """Mark every unread notification of ``actor`` read; the number marked."""
    return Notification.objects.for_user(actor).unread().update(read_at=timezone.now())


# --- preferences --------------------------------------------------------------------------


def preferences(user) -> list[dict]:
    """Every registered kind with ``user``'s channels for it (two queries)."""
    rows = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    result = []
    for k in kinds():
        pref = rows.get(k.key)
        channels = pref.channels() if pref is not None else set(k.default_channels)
        result.append(
            {
                "kind": k.key,
                "label": str(k.label),
                "description": str(k.description or ""),
                "customised": pref is not None,
                **{c: c in channels for c in Channel.values},
            }
        )
    return result


def robot_webhooks(user) -> RobotWebhooks:
    return RobotWebhooks.objects.filter(user=user).first() or RobotWebhooks(user=user)


@attributed
@transaction.atomic
def preferences_set(
    *,
    actor,
    kinds: Mapping[str, Mapping[str, bool]] | None = None,
    wecom_url: str | None = None,
    dingtalk_url: str | None = None,
    dingtalk_secret: str | None = None,
) -> None:
    """Save ``actor``'s channels per kind (``{kind: {channel: on}}``; channels not named keep
    their value) and robot webhooks (None: unchanged; "" clears). Refuses unknown kinds or
    channels, webhooks off the allowed hosts, and a robot channel switched on without its
    webhook — with nothing saved."""
    errors: dict[str, list] = {}
    hooks = robot_webhooks(actor)
    for name, value, channel in (
        ("wecom_url", wecom_url, Channel.WECOM),
        ("dingtalk_url", dingtalk_url, Channel.DINGTALK),
    ):
        if value is None:
            continue
        try:
            setattr(hooks, name, robots.validate_webhook(value, channel))
        except ValidationError as exc:
            errors[name] = list(exc.messages)
    if dingtalk_secret is not None:
        secret = dingtalk_secret.strip()
        if len(secret) > 200 or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in secret):
            errors["dingtalk_secret"] = [_("Paste the secret exactly as DingTalk shows it (SEC…).")]
        hooks.dingtalk_secret = secret
    current = {row["kind"]: row for row in preferences(actor)}
    changed: dict[str, dict[str, bool]] = {}
    for key, values in (kinds or {}).items():
        if key not in current:
            errors.setdefault("kinds", []).append(_("Unknown kind of notification: {kind}").format(kind=key))
            continue
        if not isinstance(values, Mapping):
            errors.setdefault("kinds", []).append(_("Give the channels of {kind} as on/off values.").format(kind=key))
            continue
        row = {c: current[key][c] for c in Channel.values}
        for name, on in values.items():
            if name not in Channel.values or not isinstance(on, bool):
                errors.setdefault("kinds", []).append(
                    _("Unknown channel or value for {kind}: {channel}").format(kind=key, channel=name)
                )
                continue
            row[name] = on
        changed[key] = row
    final = {key: changed.get(key, {c: current[key][c] for c in Channel.values}) for key in current}
    for channel, url_field, label in (
        (Channel.WECOM, "wecom_url", _("WeCom")),
        (Channel.DINGTALK, "dingtalk_url", _("DingTalk")),
    ):
        if url_field not in errors and not getattr(hooks, url_field) and any(r[channel] for r in final.values()):
            errors.setdefault(url_field, []).append(
                _("Enter the {robot} robot's webhook before switching that channel on.").format(robot=label)
            )
    if errors:
        raise ValidationError(errors)
    if any(v is not None for v in (wecom_url, dingtalk_url, dingtalk_secret)):
        hooks.full_clean()
        hooks.save()
    for key, row in changed.items():
        NotificationPreference.objects.update_or_create(user=actor, kind=key, defaults=row)
