"""The import/export API (R2.3), so imports and exports can be scripted:

* ``POST /api/v1/imports/`` — multipart ``spec``, ``file``, ``mode`` (``create|update|upsert``),
  ``dry_run`` (``true|false``) → 202 with the job and its result: ``created``, ``updated``,
  ``unchanged``, ``errors`` and ``error_rows`` (``{row, column, message}``);
* ``GET /api/v1/imports/templates/{spec}/`` — the spec's template (.xlsx);
* ``POST /api/v1/exports/`` — ``spec`` and the list's filter parameters → 202 with the job whose
  result has the download URL.

401 without credentials, 403 without the spec's permission, 400 (in the user's language) for a
refused file or bad parameters — nothing written.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kam.core.jobs.services import job_start
from kam.core.parsers import KamJSONParser
from kam.core.registry import registry

from . import engine
from .reader import FileRefused
from .specs import MODES
from .views import template_response

_ERROR_ROW = inline_serializer(
    "ImportErrorRow",
    {"row": serializers.IntegerField(), "column": serializers.CharField(), "message": serializers.CharField()},
)
_RESULT = inline_serializer(
    "ImportResult",
    {
        "spec": serializers.CharField(),
        "mode": serializers.CharField(),
        "dry_run": serializers.BooleanField(),
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "errors": serializers.IntegerField(),
        "error_rows": _ERROR_ROW,
    },
)
_JOB = inline_serializer(
    "ImportJob",
    {
        "id": serializers.IntegerField(),
        "status": serializers.CharField(),
        "done": serializers.IntegerField(),
        "total": serializers.IntegerField(allow_null=True),
        "result": _RESULT,
        "error": serializers.CharField(),
    },
)


class ImportRequest(serializers.Serializer):
    spec = serializers.CharField(help_text="The table: `customers` or `contacts`.")
    mode = serializers.ChoiceField(choices=MODES, default="upsert")
    dry_run = serializers.BooleanField(default=True, help_text="`true`: validate and count only.")
    file = serializers.FileField(help_text="An .xlsx workbook or a .csv file (UTF-8 or GB18030).")


class ExportRequest(serializers.Serializer):
    spec = serializers.CharField(help_text="The table: `customers` or `contacts`.")


def _job(job) -> dict:
    """The job as answered (its detail is ``GET /api/v1/jobs/{id}/``); with an immediate task
    backend (tests) it has already run."""
    job.refresh_from_db()
    return {
        "id": job.pk,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "result": job.result,
        "error": job.error,
    }


def _refuse_unless_allowed_somewhere(user, actions) -> None:
    """403 before any parameter is looked at for a user who may do none of ``actions`` on any
    table (a caller without permission learns nothing from a 400)."""
    if not any(s.permission(user, a) for s in registry["import_specs"] for a in actions):
        raise PermissionDenied


def _spec(key: str):
    try:
        return engine.get_spec(key)
    except KeyError:
        raise DRFValidationError({"spec": [_("Unknown table.")]}) from None


@extend_schema(tags=["imports"])
class ImportView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, KamJSONParser]

    @extend_schema(
        summary="Import a spreadsheet",
        description=(
            "Validate every row (`dry_run=true`) or write all rows or none (`dry_run=false`). The answer is the job "
            "with its result: the counts `created`, `updated`, `unchanged`, `errors` and `error_rows` by row and "
            "column."
        ),
        request={"multipart/form-data": ImportRequest},
        responses={
            202: _JOB,
            400: OpenApiResponse(description="A refused file or bad parameters (nothing written)."),
            403: OpenApiResponse(description="You may not import into this table in this mode."),
        },
    )
    def post(self, request):
        _refuse_unless_allowed_somewhere(request.user, MODES)
        spec = _spec(str(request.data.get("spec", "")))
        mode = str(request.data.get("mode") or "upsert")
        if mode in MODES and not spec.permission(request.user, mode):
            raise PermissionDenied(_("You may not import in this mode."))
        data = ImportRequest(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            token = engine.store_upload(upload, upload.name)
        except FileRefused as exc:
            raise DRFValidationError({"file": [str(exc)]}) from None
        params = {"spec": spec.key, "token": token, "mode": mode, "dry_run": data.validated_data["dry_run"]}
        with transaction.atomic():
            job = job_start(actor=request.user, kind="tabular.import", params={**params, "discard": True})
        return Response(_job(job), status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["imports"])
class TemplateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Download an import template",
        description="The spec's headings, an example row and drop-down lists for the choice columns (.xlsx).",
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY},
    )
    def get(self, request, spec: str):
        try:
            s = engine.get_spec(spec)
        except KeyError:
            raise NotFound from None
        if not any(s.permission(request.user, m) for m in MODES):
            raise PermissionDenied
        return template_response(s)


@extend_schema(tags=["imports"])
class ExportView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, KamJSONParser]

    @extend_schema(
        summary="Export a list",
        description=(
            "The list exactly as the list page shows it for the same filter parameters (query string or form "
            "fields besides `spec`), in your scope, as .xlsx. The answer is the job whose result has `url`."
        ),
        request={
            "application/json": ExportRequest,
            "application/x-www-form-urlencoded": ExportRequest,
            "multipart/form-data": ExportRequest,
        },
        responses={202: _JOB, 400: OpenApiResponse(description="Bad filter parameters."), 403: OpenApiResponse()},
    )
    def post(self, request):
        params = request.query_params.copy()
        if hasattr(request.data, "lists"):
            for k, v in request.data.lists():
                params.setlist(k, v)
        elif isinstance(request.data, dict):
            for k, v in request.data.items():
                params.setlist(str(k), [str(x) for x in v] if isinstance(v, list) else [str(v)])
        _refuse_unless_allowed_somewhere(request.user, ("export",))
        key = (params.pop("spec", None) or [""])[-1]
        spec = _spec(key)
        if not spec.permission(request.user, "export"):
            raise PermissionDenied
        try:
            spec.export_rows(request.user, params)  # validates the parameters before answering
        except ValidationError as exc:
            raise DRFValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None
        with transaction.atomic():
            job = job_start(
                actor=request.user,
                kind="tabular.export",
                params={"spec": spec.key, **{k: params.getlist(k)[-1] for k in params}},
            )
        return Response(_job(job), status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("imports/", ImportView.as_view(), name="api-imports"),
    path("imports/templates/<slug:spec>/", TemplateView.as_view(), name="api-import-template"),
    path("exports/", ExportView.as_view(), name="api-exports"),
]
