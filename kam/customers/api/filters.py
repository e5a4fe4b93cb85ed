"""Filters of the API: the customer list's (kam.customers.filters.CustomerFilter) and the change log's."""

from __future__ import annotations

import copy

import django_filters
from django.apps import apps
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from kam.core.changes import ChangeLoggedModel, ObjectChange

from ..filters import CustomerFilter


def _descending(label) -> str:
    return str(django_filters.OrderingFilter.descending_fmt) % label


_descending_lazy = lazy(_descending, str)


class CustomerApiFilter(CustomerFilter):
    """The HTML list's :class:`CustomerFilter`, unchanged, except that the sort options'
    "(descending)" labels stay lazy. django-filter formats them once, at import, in whatever
    language is active then, which makes the OpenAPI schema (and the labels) depend on which
    request first imported the URLs. Drop this class once CustomerFilter passes lazy descending
    labels itself (``field_labels={"-name": ...}``)."""


def _with_lazy_descending_labels(ordering: django_filters.OrderingFilter) -> django_filters.OrderingFilter:
    ordering = copy.deepcopy(ordering)
    choices = ordering.extra["choices"]
    ascending = {value: label for value, label in choices if not value.startswith("-")}
    ordering.extra["choices"] = [
        (value, _descending_lazy(ascending[value[1:]]) if value.startswith("-") and value[1:] in ascending else label)
        for value, label in choices
    ]
    return ordering


CustomerApiFilter.base_filters["ordering"] = _with_lazy_descending_labels(CustomerFilter.base_filters["ordering"])


def object_type_choices() -> list[tuple[str, str]]:
    """``app_label.model`` of every change-logged model, e.g. ``customers.contact``."""
    out = []
    for model in apps.get_models():
        if issubclass(model, ChangeLoggedModel):
            key = f"{model._meta.app_label}.{model._meta.model_name}"
            out.append((key, key))
    return sorted(out)


class ObjectChangeFilter(django_filters.FilterSet):
    object_type = django_filters.ChoiceFilter(
        label=_("object type"),
        choices=object_type_choices,
        method="filter_object_type",
        help_text=_("app_label.model, e.g. customers.customer or customers.contact"),
    )
    object_id = django_filters.NumberFilter(label=_("object id"))
    customer = django_filters.NumberFilter(
        label=_("customer"), field_name="customer", help_text=_("Changes filed under this customer id")
    )
    actor = django_filters.NumberFilter(label=_("changed by"), field_name="actor", help_text=_("User id"))
    action = django_filters.ChoiceFilter(label=_("action"), choices=ObjectChange.Action.choices)
    source = django_filters.CharFilter(label=_("source"), help_text=_("web, api, admin, command or system"))
    request_id = django_filters.CharFilter(label=_("request id"))
    since = django_filters.IsoDateTimeFilter(label=_("since"), field_name="time", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(label=_("until"), field_name="time", lookup_expr="lt")

    class Meta:
        model = ObjectChange
        fields = ["object_type", "object_id", "customer", "actor", "action", "source", "request_id"]

    def filter_object_type(self, queryset, name, value: str):
        app_label, _dot, model = value.partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)
