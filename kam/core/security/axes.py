"""django-axes, also against password spraying (issue 8 §7).

Axes counts failures per lockout-parameter group and compares the largest with one limit, so
``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]`` would lock an office behind
one address after five typos of different people — and a successful login of any of them would
reset the address's count (axes resets every group on success), which is what a sprayer holding one
valid account wants. So the parameters stay per username and IP address (reset on success), and
this handler adds a separate, higher count per IP address across usernames that a success does not
reset: ``KAM_LOGIN_IP_FAILURE_LIMIT`` failures from one address within the cool-off time lock that
address for every username (0 = off)."""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


class KamAxesHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        ip_limit = settings.KAM_LOGIN_IP_FAILURE_LIMIT
        ip_address = getattr(request, "axes_ip_address", None)
        if ip_limit <= 0 or not ip_address:
            return failures
        attempts = AccessAttempt.objects.filter(ip_address=ip_address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        from_address = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
        if from_address >= ip_limit:
            # locked as if this username had reached its own limit
            return max(failures, get_failure_limit(request, credentials))
        return failures
