"""Shared REST API pieces: pagination and the error format."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, pagination
from rest_framework.views import exception_handler as drf_exception_handler

from . import errors


class StandardPagination(pagination.PageNumberPagination):
    page_size = settings.KAM_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Turn service-layer Django errors into DRF's 400/403 with the messages intact.

    A service's ``ValidationError({"credit_code": [...]})`` answers ``400 {"credit_code": [...]}``;
    errors of nested rows (``contacts[1].phone``) take DRF's nested shape
    (:func:`kam.core.errors.api_detail`); model-wide errors (``__all__``) and plain messages land
    under ``non_field_errors`` like DRF's own. Messages are rendered in the request's language
    (LocaleMiddleware has activated it by the time the view runs).
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(errors.api_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
