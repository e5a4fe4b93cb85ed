"""The attachments API (R2.2).

``GET/POST /api/v1/<owners>/{id}/attachments/`` — an owner app mounts :class:`OwnerAttachmentsView`
for its model (the customer file: ``/api/v1/customers/{id}/attachments/``); ``GET
/api/v1/attachments/{id}/``, ``GET /api/v1/attachments/{id}/download/`` and ``DELETE
/api/v1/attachments/{id}/`` are core's. Access is the owning record's (:mod:`.services`): 401
anonymous, 403 without the owner's permission, 404 outside its scope. A refused upload answers
400 with the reasons under ``file`` and stores nothing.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services, views
from .models import Attachment

_R403 = OpenApiResponse(description="You lack the permission for this action.")
_R404 = OpenApiResponse(description="No such record within the data you may see.")


class AttachmentSerializer(serializers.ModelSerializer):
    file_name = serializers.CharField(source="original_name", read_only=True, help_text="The uploaded file's name.")
    record_type = serializers.SerializerMethodField(help_text="The owning record's kind, e.g. `customers.customer`.")
    record_id = serializers.IntegerField(source="owner_id", read_only=True)
    uploaded_by = serializers.SerializerMethodField(help_text="Who uploaded it (name).")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = (
            "id",
            "record_type",
            "record_id",
            "file_name",
            "description",
            "size",
            "kind",
            "content_type",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        )
        read_only_fields = fields

    def get_record_type(self, obj) -> str:
        ct = obj.owner_type
        return f"{ct.app_label}.{ct.model}"

    def get_uploaded_by(self, obj) -> str:
        user = obj.uploaded_by
        return (user.get_full_name() or user.get_username()) if user else ""

    def get_download_url(self, obj) -> str:
        return reverse("api-attachment-download", args=[obj.pk])


class AttachmentUploadSerializer(serializers.Serializer):
    """The multipart body of an upload (documentation: the view reads ``request.FILES``)."""

    file = serializers.ListField(child=serializers.FileField(), help_text="One or more files (repeat the part).")
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)


class OwnerAttachmentsView(APIView):
    """A record's files. Mounted by the owner's app with ``owner_model="app_label.Model"``."""

    owner_model = ""
    parser_classes = [MultiPartParser]

    def _owner(self, request, pk, *, change=False):
        return services.owner_get(user=request.user, model=self.owner_model, pk=pk, change=change)

    @extend_schema(
        tags=["attachments"],
        summary="List a record's attachments",
        description="The record's current files, newest first (removed ones are not listed).",
        responses={200: AttachmentSerializer(many=True), 403: _R403, 404: _R404},
    )
    def get(self, request, pk):
        owner = self._owner(request, pk)
        rows = services.attachments_of(owner).select_related("owner_type")
        return Response(AttachmentSerializer(rows, many=True).data)

    @extend_schema(
        tags=["attachments"],
        summary="Attach files to a record",
        description="Multipart: `file` (several allowed) and `description`. Each file's type is read "
        "from its content and must be on the allow-list and agree with its name; all files are "
        "stored or none.",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: AttachmentSerializer(many=True),
            400: OpenApiResponse(description="A file was refused (reasons under `file`); nothing was stored."),
            403: _R403,
            404: _R404,
        },
    )
    def post(self, request, pk):
        owner = self._owner(request, pk, change=True)
        stored = services.attachments_add(
            actor=request.user,
            owner=owner,
            files=request.FILES.getlist("file"),
            description=str(request.data.get("description", "") or ""),
        )
        return Response(AttachmentSerializer(stored, many=True).data, status=status.HTTP_201_CREATED)


class AttachmentView(APIView):
    @extend_schema(
        tags=["attachments"],
        summary="Get an attachment's details",
        description="Name, description, size, the type read from its content, SHA-256, who uploaded it "
        "and when, and the download URL. Visible to whoever may see the owning record.",
        responses={200: AttachmentSerializer, 403: _R403, 404: _R404},
    )
    def get(self, request, pk):
        return Response(AttachmentSerializer(services.attachment_get(user=request.user, pk=pk)).data)

    @extend_schema(
        tags=["attachments"],
        summary="Remove an attachment",
        description="The file leaves the record's list and can no longer be downloaded; the change "
        "log keeps the record of it.",
        responses={204: None, 403: _R403, 404: _R404},
    )
    def delete(self, request, pk):
        attachment = services.attachment_get(user=request.user, pk=pk, change=True)
        services.attachment_remove(actor=request.user, attachment=attachment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentDownloadView(APIView):
    def perform_content_negotiation(self, request, force=False):
        # the answer is the file, whatever the client accepts (errors are JSON)
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        tags=["attachments"],
        summary="Download an attachment",
        description="The file itself, always as a download (`Content-Disposition: attachment` with an ASCII "
        "name and the UTF-8 one, `X-Content-Type-Options: nosniff`).",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            403: _R403,
            404: _R404,
        },
    )
    def get(self, request, pk):
        return views.file_response(services.attachment_get(user=request.user, pk=pk))
