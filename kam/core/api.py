"""Shared REST API pieces: pagination, error format, permission classes."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, pagination, permissions
from rest_framework.views import exception_handler as drf_exception_handler

from kam.org.access import access_for


class StandardPagination(pagination.PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Turn service-layer Django errors into DRF's 400/403 with the messages intact."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
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
