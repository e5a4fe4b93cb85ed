"""DRF token authentication whose tokens expire (``KAM_API_TOKEN_SECONDS`` after they were issued)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .services import token_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused (401) once the token has expired; an expired token
    is deleted, so the next login issues a new one."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise AuthenticationFailed(_("The token has expired: get a new one from POST /api/v1/auth/token/."))
        return user, token
