"""Reads of the site: the change log a user may read, across every app (scoped through the
registered change-log parents)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from kam.core.changes import ObjectChange
from kam.core.registry import registry
from kam.org.access import access_for
from kam.org.permissions import CHANGELOG_ALL


def history_permissions() -> tuple[str, ...]:
    """The codes that let a user read some of the change log."""
    return (CHANGELOG_ALL, *(p.permission for p in registry["changelog_parents"]))


def changelog_list(*, user) -> QuerySet[ObjectChange]:
    """Changes ``user`` may read: those filed under a registered parent the user may see (a
    customer in scope: its own, its contacts', …); everything else — org units, users, grants —
    only with ``changelog.all`` granted at the root."""
    access = access_for(user)
    qs = ObjectChange.objects.select_related("actor", "content_type", "parent_type")
    if access.has(CHANGELOG_ALL) and access.sees_everything(CHANGELOG_ALL):
        return qs
    q = Q(pk__in=[])
    for parent in registry["changelog_parents"]:
        if not access.has(parent.permission):
            continue
        app_label, model = parent.model.split(".")
        ct = ContentType.objects.get_by_natural_key(app_label, model.lower())
        visible = parent.visible(user)
        q |= Q(parent_type=ct) if visible is None else Q(parent_type=ct, parent_id__in=visible)
    return qs.filter(q)
