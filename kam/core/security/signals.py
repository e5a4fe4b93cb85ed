"""Login and logout: a signed-in session is recorded (so it can be ended), logging out forgets it
and revokes the user's API token (issue 8 §7)."""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from . import services
from .middleware import LAST_SEEN


@receiver(user_logged_in, dispatch_uid="kam_security_logged_in")
def _logged_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    # the API's token login sends user_logged_in too, on a request without a session of its own
    if session is not None and session.session_key and "_auth_user_id" in session:
        services.record_session(user=user, session_key=session.session_key)
        # the idle clock starts at login (saved with the login's session): the first pages after
        # it do not write the session again
        session[LAST_SEEN] = int(time.time())


@receiver(user_logged_out, dispatch_uid="kam_security_logged_out")
def _logged_out(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    services.forget_session(session_key=session.session_key if session is not None else None)
    if user is not None:
        services.revoke_token(user=user)
