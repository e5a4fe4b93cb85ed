"""Reads of notifications: always the user's own (``Notification.objects.for_user``)."""

from __future__ import annotations

from .models import Notification


def notification_list(*, user, unread: bool = False):
    """``user``'s notifications, newest first (one query a page: the actor joined)."""
    qs = Notification.objects.for_user(user).select_related("actor")
    return qs.unread() if unread else qs


def unread_count(*, user) -> int:
    """The bell's number: one COUNT over the partial index of unread rows."""
    return Notification.objects.for_user(user).unread().count()
