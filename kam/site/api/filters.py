"""Filters of the change-log API."""

from __future__ import annotations

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from kam.core.changes import ObjectChange
from kam.core.filters import DateTimeFilter, IdFilter

from ..forms import action_choices, object_type_choices


def _keys(choices):
    return [(key, key) for key, _label in choices()]


class ObjectChangeFilter(django_filters.FilterSet):
    object_type = django_filters.ChoiceFilter(
        label=_("object type"),
        choices=_keys(object_type_choices),
        method="filter_object_type",
        help_text=_("app_label.model, e.g. customers.customer or customers.contact"),
    )
    object_id = IdFilter(label=_("object id"))
    parent_type = django_filters.ChoiceFilter(
        label=_("filed under (type)"),
        choices=_keys(object_type_choices),
        method="filter_parent_type",
        help_text=_("app_label.model of the object changes are filed under, e.g. customers.customer"),
    )
    parent_id = IdFilter(label=_("filed under (id)"))
    customer = IdFilter(
        label=_("customer"), method="filter_customer", help_text=_("Changes filed under this customer id")
    )
    actor = IdFilter(label=_("changed by"), field_name="actor", help_text=_("User id"))
    action = django_filters.ChoiceFilter(label=_("action"), choices=action_choices())
    source = django_filters.CharFilter(label=_("source"), help_text=_("web, api, admin, command or system"))
    request_id = django_filters.CharFilter(label=_("request id"))
    since = DateTimeFilter(label=_("since"), field_name="time", lookup_expr="gte")
    until = DateTimeFilter(label=_("until"), field_name="time", lookup_expr="lt")

    class Meta:
        model = ObjectChange
        fields = ["object_type", "object_id", "parent_type", "parent_id", "customer", "actor", "action", "source"]

    def filter_object_type(self, queryset, name, value: str):
        app_label, _dot, model = value.partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)

    def filter_parent_type(self, queryset, name, value: str):
        app_label, _dot, model = value.partition(".")
        return queryset.filter(parent_type__app_label=app_label, parent_type__model=model)

    def filter_customer(self, queryset, name, value):
        ct = ContentType.objects.get_by_natural_key("customers", "customer")
        return queryset.filter(parent_type=ct, parent_id=value)
