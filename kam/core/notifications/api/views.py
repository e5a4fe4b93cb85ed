"""/api/v1/notifications/ (issue 8 §5): your own notifications — list (``?unread=true``), mark
one or all read — and your preferences. Somebody else's notification answers 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ...api import StandardPagination
from .. import selectors, services
from ..models import Notification
from . import serializers as s

_R404 = OpenApiResponse(description="No such notification of yours.")
_R400 = OpenApiResponse(description="Invalid input: field errors under the field names.")


def _flag(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    word = value.strip().lower()
    if word in ("true", "1", "yes"):
        return True
    if word in ("false", "0", "no"):
        return False
    raise ValidationError({"unread": [_("Use true or false.")]})


@extend_schema(
    tags=["notifications"],
    summary="List your notifications",
    description="Your notifications, newest first; `unread=true` gives only the unread ones, `unread=false` "
    "only the read ones.",
    parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only unread (true) or only read (false).")],
)
class NotificationListView(generics.ListAPIView):
    serializer_class = s.NotificationSerializer
    pagination_class = StandardPagination
    filter_backends: list = []

    def get_queryset(self):
        unread = _flag(self.request.query_params.get("unread"))
        qs = selectors.notification_list(user=self.request.user)
        if unread is True:
            qs = qs.filter(read_at__isnull=True)
        elif unread is False:
            qs = qs.filter(read_at__isnull=False)
        return qs


class NotificationReadView(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="Mark a notification read",
        description="Marks one of your notifications read (already read: unchanged). Another user's "
        "notification answers 404.",
        request=None,
        responses={200: s.NotificationSerializer, 404: _R404},
    )
    def post(self, request, pk: int):
        note = get_object_or_404(Notification.objects.for_user(request.user).select_related("actor"), pk=pk)
        services.mark_read(actor=request.user, notification=note)
        return Response(s.NotificationSerializer(note).data)


class NotificationReadAllView(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="Mark all your notifications read",
        description="Marks every unread notification of yours read and says how many.",
        request=None,
        responses={200: s.ReadAllSerializer},
    )
    def post(self, request):
        return Response({"marked": services.mark_all_read(actor=request.user)})


def _preferences_data(user) -> dict:
    hooks = services.robot_webhooks(user)
    return {
        "kinds": services.preferences(user),
        "wecom_url": hooks.wecom_url,
        "dingtalk_url": hooks.dingtalk_url,
        "dingtalk_secret_set": bool(hooks.dingtalk_secret),
    }


class PreferencesView(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="Your notification preferences",
        description="Every kind of notification with the channels you get it on (in_app, email, wecom, "
        "dingtalk), and your group robots' webhooks.",
        responses={200: s.PreferencesSerializer},
    )
    def get(self, request):
        return Response(s.PreferencesSerializer(_preferences_data(request.user)).data)

    @extend_schema(
        tags=["notifications"],
        summary="Change your notification preferences",
        description="Kinds and fields left out keep their values. Webhooks must be https on the robots' hosts; "
        "a robot channel needs its webhook. Refused input changes nothing.",
        request=s.PreferencesSerializer,
        responses={200: s.PreferencesSerializer, 400: _R400},
    )
    def put(self, request):
        serializer = s.PreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.preferences_set(
            actor=request.user,
            kinds=serializer.to_kinds(),
            wecom_url=data.get("wecom_url"),
            dingtalk_url=data.get("dingtalk_url"),
            dingtalk_secret=data.get("dingtalk_secret"),
        )
        return Response(s.PreferencesSerializer(_preferences_data(request.user)).data, status=status.HTTP_200_OK)
