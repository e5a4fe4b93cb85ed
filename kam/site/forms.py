"""Forms of the site pages."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from kam.core.changes import ChangeLoggedModel, ObjectChange
from kam.core.forms import TablerFormMixin
from kam.core.history import SOURCE_LABELS
from kam.core.registry import registry
from kam.core.widgets import DateInput


def object_type_choices() -> list[tuple[str, str]]:
    """``app_label.model`` of every change-logged model, e.g. ``customers.contact``."""
    out = []
    for model in apps.get_models():
        if issubclass(model, ChangeLoggedModel):
            out.append((f"{model._meta.app_label}.{model._meta.model_name}", str(model._meta.verbose_name)))
    return sorted(out)


def action_choices() -> list[tuple[str, str]]:
    """create / update / delete and every registered event."""
    return [*ObjectChange.Action.choices, *((e.action, e.label) for e in registry["change_events"])]


class HistoryFilterForm(TablerFormMixin, forms.Form):
    object_type = forms.ChoiceField(label=_("object type"), required=False)
    action = forms.ChoiceField(label=_("action"), required=False)
    source = forms.ChoiceField(label=_("source"), required=False)
    since = forms.DateField(label=_("since"), required=False, widget=DateInput())
    until = forms.DateField(label=_("until"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("All")), *object_type_choices()]
        self.fields["action"].choices = [("", _("All")), *action_choices()]
        self.fields["source"].choices = [("", _("All")), *SOURCE_LABELS.items()]

    def filter(self, qs):
        data = self.cleaned_data
        if data.get("object_type"):
            app_label, _dot, model = data["object_type"].partition(".")
            qs = qs.filter(content_type__app_label=app_label, content_type__model=model)
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("source"):
            qs = qs.filter(source=data["source"])
        if data.get("since"):
            qs = qs.filter(time__date__gte=data["since"])
        if data.get("until"):
            qs = qs.filter(time__date__lte=data["until"])
        return qs
