"""The 客户档案表 on paper (R2): the context of the registered print form ``customer_file``
(registry key ``print_forms``; the print base is :mod:`kam.core.printing`).

The sections follow the paper form: 基本资料 · 主要联系人 · 性质与行业 · 业务与规模 · 近3年销售业绩 ·
同本公司的交易情况 · 我方评估 — the field sections and their order come from
:data:`~kam.customers.models.CUSTOMER_FILE`, the one list of the file's fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from kam.core.money import format_money, money_in_capitals

from .models import CONTACT_FILE, CUSTOMER_FILE, Contact, Customer
from .tabs import display_sections

# the contact columns of the table; the other contact fields go on a line below each contact
CONTACT_COLUMNS = ("name", "title", "department", "phone", "email", "wechat", "influence", "attitude")
TRANSACTION_ROWS = 3  # blank rows of 同本公司的交易情况, filled in by hand until orders exist


@dataclass
class Cell:
    label: str
    value: str
    wide: bool = False


@dataclass
class PrintSection:
    id: str
    title: object
    rows: list[list[Cell]] = field(default_factory=list)


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, Decimal):
        return format_money(value)
    return str(value)


def _field_rows(customer: Customer, items) -> list[list[Cell]]:
    """label | value | label | value rows; a wide field (long text) takes a row of its own."""
    rows: list[list[Cell]] = []
    pending: list[Cell] = []
    wide = {f.name for s in CUSTOMER_FILE for f in s.fields if f.wide}
    for name, label, value in items:
        text = _text(value)
        if name == "annual_revenue" and value is not None:
            text = f"{text}（{money_in_capitals(value)}）"
        cell = Cell(capfirst(str(label)), text, name in wide)
        if cell.wide:
            if pending:
                rows.append(pending)
                pending = []
            rows.append([cell])
            continue
        pending.append(cell)
        if len(pending) == 2:
            rows.append(pending)
            pending = []
    if pending:
        rows.append(pending)
    return rows


def _contact(contact: Contact) -> dict:
    def label(name: str) -> str:
        return capfirst(str(Contact._meta.get_field(name).verbose_name))

    def value(name: str) -> str:
        f = Contact._meta.get_field(name)
        raw = getattr(contact, name)
        if f.choices and raw:
            return str(getattr(contact, f"get_{name}_display")())
        if name == "birthday" and raw:
            return raw.isoformat()
        return _text(raw)

    colon = pgettext("after a label", ": ")
    more = [
        label(f.name) + colon + value(f.name)
        for f in CONTACT_FILE
        if f.name not in CONTACT_COLUMNS and f.name != "is_primary" and value(f.name)
    ]
    return {
        "cells": [value(n) for n in CONTACT_COLUMNS],
        "more": pgettext("between phrases", "; ").join(more),
        "primary": contact.is_primary,
    }


def customer_file_context(request, customer: Customer) -> dict:
    """Sections, contacts and yearly sales of ``customer`` for ``customers/print/customer_file.html``."""
    by_id = {
        sid: PrintSection(sid, title, _field_rows(customer, items)) for sid, title, items in display_sections(customer)
    }
    contacts = [_contact(c) for c in customer.contacts.filter(archived_at=None)]
    sales = [
        {"year": s.year, "revenue": format_money(s.revenue), "capitals": money_in_capitals(s.revenue)}
        for s in customer.yearly_sales.all()
    ]
    order = [
        ("section", "basic"),
        ("contacts", None),
        ("section", "nature"),
        ("section", "business"),
        ("sales", None),
        ("transactions", None),
        ("section", "assessment"),
    ]
    blocks = []
    for kind, sid in order:
        if kind == "section":
            blocks.append({"kind": "fields", "section": by_id.pop(sid)})
        else:
            blocks.append({"kind": kind})
    # a section added to CUSTOMER_FILE later still prints, before the assessment
    for section in by_id.values():
        blocks.insert(-1, {"kind": "fields", "section": section})
    return {
        "customer": customer,
        "blocks": blocks,
        "contacts": contacts,
        "contact_columns": CONTACT_COLUMNS,
        "contact_headings": [capfirst(str(Contact._meta.get_field(n).verbose_name)) for n in CONTACT_COLUMNS],
        "sales": sales,
        "transaction_rows": range(TRANSACTION_ROWS),
        "headings": {
            "contacts": _("Main contacts"),
            "sales": _("Sales of the last 3 years"),
            "transactions": _("Transactions with us"),
        },
    }
