"""Serializers of the change-log API."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kam.core.changes import ObjectChange

from ..forms import action_choices

# create / update / delete and every registered event ("archive", "restore", …)
ACTION_CHOICES = action_choices()


class ActorSerializer(serializers.Serializer):
    """Who made a change: the user's id (null for the system or a deleted user) and their name
    as it was then."""

    id = serializers.IntegerField(source="actor_id", allow_null=True, read_only=True)
    name = serializers.CharField(source="actor_name", read_only=True)


@extend_schema_field(
    {
        "type": "object",
        "description": "{field: [old, new]} — choice fields by their key, related objects by name.",
        "additionalProperties": {"type": "array", "items": {}, "minItems": 2, "maxItems": 2},
    }
)
class ChangesField(serializers.JSONField):
    pass


@extend_schema_field({"type": "object", "description": 'What an event recorded, e.g. {"reason": …}.'})
class EventDataField(serializers.JSONField):
    pass


def _type_key(ct) -> str | None:
    return f"{ct.app_label}.{ct.model}" if ct is not None else None


class ObjectChangeSerializer(serializers.ModelSerializer):
    """One change-log entry: who (actor), when, from where (source web/api/admin/command),
    what (``action``: create/update/delete, or an event such as ``archive``), which object
    (``object_type`` as ``app_label.model``, id and name), filed under which object
    (``parent_type``/``parent_id``; ``customer`` is the customer's id when that object is a
    customer), the changed fields as ``{field: [old, new]}`` and an event's ``data``."""

    actor = ActorSerializer(source="*", read_only=True)
    action = serializers.ChoiceField(choices=ACTION_CHOICES, read_only=True)
    object_type = serializers.SerializerMethodField()
    parent_type = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    changes = ChangesField(read_only=True)
    data = EventDataField(read_only=True)

    class Meta:
        model = ObjectChange
        fields = [
            "id",
            "time",
            "actor",
            "source",
            "request_id",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "parent_type",
            "parent_id",
            "customer",
            "changes",
            "data",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_object_type(self, obj: ObjectChange) -> str:
        """``app_label.model``, e.g. ``customers.contact``."""
        return _type_key(obj.content_type) or ""

    @extend_schema_field({"type": "string", "nullable": True})
    def get_parent_type(self, obj: ObjectChange) -> str | None:
        """``app_label.model`` of the object the change is filed under, e.g. ``customers.customer``."""
        return _type_key(obj.parent_type)

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_customer(self, obj: ObjectChange) -> int | None:
        """The id of the customer the change is filed under (null if none)."""
        return obj.parent_id if _type_key(obj.parent_type) == "customers.customer" else None
