"""django-filter pieces shared by every app's FilterSets."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

ID_MAX = 2**63 - 1  # the largest id a 64-bit integer column holds (SQLite and PostgreSQL bigint)


class IdFormField(forms.IntegerField):
    """A record id: a whole number from 1 to 2⁶³−1. Anything else (``1e30``, ``9223372036854775808``,
    ``-1``, ``abc``) is a validation error — never an overflow in the database driver."""

    default_error_messages = {"invalid": _("Enter a record id (a whole number).")}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class IdFilter(django_filters.NumberFilter):
    """Filter by a record id (see :class:`IdFormField`). Give it a ``field_name`` of an integer
    column (also with ``method=``) so the OpenAPI schema says "integer"."""

    field_class = IdFormField


class DateTimeFormField(IsoDateTimeField):
    """An ISO 8601 date and time (as django-filter's), handed on in UTC. ``0001-01-01T00:00`` in
    Shanghai is in the year 0 in UTC, which Python cannot represent: a validation error here, not
    the database adapter's ``OverflowError``. And UTC sidesteps offsets that Python takes but
    PostgreSQL refuses (``+17:02``; it allows up to ±15:59)."""

    default_error_messages = {"out_of_range": _("Enter a date and time between the years 1 and 9999.")}

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and timezone.is_aware(result):
            try:
                return result.astimezone(datetime.UTC)
            except OverflowError:
                raise ValidationError(self.error_messages["out_of_range"], code="out_of_range") from None
        return result


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """Filter by an ISO 8601 date and time (see :class:`DateTimeFormField`)."""

    field_class = DateTimeFormField
