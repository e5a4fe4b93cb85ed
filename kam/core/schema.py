"""OpenAPI schema pieces shared by every app's API (drf-spectacular extensions).

drf-spectacular's django-filter extension reads each filter of a FilterSet *class*
(``base_filters``, the declared filters every request's FilterSet copies) and asks some of them
for their form field (``filter.field``), which django-filter builds once and caches on the
filter. Done on the class, that cache is copied into every later FilterSet, so whatever a
request would set on its own copy (an empty label, a queryset) no longer reaches the form:
after one ``GET /api/v1/schema/`` the customer list's selects read ``---------`` instead of
「全部」 for every user until a restart. :class:`IsolatedDjangoFilterExtension` hands the
generator a copy of each filter, so the schema leaves the shared declarations untouched.
"""

from __future__ import annotations

import copy

from drf_spectacular.contrib.django_filters import DjangoFilterExtension


class IsolatedDjangoFilterExtension(DjangoFilterExtension):
    """drf-spectacular's django-filter extension, reading copies of the declared filters."""

    priority = 1  # chosen over drf-spectacular's own (priority 0) for DjangoFilterBackend

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        # the copy FilterSet.__init__ would make, so nothing cached on it reaches base_filters
        return super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, copy.deepcopy(filter_field)
        )
