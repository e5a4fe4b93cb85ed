"""django-filter pieces shared by every app's FilterSets."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

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
