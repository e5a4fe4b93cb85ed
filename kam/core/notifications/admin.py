"""The admin shows notifications and deliveries read-only (delivery errors are read here)."""

from django.contrib import admin

from .models import Delivery, Notification


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(_ReadOnly):
    list_display = ("created_at", "recipient", "kind", "title", "read_at", "in_app")
    list_filter = ("kind", "in_app")
    search_fields = ("title", "recipient__username")
    list_select_related = ("recipient",)


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly):
    list_display = ("notification", "channel", "status", "attempts", "not_before", "sent_at", "last_error")
    list_filter = ("channel", "status")
    list_select_related = ("notification",)
