"""Session idle timeout and private caching (issue 8 §7)."""

import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import patch_cache_control

from . import services

LAST_SEEN = "kam_last_seen"
# the last-seen time is written at most this often (seconds): not a session write per request
TOUCH_EVERY = 60


class SessionIdleTimeoutMiddleware:
    """A signed-in session without a request for ``KAM_SESSION_IDLE_SECONDS`` is ended: the session
    is flushed (the user signs in again) — without the logout signal, so the user's API token stays.
    ``SESSION_COOKIE_AGE`` remains the absolute limit. 0 switches the idle timeout off."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        idle = settings.KAM_SESSION_IDLE_SECONDS
        user = getattr(request, "user", None)
        if idle > 0 and user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if isinstance(last, int) and now - last > idle:
                services.forget_session(session_key=request.session.session_key)
                request.session.flush()
                request.user = AnonymousUser()
            elif not isinstance(last, int) or now - last >= TOUCH_EVERY:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class HtmxLoginRedirectMiddleware:
    """An HTMX request whose session has ended (idle, signed out elsewhere, user deactivated) is
    sent to the login page as a whole page: a plain redirect would be followed inside the
    fragment and put the login form into a tab or a list."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get("HX-Request") == "true" and response.status_code == 302:
            location = response.get("Location", "")
            if location.startswith(resolve_url(settings.LOGIN_URL)):
                redirect = HttpResponse(status=204)
                redirect["HX-Redirect"] = location
                return redirect
        return response


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every answer to a signed-in user (session or token)
    and on every API answer: no shared cache or browser history keeps business data. Static files
    are answered by whitenoise before this runs and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path_info.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response
