"""The change-log API: ``/api/v1/changelog/`` (read-only, scoped like the history page)."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets

from kam.core.changes import ObjectChange
from kam.org.api.permissions import KamActionPermission

from .. import selectors
from . import serializers as s
from .filters import ObjectChangeFilter


@extend_schema(tags=["changelog"])
@extend_schema_view(
    list=extend_schema(
        summary="List changes",
        description="Who changed what, when, old → new — for the customers you may see (their contacts "
        "and other parts included); the organisation's own changes with the change-log permission. "
        "Newest first.",
        parameters=[OpenApiParameter("customer", OpenApiTypes.INT, description="Changes filed under this customer id")],
    ),
    retrieve=extend_schema(
        summary="Get one change",
        description="One entry of the change log you may read.",
        responses={
            200: s.ObjectChangeSerializer,
            404: OpenApiResponse(description="No such record within the data you may see."),
        },
    ),
)
class ChangeLogViewSet(viewsets.ReadOnlyModelViewSet):
    """The change log (read-only)."""

    permission_classes = [KamActionPermission]
    serializer_class = s.ObjectChangeSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ObjectChangeFilter
    queryset = ObjectChange.objects.none()

    @property
    def kam_permissions(self):
        codes = selectors.history_permissions()
        return {"list": codes, "retrieve": codes}

    def get_queryset(self):
        return selectors.changelog_list(user=self.request.user)
