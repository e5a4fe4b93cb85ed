"""Widgets. :class:`FastSelect` renders a <select> in Python instead of one template per
<option>: the customer list's filter bar has a few hundred options, and Django's template
widget rendering cost more than all the list's SQL on 100,000 customers."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe


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
