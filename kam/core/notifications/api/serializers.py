from __future__ import annotations

from rest_framework import serializers

from ..channels import Channel
from ..models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField(help_text="Who caused it (empty: the system).")
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "link",
            "actor",
            "actor_name",
            "created_at",
            "read_at",
            "is_read",
            "data",
        ]
        read_only_fields = fields

    def get_actor_name(self, obj: Notification) -> str:
        actor = obj.actor
        return (actor.get_full_name() or actor.get_username()) if actor else ""


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked read.")


class KindPreferenceSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="The kind's key, e.g. `customers.assigned`.")
    label = serializers.CharField(read_only=True)
    in_app = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    wecom = serializers.BooleanField(required=False)
    dingtalk = serializers.BooleanField(required=False)


class PreferencesSerializer(serializers.Serializer):
    kinds = KindPreferenceSerializer(
        many=True, required=False, help_text="Channels per kind; kinds left out keep theirs."
    )
    wecom_url = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="WeCom group robot webhook (empty: none)."
    )
    dingtalk_url = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="DingTalk group robot webhook (empty: none)."
    )
    dingtalk_secret = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        write_only=True,
        help_text="DingTalk's signing secret (加签); never returned. Empty removes it.",
    )
    dingtalk_secret_set = serializers.BooleanField(read_only=True, help_text="Whether a DingTalk secret is saved.")

    def to_kinds(self) -> dict[str, dict[str, bool]] | None:
        rows = self.validated_data.get("kinds")
        if rows is None:
            return None
        result: dict[str, dict[str, bool]] = {}
        for row in rows:
            result[row["kind"]] = {c: row[c] for c in Channel.values if c in row}
        return result
