"""ETags and ``If-Match`` for the API (issue 8 §6): lost updates answered with 412.

Every viewset of a :class:`~kam.core.versioning.VersionedModel` inherits :class:`ETagMixin`:

* a detail answer (``GET``, and the answer of a ``PUT``/``PATCH``/action) carries
  ``ETag: "customers.customer-12-3"`` — model, primary key and version;
* a write to one record (``PUT``, ``PATCH``, ``DELETE``, a ``POST`` action such as
  ``…/archive/``) with ``If-Match`` is carried out only if one of the listed tags is the
  record's current one (``*``: any version); otherwise **412 Precondition Failed**, with the
  current tag in ``ETag`` and nothing changed. Without ``If-Match`` the write is accepted as
  before. A header that is not a list of entity tags answers 400.
* the check and the write run in one transaction with the row locked
  (``SELECT … FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` serialises writers anyway), so two
  concurrent writes holding the same tag cannot both succeed.

**Strong tags, and why.** ``If-Match`` is evaluated with the *strong* comparison (RFC 9110
§13.1.1): a weak tag (``W/"…"``) can never satisfy it. The tag names one version of the record's
stored fields, which every write moves on (``kam.core.versioning``), so it is a strong validator
of what a write would overwrite. It is not offered as a cache validator: nested read-only parts
of an answer (a customer's contacts, the owner's name) change without the customer's version, so
``If-None-Match`` is not answered with 304 (API answers are ``private, no-store`` anyway). A tag
that reaches us weakened (``W/"…"``, e.g. by a compressing proxy) does not match: the write is
refused (412), never silently applied.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.db import models, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import SAFE_METHODS

from .versioning import VERSION_FIELD, is_versioned

# RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE ; etagc = %x21 / %x23-7E / obs-text
_ENTITY_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|\Z)')
_SEPARATORS = re.compile(r"[ \t,]*")  # empty list elements are ignored (RFC 9110 §5.6.1.2)
MAX_IF_MATCH = 2048  # characters of an If-Match header we read; a longer one is refused (400)


def etag_for(model: type[models.Model] | models.Model, pk: Any, version: int) -> str:
    """The strong ETag of version ``version`` of record ``pk``: ``"customers.customer-12-3"``."""
    return f'"{model._meta.label_lower}-{pk}-{version}"'


def parse_if_match(value: str) -> list[tuple[bool, str]] | None:
    """``If-Match`` as ``[(weak, tag)]`` (``tag`` with its quotes); ``None`` for ``*``.
    Raises ``ValueError`` for anything that is not ``*`` or a list of entity tags."""
    value = value.strip()
    if value == "*":
        return None
    if not value or len(value) > MAX_IF_MATCH:
        raise ValueError(value)
    tags: list[tuple[bool, str]] = []
    pos = _SEPARATORS.match(value).end()  # type: ignore[union-attr]
    while pos < len(value):
        m = _ENTITY_TAG.match(value, pos)
        if m is None:
            raise ValueError(value)
        tags.append((bool(m.group(1)), f'"{m.group(2)}"'))
        pos = _SEPARATORS.match(value, m.end()).end()  # type: ignore[union-attr]
    if not tags:
        raise ValueError(value)
    return tags


def if_match_passes(header: str, current: str) -> bool:
    """Whether a write with ``If-Match: header`` may go ahead on the record whose tag is
    ``current`` — strong comparison: a weak tag never matches (RFC 9110 §13.1.1)."""
    tags = parse_if_match(header)
    if tags is None:
        return True
    return any(not weak and tag == current for weak, tag in tags)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The record was changed after you read it; nothing was saved.")
    default_code = "precondition_failed"


class PreconditionFailedSerializer(serializers.Serializer):
    """Why a write was refused: the record is no longer at the version its ``If-Match`` named.
    The answer's ``ETag`` is the current tag; read the record again, then retry."""

    detail = serializers.CharField(label=_("detail"))


def _stale_message(current_version: int) -> str:
    return gettext(
        "The record was changed after you read it (it is now at version {version}); nothing was saved. "
        "Read it again and retry."
    ).format(version=current_version)


class ETagAutoSchema(AutoSchema):
    """Documents :class:`ETagMixin` in ``openapi.yaml``: the ``If-Match`` header and the 412
    answer of every guarded write, the ``ETag`` header of detail answers."""

    def _versioned_detail(self) -> bool:
        view = self.view
        queryset = getattr(view, "queryset", None)
        model = getattr(queryset, "model", None)
        return bool(getattr(view, "detail", False)) and model is not None and is_versioned(model)

    def _guarded(self) -> bool:
        return (
            self._versioned_detail()
            and self.method not in SAFE_METHODS
            and getattr(self.view, "action", None) not in getattr(self.view, "if_match_exempt", ())
        )

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self._guarded():
            params.append(
                OpenApiParameter(
                    "If-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        "The `ETag` of the record as you read it: the write is carried out only if the record "
                        "is still at that version, else 412 and nothing changes. `*` accepts any version; "
                        "without the header the write is accepted as before. Weak tags (`W/…`) never match."
                    ),
                )
            )
        if self._versioned_detail() and self.method != "DELETE":
            params.append(
                OpenApiParameter(
                    "ETag",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    response=["200", "412"],
                    description=(
                        "The record's current version as a strong entity tag, e.g. "
                        '`"customers.customer-12-3"`; send it back in `If-Match` to write safely.'
                    ),
                )
            )
        return params

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if self._guarded() and "412" not in bodies:
            bodies["412"] = self._get_response_for_code(
                OpenApiResponse(
                    PreconditionFailedSerializer,
                    description="`If-Match` named another version of the record: nothing was changed.",
                ),
                "412",
                direction=direction,
            )
        return bodies


class ETagMixin:
    """For a viewset of a versioned model: ``ETag`` on detail answers, ``If-Match`` honoured on
    writes to one record (see the module). ``if_match_exempt`` names detail actions that do not
    change the record (they are not guarded)."""

    schema = ETagAutoSchema()
    if_match_exempt: ClassVar[tuple[str, ...]] = ()

    def _model(self) -> type[models.Model]:
        queryset = getattr(self, "queryset", None)
        return queryset.model if queryset is not None else self.get_queryset().model  # type: ignore[attr-defined]

    def _guards_write(self) -> bool:
        request = self.request  # type: ignore[attr-defined]
        return (
            request.method not in SAFE_METHODS
            and bool(getattr(self, "detail", False))
            and getattr(self, "action", None) not in self.if_match_exempt
            and is_versioned(self._model())
        )

    def dispatch(self, request, *args, **kwargs):
        # a write to one record: the If-Match check (get_object) and the write in one transaction
        if request.method not in SAFE_METHODS and kwargs:
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        header = request.headers.get("If-Match")
        if header is not None and self._guards_write():
            try:
                parse_if_match(header)
            except ValueError:
                raise exceptions.ParseError(
                    gettext('The If-Match header must be * or a list of entity tags such as "customers.customer-1-2".')
                ) from None

    def get_object(self):
        obj = super().get_object()  # type: ignore[misc]
        if not self._guards_write():
            return obj
        model = type(obj)
        # lock the row, then compare: a concurrent write with the same tag waits here and then
        # sees the version the first one left
        current = model._base_manager.select_for_update().values_list(VERSION_FIELD, flat=True).get(pk=obj.pk)
        if current != getattr(obj, VERSION_FIELD):
            obj = super().get_object()  # type: ignore[misc]  # read again, after the lock
        tag = etag_for(model, obj.pk, current)
        self._current_etag = tag
        header = self.request.headers.get("If-Match")  # type: ignore[attr-defined]
        if header is not None and not if_match_passes(header, tag):
            raise PreconditionFailed(_stale_message(current))
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if response.status_code == status.HTTP_412_PRECONDITION_FAILED and getattr(self, "_current_etag", None):
            response["ETag"] = self._current_etag
        elif (
            200 <= response.status_code < 300
            and getattr(self, "detail", False)
            and isinstance(getattr(response, "data", None), dict)
            and "id" in response.data
            and isinstance(response.data.get(VERSION_FIELD), int)
        ):
            model = self._model()
            if is_versioned(model):
                response["ETag"] = etag_for(model, response.data["id"], response.data[VERSION_FIELD])
        return response
