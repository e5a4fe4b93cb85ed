"""Shared REST API pieces: pagination, error format, permission classes."""

from __future__ import annotations

import re

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, pagination, permissions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from kam.org.access import access_for


class StandardPagination(pagination.PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


# "contacts[0]" or "contacts[0].phone" — a service's error on one row of a nested list
_ROW_KEY = re.compile(r"^(?P<list>\w+)\[(?P<row>[^\]]+)\](?:\.(?P<field>\w+))?$")


def _field_key(key: str) -> str:
    return api_settings.NON_FIELD_ERRORS_KEY if key in (NON_FIELD_ERRORS, None) else key


def _errors_detail(error_dict) -> dict:
    """A service's ``{field: [errors]}`` as DRF's error body. Errors of nested rows
    (``contacts[1].phone``) take the shape DRF gives nested serializers,
    ``{"contacts": {"1": {"phone": [...]}}}``, so a client reads both the same way."""
    detail: dict = {}
    for key, errors in error_dict.items():
        messages = [str(m) for e in errors for m in e.messages]
        match = _ROW_KEY.match(key or "")
        if match:
            row = detail.setdefault(match["list"], {}).setdefault(match["row"], {})
            row.setdefault(_field_key(match["field"]), []).extend(messages)
        else:
            detail[_field_key(key)] = messages
    return detail


def exception_handler(exc, context):
    """Turn service-layer Django errors into DRF's 400/403 with the messages intact.

    A service's ``ValidationError({"credit_code": [...]})`` answers
    ``400 {"credit_code": [...]}``; model-wide errors (``__all__``) and plain messages land under
    ``non_field_errors`` like DRF's own. Messages are rendered in the request's language
    (LocaleMiddleware has activated it by the time the view runs).
    """
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = _errors_detail(exc.error_dict)
        else:
            detail = {api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


def HasKamPermission(permission: str):  # noqa: N802 — reads like a class in permission_classes
    """A DRF permission class requiring a KAM permission code (R1.2) → 403 without it."""

    class _HasKamPermission(permissions.BasePermission):
        def has_permission(self, request, view):
            return bool(request.user and request.user.is_authenticated and access_for(request.user).has(permission))

    _HasKamPermission.__name__ = "Has_{}".format(permission.replace(".", "_"))
    return _HasKamPermission


class KamActionPermission(permissions.BasePermission):
    """Per-action KAM permission for a viewset (R1.2): 401 anonymous, 403 without the code.

    The view names the code each action needs in ``kam_permissions`` —
    ``{"list": "customers.view", "create": "customers.add", ...}``; a value may be a tuple
    meaning "any of these". ``"metadata"`` (OPTIONS) falls back to the ``"list"`` code. A method
    the viewset does not route (``view.action is None``) passes here so the client gets the
    honest 405, not a 403. An action the view forgot to map is refused.
    """

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        action = getattr(view, "action", None)
        if action is None:
            return True
        required = getattr(view, "kam_permissions", {})
        codes = required.get(action) or (required.get("list") if action == "metadata" else None)
        if not codes:
            return False
        if isinstance(codes, str):
            codes = (codes,)
        access = access_for(user)
        return any(access.has(code) for code in codes)
