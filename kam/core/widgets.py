"""Widgets. :class:`DateInput` / :class:`DateTimeInput` are the date fields of every page
(:class:`kam.core.forms.TablerFormMixin` puts them on any date field left with Django's default
widget). :class:`FastSelect` renders a <select> in Python instead of one template per
<option>: the customer list's filter bar has a few hundred options, and Django's template
widget rendering cost more than all the list's SQL on 100,000 customers."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


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
                out.append(f'<optgroup label="{escape(value)}">')
                out.extend(self._options(label, selected))
                out.append("</optgroup>")
                continue
            key = "" if value is None else str(value)
            out.append(
                '<option value="{}"{}>{}</option>'.format(
                    escape(key), " selected" if key in selected else "", escape(label)
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
