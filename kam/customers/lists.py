"""The customer list in the one list pattern (kam.core.lists): its columns and saved views, and
its rows and phone cards rendered in Python (a 100-row page must stay fast)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kam.core.lists import Column, ListSpec, ListView
from kam.core.widgets import escape_text as escape

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


def completeness_badge(value: int | None, *, title: str | None = None) -> SafeString:
    """The file-completeness badge (R2.1): green ≥ 80 %, yellow ≥ 50 %, red below."""
    value = int(value or 0)
    css = "bg-green-lt" if value >= 80 else "bg-yellow-lt" if value >= 50 else "bg-red-lt"
    title = escape(_("File completeness")) if title is None else title
    return mark_safe(f'<span class="badge {css}" title="{title}">{value}%</span>')  # noqa: S308 — escaped


class _Page:
    """What every row of a page shares, worked out once: 100 rows × 11 cells must stay cheap,
    so cells are built with :func:`escape` and f-strings rather than ``format_html`` (which
    costs a lazy-string round trip per argument)."""

    def __init__(self) -> None:
        marker = 987654321
        self.url = reverse("customers:detail", args=[marker]).replace(str(marker), "{}")
        self.archived = escape(_("Archived"))
        self.completeness = escape(_("File completeness"))
        self.select = _("Select {name}")

    def detail(self, c) -> str:
        return self.url.format(c.pk)

    def check(self, c, css: str) -> str:
        label = escape(self.select.format(name=c.name))
        return (
            f'<input class="form-check-input {css} kam-select" type="checkbox" name="ids" value="{c.pk}"'
            f' aria-label="{label}">'
        )


def _cell(c, key: str, url: str, page: _Page) -> str:
    """One cell's HTML; every value from the record goes through :func:`escape`."""
    if key == "name":
        extra = f'<div class="small text-secondary kam-nowrap">{escape(c.code)}</div>'
        if c.name_en:
            extra += f'<div class="small text-secondary">{escape(c.name_en)}</div>'
        badge = f' <span class="badge bg-secondary-lt">{page.archived}</span>' if c.is_archived else ""
        return f'<a href="{url}" class="fw-medium customer-name kam-title">{escape(c.name)}</a>{badge}{extra}'
    if key == "code":
        return f'<a href="{url}">{escape(c.code)}</a>'
    if key == "region":
        return escape(c.province or "—") + (f" · {escape(c.city)}" if c.city else "")
    if key == "nature":
        return escape(c.get_nature_display() or "—")
    if key == "industry_position":
        return escape(c.get_industry_position_display() or "—")
    if key == "credit_rating":
        return escape(c.credit_rating or "—")
    if key == "owner":
        return escape(str(c.owner))
    if key == "team":
        return escape(c.team.name)
    if key == "contacts":
        return str(int(c.contact_count))
    if key == "completeness":
        return completeness_badge(c.completeness, title=page.completeness)
    if key == "updated_at":
        return c.updated_at.strftime("%Y-%m-%d")
    return ""  # an unknown column renders empty


def rows(customers, columns, *, selectable: bool) -> SafeString:
    """The table rows of a page of customers for the chosen columns."""
    page = _Page()
    css = [escape(col.css) for col in columns]
    out = []
    for c in customers:
        url = page.detail(c)
        check = f'<td class="w-1">{page.check(c, "m-0 align-middle")}</td>' if selectable else ""
        cells = "".join(
            f'<td class="{cls}">{_cell(c, col.key, url, page)}</td>' for cls, col in zip(css, columns, strict=True)
        )
        out.append(f'<tr class="customer-row" data-id="{c.pk}">{check}{cells}</tr>')
    return mark_safe("".join(out))  # noqa: S308 — every record value escaped in _cell


def cards(customers, *, selectable: bool) -> SafeString:
    """The same page as cards, for phones."""
    page = _Page()
    out = []
    for c in customers:
        check = page.check(c, "me-2 mt-1") if selectable else ""
        city = f" · {escape(c.city)}" if c.city else ""
        out.append(
            f'<div class="list-group-item customer-card d-flex" data-id="{c.pk}">{check}<div class="flex-fill min-w-0">'
            '<div class="d-flex gap-2 align-items-start">'
            f'<a href="{page.detail(c)}" class="fw-medium kam-title flex-fill">{escape(c.name)}</a>'
            f"{completeness_badge(c.completeness, title=page.completeness)}</div>"
            f'<div class="small text-secondary">{escape(c.code)} · {escape(c.province or "—")}{city}</div>'
            f'<div class="small text-secondary">{escape(str(c.owner))} · {escape(c.team.name)} · '
            f"{escape(c.credit_rating or '—')}</div></div></div>"
        )
    return mark_safe("".join(out))  # noqa: S308 — every record value escaped
