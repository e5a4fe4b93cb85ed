"""Ending a user's access: their sessions and API token (issue 8 §7).

Called by kam.org when a user is deactivated, by the logout receiver and by "revoke my token"
(the user's page and ``DELETE /api/v1/auth/token/``)."""

from __future__ import annotations

import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .models import UserSession


def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def record_session(*, user: Any, session_key: str | None) -> None:
    """Remember that ``user`` holds the session ``session_key`` (at login). Sessions of the user
    older than the absolute session age are forgotten on the way (they have expired anyway)."""
    if not session_key:
        return
    stale = timezone.now() - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    UserSession.objects.filter(user=user, created_at__lt=stale).delete()
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def forget_session(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def end_sessions(*, user: Any) -> int:
    """Delete every session ``user`` holds from the session store (database, cache or signed
    cookies' server side alike): the next request of each is anonymous. Returns how many."""
    store = _session_store()
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def revoke_token(*, user: Any) -> bool:
    """Delete the user's API token (it stops working at once). True if there was one."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    return bool(deleted)


@transaction.atomic
def end_access(*, user: Any) -> None:
    """Sessions and API token, all at once (a deactivated user)."""
    end_sessions(user=user)
    revoke_token(user=user)


def token_lifetime() -> datetime.timedelta | None:
    """How long a token works after it was issued (``KAM_API_TOKEN_SECONDS``; None = for ever)."""
    seconds = settings.KAM_API_TOKEN_SECONDS
    return datetime.timedelta(seconds=seconds) if seconds > 0 else None


def token_expires_at(token: Token) -> datetime.datetime | None:
    lifetime = token_lifetime()
    return token.created + lifetime if lifetime is not None else None


def token_expired(token: Token, *, now: datetime.datetime | None = None) -> bool:
    expires = token_expires_at(token)
    return expires is not None and (now or timezone.now()) >= expires


@transaction.atomic
def issue_token(*, user: Any) -> Token:
    """The user's token for an API login: the one they hold while it works, else a new one."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_expired(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    return token


def token_of(*, user: Any) -> Token | None:
    """The user's working token, if any (an expired one counts as none)."""
    token = Token.objects.filter(user=user).first()
    return None if token is None or token_expired(token) else token
