"""Shared REST API pieces: pagination and the error format."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from rest_framework import exceptions, pagination
from rest_framework.views import exception_handler as drf_exception_handler

from . import errors
from .errors import message_text as message_text_of
from .parsers import body_too_large
from .versioning import ConflictError


class StandardPagination(pagination.PageNumberPagination):
    page_size = settings.KAM_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Turn service-layer Django errors into DRF's 400/403 with the messages intact, and Django's
    refusals of oversized request bodies into the API's JSON 400 (not the HTML error page).

    A service's ``ValidationError({"credit_code": [...]})`` answers ``400 {"credit_code": [...]}``;
    errors of nested rows (``contacts[1].phone``) take DRF's nested shape
    (:func:`kam.core.errors.api_detail`); model-wide errors (``__all__``) and plain messages land
    under ``non_field_errors`` like DRF's own. Messages are rendered in the request's language
    (LocaleMiddleware has activated it by the time the view runs).
    """
    if isinstance(exc, ConflictError):
        # a service's expected_version was stale (kam.core.versioning): the API's answer is 412
        # (imported here: kam.core.etags imports DRF's generics, which import this module's pagination)
        from .etags import PreconditionFailed, etag_for

        view = context.get("view")
        if view is not None:
            view._current_etag = etag_for(exc.instance, exc.instance.pk, exc.current)
        exc = PreconditionFailed(message_text_of(exc))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(errors.api_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        exc = body_too_large()
    elif isinstance(exc, TooManyFieldsSent):
        exc = exceptions.ParseError(
            gettext("The request has too many fields: at most {limit} are allowed.").format(
                limit=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
            )
        )
    elif isinstance(exc, TooManyFilesSent):
        exc = exceptions.ParseError(
            gettext("The request has too many files: at most {limit} are allowed.").format(
                limit=settings.DATA_UPLOAD_MAX_NUMBER_FILES
            )
        )
    return drf_exception_handler(exc, context)
