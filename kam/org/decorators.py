"""View decorators shared by every app's pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .access import access_for


def permission_required(permission: str, message=None):
    """Page views: anonymous → login page; without the KAM ``permission`` (R1.2) → 403.
    Scope (→ 404) is the view's own business: it fetches through ``restrict``."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not access_for(request.user).has(permission):
                raise PermissionDenied(message or _("You do not have permission to do this."))
            return view(request, *args, **kwargs)

        wrapped.kam_permission = permission  # read by the access-matrix test
        return wrapped

    return decorator
