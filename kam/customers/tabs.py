"""The tabs of a customer's detail page (the one detail pattern, registry key ``detail_tabs``):
概况 · 联系人 · 客户团队 · 近3年销售 · 变更记录. Later apps add theirs (orders, visits …)."""

from __future__ import annotations

from django.template.loader import render_to_string

from kam.core.changes import ObjectChange
from kam.core.history import history_rows

from . import policies, selectors
from .forms import AccountTeamForm
from .models import CUSTOMER_FILE, Customer

HISTORY_INLINE = 20
ACTIVITY_ITEMS = 8
_ICONS = {"create": "plus", "update": "pencil", "delete": "trash", "archive": "archive", "restore": "restore"}


def display_sections(customer: Customer) -> list[tuple[str, str, list[tuple[str, str, object]]]]:
    """[(id, title, [(field name, label, value)])] in the order of the paper form."""
    out = []
    for section in CUSTOMER_FILE:
        items = []
        for name in section.names:
            field = Customer._meta.get_field(name)
            value = getattr(customer, name)
            if field.choices and value:
                value = getattr(customer, f"get_{name}_display")()
            elif name == "division_code":
                value = customer.division_name or value  # 「上海市 浦东新区」
            items.append((name, field.verbose_name, value))
        out.append((section.id, section.title, items))
    return out


def _render(request, template: str, customer: Customer, **extra) -> str:
    context = {"customer": customer, "can_change": policies.can_change_customer(request.user, customer), **extra}
    return render_to_string(template, context, request=request)


def overview(request, customer: Customer) -> str:
    activity = history_rows(selectors.customer_history(customer=customer)[:ACTIVITY_ITEMS])
    for row in activity:
        row["icon"] = _ICONS.get(row["change"].action, "point")
    return _render(
        request, "customers/tabs/overview.html", customer, sections=display_sections(customer), activity=activity
    )


def contacts(request, customer: Customer) -> str:
    """The customer's contacts; the removed ones (archived, R2) folded away below them."""
    everyone = list(customer.contacts.all())
    removed = sorted((c for c in everyone if c.is_archived), key=lambda c: c.archived_at, reverse=True)
    if removed:
        # who removed each one: the latest archive event of each, in one query
        by: dict[int, str] = {}
        events = (
            ObjectChange.objects.filter(
                content_type__app_label="customers",
                content_type__model="contact",
                object_id__in=[c.pk for c in removed],
                action="archive",
            )
            .order_by("time", "id")
            .values_list("object_id", "actor_name")
        )
        for object_id, actor_name in events:
            by[object_id] = actor_name
        for c in removed:
            c.removed_by = by.get(c.pk, "")
    return _render(
        request,
        "customers/tabs/contacts.html",
        customer,
        contacts=[c for c in everyone if not c.is_archived],
        removed=removed,
    )


def contacts_count(request, customer: Customer) -> int:
    return customer.contacts.filter(archived_at=None).count()


def team(request, customer: Customer) -> str:
    can_change = policies.can_change_customer(request.user, customer)
    members = list(customer.team_members.select_related("user", "user__unit").order_by("created_at", "id"))
    return _render(
        request,
        "customers/tabs/team.html",
        customer,
        members=members,
        team_form=AccountTeamForm(actor=request.user) if can_change else None,
    )


def team_count(request, customer: Customer) -> int:
    return customer.team_members.count()


def sales(request, customer: Customer) -> str:
    return _render(request, "customers/tabs/sales.html", customer, yearly_sales=list(customer.yearly_sales.all()))


def sales_count(request, customer: Customer) -> int:
    return customer.yearly_sales.count()


def history(request, customer: Customer) -> str:
    rows = list(selectors.customer_history(customer=customer)[: HISTORY_INLINE + 1])
    return _render(
        request,
        "customers/tabs/history.html",
        customer,
        history=history_rows(rows[:HISTORY_INLINE]),
        history_more=len(rows) > HISTORY_INLINE,
    )


def history_count(request, customer: Customer) -> int:
    return ObjectChange.objects.filed_under(customer).count()
