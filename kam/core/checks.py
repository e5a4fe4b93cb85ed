"""System checks of KAM's own rules (``kam check`` runs them; so does CI)."""

from __future__ import annotations

from django.apps import apps
from django.core import checks


@checks.register()
def change_logged_managers(app_configs=None, **kwargs):
    """A change-logged model's default manager must refuse unlogged bulk updates
    (:class:`kam.core.changes.ChangeLoggedQuerySet`)."""
    from .changes import ChangeLoggedModel, ChangeLoggedQuerySet

    errors = []
    for model in apps.get_models():
        if not issubclass(model, ChangeLoggedModel):
            continue
        qs = model._default_manager.get_queryset()
        if not isinstance(qs, ChangeLoggedQuerySet):
            errors.append(
                checks.Error(
                    f"{model._meta.label}'s default manager does not build on ChangeLoggedQuerySet.",
                    hint="Use kam.core.changes.ChangeLoggedManager (or a manager made with from_queryset of a "
                    "ChangeLoggedQuerySet subclass).",
                    obj=model,
                    id="kam.E001",
                )
            )
    return errors
