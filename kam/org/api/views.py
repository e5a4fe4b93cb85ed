"""Token login for the API: POST username + password → token; DELETE revokes the caller's token.

It goes through ``django.contrib.auth.authenticate`` with the request, so django-axes counts
failures exactly as on the login page (``AXES_FAILURE_LIMIT`` per username and IP address) and
refuses even the right password while the lock lasts. A successful login sends
``user_logged_in`` like the login page does: ``last_login`` is updated and axes forgets the
earlier failures (``AXES_RESET_ON_SUCCESS``). Tokens expire (``KAM_API_TOKEN_SECONDS``,
kam.core.security); an expired one is replaced by the next login.
"""

import math

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from kam.core.security import services as security


class TokenLoginSerializer(serializers.Serializer):
    """Your KAM username and password."""

    # no longer than a username can be: a longer one would reach django-axes, whose failed-login
    # record holds 255 characters (PostgreSQL refused it: a 500)
    username = serializers.CharField(
        label=_("Username"), max_length=get_user_model()._meta.get_field("username").max_length
    )
    password = serializers.CharField(label=_("Password"), style={"input_type": "password"}, trim_whitespace=False)


class TokenLoginView(APIView):
    """Exchange a username and password for an API token (the same lockout as the login page)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        tags=["auth"],
        summary="Get an API token",
        description=(
            "Send your username and password; the answer holds your token. Send it on every other request "
            "as `Authorization: Token <token>`. The same token is returned on every login until it "
            "expires (`expires`; the server's KAM_API_TOKEN_SECONDS, 30 days unless set otherwise) or is "
            "revoked — by `DELETE` on this path, by logging out of the pages, or when the user is "
            "deactivated or given a new password. After repeated wrong passwords the account (or, after "
            "many failures for any usernames, the client's address) is locked for a while (429), even "
            "for the right password."
        ),
        request=TokenLoginSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {
                    "token": serializers.CharField(),
                    "expires": serializers.DateTimeField(
                        allow_null=True, help_text="When the token stops working (null: it does not expire)."
                    ),
                },
            ),
            400: OpenApiResponse(description="Wrong username or password, or a field missing."),
            429: OpenApiResponse(description="Locked after too many failed logins, or too many attempts."),
        },
        auth=[],
    )
    def post(self, request):
        ser = TokenLoginSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            django_request, username=ser.validated_data["username"], password=ser.validated_data["password"]
        )
        if getattr(django_request, "axes_locked_out", False):
            # Answer in JSON ourselves; AxesMiddleware would otherwise replace the answer with
            # the HTML lockout page.
            django_request.axes_locked_out = False
            return Response({"detail": self._locked_message(django_request)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None or not user.is_active:
            return Response(
                {"non_field_errors": [gettext("Wrong username or password.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        token = security.issue_token(user=user)
        return Response({"token": token.key, "expires": security.token_expires_at(token)})

    @extend_schema(
        tags=["auth"],
        summary="Revoke your API token",
        description=(
            "Deletes the token you authenticate with: it stops working at once (logging out of the "
            "pages does the same). The next `POST /api/v1/auth/token/` issues a new one."
        ),
        request=None,
        responses={204: OpenApiResponse(description="The token is revoked.")},
    )
    def delete(self, request):
        security.revoke_token(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # POST is the login (anonymous); DELETE revokes the caller's own token (authenticated)
    def get_authenticators(self):
        if self.request is not None and self.request.method == "DELETE":
            return [auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
        return []

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []

    @staticmethod
    def _locked_message(request) -> str:
        cool_off = get_cool_off(request)
        if cool_off:
            minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
            return gettext(
                "Too many failed logins: this account is locked for {minutes} minutes. "
                "Try again later or ask an administrator to unlock it."
            ).format(minutes=minutes)
        return gettext("Too many failed logins: this account is locked. Ask an administrator to unlock it.")
