"""Form pieces shared by every app's pages: the one Tabler form mixin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import errors
from .widgets import DivisionPicker, date_widget_for

BLANK = "---------"


def _choose_label(field: forms.Field) -> None:
    """An empty select reads 「请选择」, not Django's ``---------``."""
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == BLANK:
            field.empty_label = _("Please choose")
    elif isinstance(field, forms.ChoiceField):
        choices = list(field.choices)
        if choices and choices[0] == ("", BLANK):
            field.choices = [("", _("Please choose")), *choices[1:]]


def widget_css(widget: forms.Widget) -> str:
    """Tabler's class for a widget: checkboxes, selects, everything else."""
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select | DivisionPicker):
        return "form-select"
    return "form-control"


class TablerFormMixin:
    """Tabler/Bootstrap classes on every widget, KAM's date picker (:class:`kam.core.widgets.DateInput`)
    on every date field left with Django's default widget, ``is-invalid`` on fields with errors, and a
    service's ValidationError put on the right fields (:func:`kam.core.errors.apply_to_form`).

    Mix in before ``forms.Form``/``forms.ModelForm``."""

    #: service field → form field, for errors (e.g. ``{"password": "password1"}``)
    service_field_map: Mapping[str, str] = {}

    fields: dict[str, forms.Field]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.style_widgets()

    def style_widgets(self) -> None:
        for field in self.fields.values():
            _choose_label(field)
            date_widget = date_widget_for(field)
            if date_widget is not None:
                field.widget = date_widget
            widget = field.widget
            css = widget_css(widget)
            current = widget.attrs.get("class", "")
            if css not in current.split():
                widget.attrs["class"] = (current + " " + css).strip()

    def add_error(self, field, error) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:
                widget = self.fields[name].widget
                css = widget.attrs.get("class", "")
                if "is-invalid" not in css.split():
                    widget.attrs["class"] = (css + " is-invalid").strip()

    def apply_service_error(
        self, exc: ValidationError, *, rows: Mapping[str, tuple[Any, Sequence[int]]] | None = None
    ) -> None:
        errors.apply_to_form(self, exc, rows=rows, field_map=self.service_field_map)


def error_summary(*parts) -> list[dict]:
    """Every error of a page's forms and formsets, in page order, for the summary at the top
    (count, place and a link to each field). ``parts`` are forms, or ``(formset, row label)``
    pairs — the row label names a row ("联系人 2")."""
    out: list[dict] = []

    def add_form(form, prefix: str = "") -> None:
        for name, messages in form.errors.items():
            if name in form.fields:
                bound = form[name]
                label = f"{prefix}{bound.label}" if prefix else str(bound.label)
                anchor = f"field-{bound.html_name}"
            else:
                label, anchor = prefix.rstrip(" ·"), ""
            for message in messages:
                out.append({"label": label, "message": message, "anchor": anchor})

    for part in parts:
        if part is None:
            continue
        if isinstance(part, tuple):
            formset, row_label = part
            for message in formset.non_form_errors():
                out.append({"label": str(row_label), "message": message, "anchor": ""})
            for i, form in enumerate(formset.forms):
                add_form(form, f"{row_label} {i + 1} · ")
        else:
            add_form(part)
    return out


class VersionedFormMixin:
    """An edit form of a versioned record (:mod:`kam.core.versioning`) carries the version it
    was opened with in a hidden ``version`` field; the view hands :meth:`opened_version` to the
    service as ``expected_version``. Call :meth:`add_version_field` in ``__init__`` once the
    instance is known (a new record has no version to carry)."""

    fields: dict[str, forms.Field]

    def add_version_field(self, instance) -> None:
        if getattr(instance, "pk", None) is None:
            return
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput,
            required=False,
            min_value=1,
            max_value=2**31 - 1,
            initial=instance.version,
        )

    def opened_version(self) -> int | None:
        """The version the user's page showed (None: a page from before versions — accepted)."""
        return self.cleaned_data.get("version") if "version" in self.fields else None  # type: ignore[attr-defined]
