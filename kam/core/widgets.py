"""Widgets. :class:`DateInput` / :class:`DateTimeInput` are the date fields of every page
(:class:`kam.core.forms.TablerFormMixin` puts them on any date field left with Django's default
widget). :class:`FastSelect` renders a <select> in Python instead of one template per
<option>: the customer list's filter bar has a few hundred options, and Django's template
widget rendering cost more than all the list's SQL on 100,000 customers. :class:`DivisionPicker`
and :class:`DivisionField`: a province → city → district choice stored as one GB/T 2260 code."""

from __future__ import annotations

import html

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html, json_script
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from . import divisions


def escape_text(value) -> str:
    """HTML-escape (& < > " ') without the lazy-string check Django's ``escape`` makes on every
    call — for HTML built in Python on hot paths (a filter bar's few hundred option labels, a
    100-row list's ~2,500 cells)."""
    return html.escape(str(value))


class FastSelect(forms.Select):
    @classmethod
    def from_widget(cls, widget: forms.Select) -> FastSelect:
        fast = cls(attrs=dict(widget.attrs), choices=widget.choices)
        fast.is_required = widget.is_required
        return fast

    def _options(self, choices, selected: set[str]) -> list[str]:
        out = []
        for value, label in choices:
            if isinstance(label, list | tuple):
                out.append(f'<optgroup label="{escape_text(value)}">')
                out.extend(self._options(label, selected))
                out.append("</optgroup>")
                continue
            key = "" if value is None else str(value)
            out.append(
                '<option value="{}"{}>{}</option>'.format(
                    escape_text(key), " selected" if key in selected else "", escape_text(label)
                )
            )
        return out

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = {"" if v is None else str(v) for v in self.format_value(value)}
        options = "".join(self._options(self.choices, selected))
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")


# ---------------------------------------------------------------- dates

#: the one format a date (and date-time) is shown and typed in, whatever the page language
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"


def _iso(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class _KamDateMixin:
    kam_attr: str
    kam_format: str
    placeholder: str

    def __init__(self, attrs=None, format=None, *, min=None, max=None):  # noqa: A002 — Django's names
        defaults: dict = {
            self.kam_attr: True,
            "inputmode": "numeric",
            "autocomplete": "off",
            "placeholder": self.placeholder,
            # the calendar's clear button on phones, where the box is read-only (static/kam/kam.js)
            self.kam_attr + "-clear": _("Clear"),
        }
        if min is not None:
            defaults[self.kam_attr + "-min"] = _iso(min)
        if max is not None:
            defaults[self.kam_attr + "-max"] = _iso(max)
        super().__init__({**defaults, **(attrs or {})}, format=format or self.kam_format)  # type: ignore[call-arg]


class DateInput(_KamDateMixin, forms.DateInput):
    """The date field of every page: a text box holding an ISO date (``2024-05-04``), which
    static/kam/kam.js turns into a flatpickr calendar in the page's language (``data-kam-date``).

    Without JavaScript it is still a plain box: a typed ISO date parses (every language's
    ``DATE_INPUT_FORMATS`` accept it), and a value the field refused is shown back as typed.
    Not ``type="date"``: the browser's own picker follows the OS locale, not the user's language.
    ``min``/``max`` (dates) bound the calendar (``data-kam-date-min``/``-max``) — a hint only:
    the range rule itself belongs to the form field's or the service's validation."""

    input_type = "text"
    kam_attr = "data-kam-date"
    kam_format = DATE_FORMAT
    placeholder = "YYYY-MM-DD"


class DateTimeInput(_KamDateMixin, forms.DateTimeInput):
    """:class:`DateInput` for a date and time (``2024-05-04 13:30``, 24-hour): ``data-kam-datetime``."""

    input_type = "text"
    kam_attr = "data-kam-datetime"
    kam_format = DATETIME_FORMAT
    placeholder = "YYYY-MM-DD HH:MM"


def date_widget_for(field: forms.Field) -> forms.Widget | None:
    """The KAM widget to put on ``field`` if it still has Django's default date (or date-time)
    widget, else None — a form that chose its own widget keeps it."""
    widget = field.widget
    if getattr(widget, "input_type", None) != "text":  # e.g. attrs={"type": "date"}: chosen on purpose
        return None
    new: forms.Widget
    if isinstance(field, forms.DateTimeField) and type(widget) is forms.DateTimeInput:
        new = DateTimeInput(attrs=widget.attrs, format=widget.format)
    elif isinstance(field, forms.DateField) and type(widget) is forms.DateInput:
        new = DateInput(attrs=widget.attrs, format=widget.format)
    else:
        return None
    new.is_required = widget.is_required
    new.is_localized = widget.is_localized
    return new


_BOX_CLASSES = ("form-control", "form-select")


class DivisionPicker(forms.Widget):
    """Three linked selects — province → city → district/county — for one GB/T 2260 code
    (:mod:`kam.core.divisions`); the value is the code of the most specific level chosen.

    The server renders the chain of the current value (each select holding the siblings of the
    chosen division), so the form works without JavaScript as far as it can: a changed province
    drops a city and district that are not in it, and the page shows the new province's cities
    when it comes back. ``static/kam/divisions.js`` fills the next select at once from the tree
    embedded once in the widget. A plain ``<name>`` in the data (an API-style post) is taken as
    the code itself."""

    LEVELS = ("province", "city", "district")

    def __init__(self, attrs=None, *, empty_label=None) -> None:
        super().__init__(attrs)
        self.empty_label = empty_label

    def subwidget_names(self, name: str) -> list[str]:
        return [f"{name}_{level}" for level in self.LEVELS]

    def value_from_datadict(self, data, files, name):
        if name in data:
            return data.get(name)
        province, city, district = (data.get(n) or "" for n in self.subwidget_names(name))
        if not city or city not in dict(divisions.children(province)):
            return province
        if district and district in dict(divisions.children(city)):
            return district
        return city

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data and not any(n in data for n in self.subwidget_names(name))

    def _labels(self) -> tuple[str, ...]:
        return (str(_("Province")), str(_("City")), str(_("District / county")))

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        base_id = final.pop("id", None) or f"id_{name}"
        css = " ".join(["form-select", *(c for c in final.pop("class", "").split() if c not in _BOX_CLASSES)])
        final.pop("required", None)
        empty = str(self.empty_label or _("Please choose"))
        chosen = divisions.picker_path(value if isinstance(value, str) else "")
        parents = (None, chosen[0], chosen[1])
        tree_id = f"{base_id}-tree"
        parts = [
            format_html(
                '<div class="row g-2 kam-division" data-kam-division data-kam-division-tree="{}" data-kam-empty="{}">',
                tree_id,
                empty,
            )
        ]
        for i, (sub_name, label) in enumerate(zip(self.subwidget_names(name), self._labels(), strict=True)):
            options = divisions.children(parents[i]) if i == 0 or parents[i] else []
            select_attrs = {
                **final,
                "id": base_id if i == 0 else f"{base_id}_{self.LEVELS[i]}",
                "name": sub_name,
                "class": css,
                "aria-label": label,
                "data-kam-level": str(i),
            }
            if not options and i:
                select_attrs["disabled"] = True
            opts = [format_html('<option value="">{}</option>', empty)]
            opts += [
                '<option value="{}"{}>{}</option>'.format(
                    escape(code), " selected" if code == chosen[i] else "", escape(text)
                )
                for code, text in options
            ]
            parts.append(
                '<div class="col-sm-4"><select{}>{}</select></div>'.format(flatatt(select_attrs), "".join(opts))
            )
        parts.append(json_script(divisions.tree(), tree_id))
        parts.append("</div>")
        return mark_safe("".join(parts))

    def id_for_label(self, id_):
        return id_


class DivisionField(forms.CharField):
    """A GB/T 2260 division code chosen with :class:`DivisionPicker`; an unknown code is a form
    error (the services check it again for every other entry point)."""

    widget = DivisionPicker
    default_error_messages = {"invalid_division": _("Choose a place from the list.")}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 6)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs

    def validate(self, value) -> None:
        super().validate(value)
        if value and not divisions.is_valid(value):
            raise forms.ValidationError(self.error_messages["invalid_division"], code="invalid_division")
