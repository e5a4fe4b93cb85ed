"""DRF serializer pieces shared by every app's API."""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .filters import ID_MAX


def parse_id(value) -> int | None:
    """``value`` as a record id: an ``int`` (or an integral float, or a string of digits, as form
    bodies send it) from 1 to 2⁶³−1. ``None`` for a whole number outside that range (no record can
    have it); ``TypeError`` for anything that is not a whole number at all — ``1e400`` (inf),
    ``1.5`` (which ``int()`` would quietly turn into 1), ``true``, ``"abc"``, lists, objects."""
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise TypeError(value)
        value = int(value)
    elif isinstance(value, str):
        digits = value.strip()
        if not (digits.isascii() and digits.isdigit()):
            raise TypeError(value)
        if len(digits) > len(str(ID_MAX)):
            return None
        value = int(digits)
    elif not isinstance(value, int):
        raise TypeError(value)
    return value if 1 <= value <= ID_MAX else None


def _shown(value) -> str:
    """``value`` for a message, cut short (a client may send a number of a thousand digits)."""
    try:
        text = value if isinstance(value, str) else repr(value)
    except ValueError:  # an int beyond sys.get_int_max_str_digits()
        text = type(value).__name__
    return text if len(text) <= 30 else text[:29] + "…"


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A related record by its id, checked as a whole number from 1 to 2⁶³−1 before the database
    sees it: no ``OverflowError`` from ``1e400`` or ``2**64``, and no ``1.5`` read as record 1.
    Not a whole number → ``incorrect_type``; out of range → ``does_not_exist`` (DRF's messages,
    which a subclass may override)."""

    default_error_messages = {"incorrect_type": _("Enter a record id (a whole number).")}

    def to_internal_value(self, data):
        try:
            pk = parse_id(data)
        except TypeError:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if pk is None:
            self.fail("does_not_exist", pk_value=_shown(data))
        return super().to_internal_value(pk)
