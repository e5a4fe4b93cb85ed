"""Notifications, their deliveries, and each user's preferences (issue 8 §5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .channels import Channel


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> NotificationQuerySet:
        """``user``'s own notifications shown in the app — the only way pages and the API start
        (somebody else's notification answers 404)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user, in_app=True)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one user: what happened (``kind``, ``title``, ``body``), who did it, where
    to look (``link``, a path of this site), and when it was read. ``in_app`` is False when the
    user chose only e-mail/robots for the kind: the row then only carries the deliveries."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("heading"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caused by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    in_app = models.BooleanField(_("shown in the app"), default=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_recipient_idx"),
            # the bell's COUNT reads this small partial index only
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """Sending one notification on one channel (e-mail, WeCom, DingTalk) from a task: pending
    until sent, retried a bounded number of times (``KAM_NOTIFY_MAX_ATTEMPTS``), delayed — not
    dropped — while the robot's rate limit is used up (``not_before``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    not_before = models.DateTimeField(_("not before"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="notif_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["not_before"], condition=Q(status="pending"), name="notif_delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.status}"


class NotificationPreference(models.Model):
    """A user's channels for one kind. Without a row the kind's default channels apply
    (registry ``notification_kinds``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=64)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("e-mail"), default=False)
    wecom = models.BooleanField(_("WeCom robot"), default=False)
    dingtalk = models.BooleanField(_("DingTalk robot"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notif_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"

    def channels(self) -> set[str]:
        return {c for c in Channel.values if getattr(self, c)}


class RobotWebhooks(models.Model):
    """A user's group robots (企业微信 / 钉钉 群机器人): webhook URLs on the allowed hosts
    (``KAM_ROBOT_HOSTS``) and DingTalk's signing secret ("加签")."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="robot_webhooks"
    )
    wecom_url = models.URLField(_("WeCom robot webhook"), max_length=500, blank=True)
    dingtalk_url = models.URLField(_("DingTalk robot webhook"), max_length=500, blank=True)
    dingtalk_secret = models.CharField(_("DingTalk signing secret"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("group robots")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return str(self.user_id)

    def url_for(self, channel: str) -> str:
        return self.wecom_url if channel == Channel.WECOM else self.dingtalk_url if channel == Channel.DINGTALK else ""


class RobotBucket(models.Model):
    """The token bucket of one robot webhook (keyed by a hash of its URL): ``tokens`` left at
    ``updated_at``, refilled at ``KAM_ROBOT_PER_MINUTE`` a minute. In the database, so every
    worker process shares it."""

    key = models.CharField(_("webhook hash"), max_length=64, unique=True)
    tokens = models.FloatField(_("tokens"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("robot rate limit")
        verbose_name_plural = _("robot rate limits")

    def __str__(self) -> str:
        return self.key
