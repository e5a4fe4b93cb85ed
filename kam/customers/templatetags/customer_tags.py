"""Small, hot template helpers of the customer pages (rendered once per list row, so a tag
rather than an ``{% include %}``)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def completeness_badge(value: int | None) -> str:
    """The file-completeness badge (R2.1): green ≥ 80 %, yellow ≥ 50 %, red below."""
    value = value or 0
    css = "bg-green-lt" if value >= 80 else "bg-yellow-lt" if value >= 50 else "bg-red-lt"
    return format_html('<span class="badge {}" title="{}">{}%</span>', css, _("File completeness"), value)
