"""WeCom (企业微信) and DingTalk (钉钉) group robots: webhook validation, DingTalk's signature,
the messages, the per-robot rate limit, and the HTTP call (standard library, with a timeout,
no redirects).

* **Webhooks** are accepted only over https on the allowed hosts (``KAM_ROBOT_HOSTS``, by
  default ``qyapi.weixin.qq.com`` and ``oapi.dingtalk.com``): a user cannot make the server call
  an address of their choosing (SSRF); redirects are not followed either.
* **DingTalk's 加签**: ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" +
  secret)))``, with the timestamp in milliseconds, appended as ``&timestamp=…&sign=…``.
* **Rate limit**: both robots accept about 20 messages a minute; :func:`take_token` keeps a token
  bucket per webhook in the database (:class:`~.models.RobotBucket`, shared by every worker) and
  answers how long to wait — the task then delays the message instead of dropping it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .channels import Channel
from .models import RobotBucket

#: the robots' answers meaning "too many messages": wait and send again, not a failure
RATE_LIMITED_CODES = {45009, 130101, 130102}

ROBOT_HOSTS = {Channel.WECOM: "qyapi.weixin.qq.com", Channel.DINGTALK: "oapi.dingtalk.com"}


def validate_webhook(url: str, channel: str) -> str:
    """The webhook ``url`` if it is https on an allowed host (``KAM_ROBOT_HOSTS``), else a
    ``ValidationError`` in the user's language. An empty URL is allowed (no robot)."""
    url = (url or "").strip()
    if not url:
        return ""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise ValidationError(_("The webhook address may not contain spaces or control characters."), code="chars")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError for a port that is not a number
    except ValueError:
        raise ValidationError(
            _("Enter the robot's https webhook address on {hosts}.").format(hosts=" / ".join(settings.KAM_ROBOT_HOSTS)),
            code="host",
        ) from None
    allowed = [h.lower() for h in settings.KAM_ROBOT_HOSTS]
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or host not in allowed or parts.username or parts.password:
        raise ValidationError(
            _("Enter the robot's https webhook address on {hosts}.").format(hosts=" / ".join(allowed)), code="host"
        )
    if parts.port not in (None, 443):
        raise ValidationError(_("The webhook address may not name a port."), code="port")
    expected = ROBOT_HOSTS.get(channel)  # type: ignore[call-overload]
    if expected and expected in allowed and host != expected:
        raise ValidationError(_("This is not a webhook address of {host}.").format(host=expected), code="host")
    return url


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature of ``timestamp_ms``, URL-encoded (as the ``sign`` parameter)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The webhook URL with ``&timestamp=…&sign=…`` when the robot signs (a secret is set)."""
    if not secret:
        return url
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def message(channel: str, *, title: str, body: str, link: str) -> dict:
    """The robot's markdown message (WeCom: ``markdown.content``; DingTalk: ``markdown.title`` +
    ``markdown.text``). Markdown characters in the title are left as they are: robots render
    them, they cannot run anything."""
    lines = [f"**{title}**"]
    if body:
        lines.append(body)
    if link:
        lines.append("[{}]({})".format(_("Open in KAM"), link))
    text = "\n\n".join(lines)
    if channel == Channel.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": text[:4000]}}
    return {"msgtype": "markdown", "markdown": {"title": title[:100], "text": text[:4000]}}


@dataclass
class RobotError(Exception):
    """A robot call that failed; ``retry_after`` (seconds) when the robot said "too fast"."""

    detail: str
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.detail


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        raise urllib.error.HTTPError(req.full_url, code, "redirects are not followed", headers, fp)


_opener = urllib.request.build_opener(_NoRedirect)


def post_json(url: str, payload: dict, *, timeout: float) -> dict:
    """POST ``payload`` as JSON to ``url`` and decode the JSON answer (the transport the tests
    replace)."""
    request = urllib.request.Request(  # noqa: S310 — the URL was validated (https, allowed hosts)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with _opener.open(request, timeout=timeout) as response:
        raw = response.read(65536)
    return json.loads(raw.decode("utf-8") or "{}")


def send(channel: str, *, url: str, secret: str, payload: dict, now: dt.datetime | None = None) -> None:
    """Send one message to a robot; :class:`RobotError` when it fails or the robot refuses."""
    validate_webhook(url, channel)  # again: the allow-list may have changed since it was saved
    if channel == Channel.DINGTALK:
        url = dingtalk_url(url, secret, int((now or timezone.now()).timestamp() * 1000))
    try:
        answer = post_json(url, payload, timeout=settings.KAM_ROBOT_TIMEOUT)
    except urllib.error.HTTPError as exc:
        raise RobotError(f"HTTP {exc.code}", 60.0 if exc.code == 429 else None) from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise RobotError(f"{type(exc).__name__}: {exc}"[:500]) from None
    code = answer.get("errcode", 0) if isinstance(answer, dict) else -1
    if code:
        detail = "errcode {}: {}".format(code, answer.get("errmsg", ""))[:500]
        raise RobotError(detail, 60.0 if code in RATE_LIMITED_CODES else None)


def bucket_key(url: str) -> str:
    """The bucket of a webhook: its URL without the query's signature, hashed (the key or token
    in the URL is a credential; it is not stored twice)."""
    return hashlib.sha256(url.strip().encode("utf-8")).hexdigest()


def take_token(url: str, *, now: dt.datetime | None = None, per_minute: int | None = None) -> float:
    """Take one message's token from the webhook's bucket: 0 when the message may go now, else
    the seconds until a token is there (nothing is taken then). Capacity and refill are
    ``KAM_ROBOT_PER_MINUTE`` (a burst of that many, then one every 60/n seconds)."""
    now = now or timezone.now()
    capacity = float(per_minute or settings.KAM_ROBOT_PER_MINUTE)
    rate = capacity / 60.0
    with transaction.atomic():
        bucket, _created = RobotBucket.objects.select_for_update().get_or_create(
            key=bucket_key(url), defaults={"tokens": capacity, "updated_at": now}
        )
        elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
        tokens = min(capacity, bucket.tokens + elapsed * rate)
        if tokens >= 1.0:
            wait = 0.0
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / rate
        bucket.tokens, bucket.updated_at = tokens, max(now, bucket.updated_at)
        bucket.save(update_fields=["tokens", "updated_at"])
    return wait
