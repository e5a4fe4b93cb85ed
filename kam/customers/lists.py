"""The customer list in the one list pattern (kam.core.lists): its columns and saved views, and
its rows and phone cards rendered in Python (a 100-row page must stay fast)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kam.core.lists import Column, ListSpec, ListView

CUSTOMER_LIST = ListSpec(
    key="customers",
    columns=(
        Column("name", gettext_lazy("Name"), sort="name", required=True),
        Column("code", gettext_lazy("Number"), sort="code", default=False, css="kam-nowrap"),
        Column("region", gettext_lazy("Region"), sort="province", css="kam-nowrap"),
        Column("nature", gettext_lazy("Company nature"), default=False, css="kam-nowrap"),
        Column("industry_position", gettext_lazy("Industry position"), default=False, css="kam-nowrap"),
        Column("credit_rating", gettext_lazy("Credit rating"), sort="credit_rating", css="kam-nowrap"),
        Column("owner", gettext_lazy("Owner"), css="kam-nowrap"),
        Column("team", gettext_lazy("Team"), css="kam-nowrap"),
        Column("contacts", gettext_lazy("Contacts"), default=False, css="text-end kam-nowrap"),
        Column("completeness", gettext_lazy("Completeness"), sort="completeness", css="kam-nowrap"),
        Column("updated_at", gettext_lazy("Last updated"), sort="updated_at", css="kam-nowrap text-secondary"),
    ),
    views=(
        ListView("", pgettext_lazy("list view", "All")),
        ListView("mine", pgettext_lazy("list view", "Mine")),
        ListView("participating", pgettext_lazy("list view", "On my account teams")),
        ListView("subordinates", pgettext_lazy("list view", "My people's")),
    ),
)


def completeness_badge(value: int | None) -> SafeString:
    """The file-completeness badge (R2.1): green ≥ 80 %, yellow ≥ 50 %, red below."""
    value = value or 0
    css = "bg-green-lt" if value >= 80 else "bg-yellow-lt" if value >= 50 else "bg-red-lt"
    return format_html('<span class="badge {}" title="{}">{}%</span>', css, _("File completeness"), value)


def _cell(c, key: str, url: str) -> SafeString:
    if key == "name":
        extra = format_html('<div class="small text-secondary kam-nowrap">{}</div>', c.code)
        if c.name_en:
            extra += format_html('<div class="small text-secondary">{}</div>', c.name_en)
        badge = format_html(' <span class="badge bg-secondary-lt">{}</span>', _("Archived")) if c.is_archived else ""
        return format_html(
            '<a href="{}" class="fw-medium customer-name kam-title">{}</a>{}{}', url, c.name, badge, extra
        )
    if key == "code":
        return format_html('<a href="{}">{}</a>', url, c.code)
    if key == "region":
        return format_html("{}{}", c.province or "—", format_html(" · {}", c.city) if c.city else "")
    if key == "nature":
        return format_html("{}", c.get_nature_display() or "—")
    if key == "industry_position":
        return format_html("{}", c.get_industry_position_display() or "—")
    if key == "credit_rating":
        return format_html("{}", c.credit_rating or "—")
    if key == "owner":
        return format_html("{}", c.owner)
    if key == "team":
        return format_html("{}", c.team.name)
    if key == "contacts":
        return format_html("{}", c.contact_count)
    if key == "completeness":
        return completeness_badge(c.completeness)
    if key == "updated_at":
        return format_html("{}", c.updated_at.strftime("%Y-%m-%d"))
    return mark_safe("")  # noqa: S308 — an unknown column renders empty


def rows(customers, columns, *, selectable: bool) -> SafeString:
    """The table rows of a page of customers for the chosen columns."""
    out = []
    for c in customers:
        url = reverse("customers:detail", args=[c.pk])
        check = (
            format_html(
                '<td class="w-1"><input class="form-check-input m-0 align-middle kam-select" type="checkbox" '
                'name="ids" value="{}" aria-label="{}"></td>',
                c.pk,
                _("Select {name}").format(name=c.name),
            )
            if selectable
            else ""
        )
        cells = format_html_join("", '<td class="{}">{}</td>', ((col.css, _cell(c, col.key, url)) for col in columns))
        out.append(format_html('<tr class="customer-row" data-id="{}">{}{}</tr>', c.pk, check, cells))
    return mark_safe("".join(out))  # noqa: S308 — built from format_html pieces


def cards(customers, *, selectable: bool) -> SafeString:
    """The same page as cards, for phones."""
    out = []
    for c in customers:
        url = reverse("customers:detail", args=[c.pk])
        check = (
            format_html(
                '<input class="form-check-input kam-select me-2 mt-1" type="checkbox" name="ids" value="{}" '
                'aria-label="{}">',
                c.pk,
                _("Select {name}").format(name=c.name),
            )
            if selectable
            else ""
        )
        out.append(
            format_html(
                '<div class="list-group-item customer-card d-flex" data-id="{}">{}<div class="flex-fill min-w-0">'
                '<div class="d-flex gap-2 align-items-start">'
                '<a href="{}" class="fw-medium kam-title flex-fill">{}</a>{}</div>'
                '<div class="small text-secondary">{} · {}{}</div>'
                '<div class="small text-secondary">{} · {} · {}</div></div></div>',
                c.pk,
                check,
                url,
                c.name,
                completeness_badge(c.completeness),
                c.code,
                c.province or "—",
                format_html(" · {}", c.city) if c.city else "",
                c.owner,
                c.team.name,
                c.credit_rating or "—",
            )
        )
    return mark_safe("".join(out))  # noqa: S308 — built from format_html pieces
