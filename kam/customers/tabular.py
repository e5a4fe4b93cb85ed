"""The customer file's Excel import and export (R2.3): the ``customers`` and ``contacts`` specs
of the engine in :mod:`kam.core.tabular`.

Validation goes through the services' own clean step — :func:`services.prepare_customer` with
:class:`services.BatchRuleChecks` (owners, teams, credit-code holders loaded once for the whole
file instead of a query per row) — so a row is refused with exactly the messages the form
shows. Scope: a row may update only a customer the actor may change (``restrict(actor,
"customers.change")``), an owner column may name only someone the actor may assign
(:func:`services.assignable_owners`); anything else is a row error. The write is bulk: one
``insert_many`` (:mod:`kam.core.bulk`) and one ``executemany`` UPDATE per table and one insert of change-log rows
(:func:`kam.core.changes.log_bulk`), source ``import``.

Matching (update and upsert): a customer row by its 客户编号 when the file has one, else by its
统一社会信用代码; a contact row by its customer (same keys) and the contact's name. Columns the
file lacks are left alone; an empty cell of a column it has clears that field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kam.core.bulk import CleanCache, insert_many
from kam.core.changes import ObjectChange, log_bulk
from kam.core.models import Sequence
from kam.core.tabular.specs import (
    BOOL,
    CHOICE,
    CREATE,
    DATE,
    DECIMAL,
    INT,
    TEXT,
    UNCHANGED,
    UPDATE,
    Column,
    ImportSpec,
    Row,
)
from kam.org.access import access_for
from kam.org.models import OrgUnit, User

from . import permissions as perms
from . import services
from .choices import Attitude, CreditRating, IndustryPosition, Influence, Nature
from .duplicates import name_key
from .models import CONTACT_FIELDS, CUSTOMER_FIELDS, REGION_FIELDS, Contact, Customer
from .search import build_search_text, index_customers, name_pinyin
from .validators import normalize_credit_code

CHUNK = 500


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _field_column(model, name: str, kind: str = TEXT, **kwargs) -> Column:
    f = model._meta.get_field(name)
    choices = tuple((k, label) for k, label in f.choices) if f.choices and kind == CHOICE else ()
    return Column(name, gettext_lazy_cap(f.verbose_name), kind=kind, choices=choices, **kwargs)


class _Cap:
    """A lazy, capitalised heading (「统一社会信用代码」 / "Unified social credit code")."""

    def __init__(self, text: Any) -> None:
        self.text = text

    def __str__(self) -> str:
        return capfirst(str(self.text))


def gettext_lazy_cap(text: Any) -> Any:
    return _Cap(text)


_KINDS = {
    "staff_count": INT,
    "annual_revenue": DECIMAL,
    "nature": CHOICE,
    "industry_position": CHOICE,
    "credit_rating": CHOICE,
}
_WIDE = {"address", "main_business", "secondary_business", "advantages", "disadvantages", "countermeasures"}

CUSTOMER_COLUMNS: tuple[Column, ...] = (
    Column("code", _Cap(gettext_lazy("customer number")), width=12),
    Column(
        "name",
        _Cap(gettext_lazy("customer name")),
        required=True,
        width=30,
        aliases=(_Cap(Customer._meta.get_field("name").verbose_name),),
    ),
    _field_column(Customer, "credit_code", required=True, width=22),
    *(
        _field_column(Customer, name, _KINDS.get(name, TEXT), width=30 if name in _WIDE else 16)
        for name in CUSTOMER_FIELDS
        if name not in ("name", "credit_code")
    ),
    _field_column(Customer, "province"),
    _field_column(Customer, "city"),
    Column("owner", _Cap(gettext_lazy("owner")), width=14),
    Column("team", _Cap(gettext_lazy("team")), width=16),
)
CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("customer_code", _Cap(gettext_lazy("customer number")), width=12),
    Column("customer_credit_code", _Cap(gettext_lazy("unified social credit code")), width=22),
    Column("customer_name", _Cap(gettext_lazy("customer")), width=30),
    Column("name", _Cap(pgettext_lazy("a person's", "name")), required=True, width=12),
    *(
        _field_column(
            Contact,
            name,
            {"birthday": DATE, "influence": CHOICE, "attitude": CHOICE, "is_primary": BOOL}.get(name, TEXT),
        )
        for name in CONTACT_FIELDS
        if name != "name"
    ),
)

CUSTOMER_EXAMPLE = {
    "name": "上海明珠贸易有限公司",
    "name_en": "Shanghai Pearl Trading Co., Ltd.",
    "credit_code": "91310000MA1FL4KX60",
    "address": "上海市浦东新区世纪大道100号",
    "postcode": "200120",
    "phone": "021-68881234",
    "email": "info@example.com",
    "website": "https://www.example.com",
    "division_code": "310115",
    "nature": Nature.PRIVATE,
    "industry_position": IndustryPosition.MEDIUM,
    "industry": "批发和零售业",
    "main_business": "进出口贸易",
    "staff_count": 120,
    "annual_revenue": "35000000.00",
    "credit_rating": CreditRating.A,
}
CONTACT_EXAMPLE = {
    "customer_credit_code": "91310000MA1FL4KX60",
    "customer_name": "上海明珠贸易有限公司",
    "name": "王伟",
    "title": "采购总监",
    "department": "采购部",
    "phone": "13912345678",
    "email": "wang.wei@example.com",
    "influence": Influence.DECISION_MAKER,
    "attitude": Attitude.FRIENDLY,
    "is_primary": True,
}


# --- permissions ----------------------------------------------------------------------------


def may(user, action: str) -> bool:
    """May ``user`` start this import mode or an export at all (the rows are scoped besides)."""
    access = access_for(user)
    if action == "export":
        return access.has(perms.CUSTOMERS_VIEW)
    if action == "create":
        return access.has(perms.CUSTOMERS_ADD)
    if action == "update":
        return access.has(perms.CUSTOMERS_CHANGE)
    return access.has(perms.CUSTOMERS_ADD) or access.has(perms.CUSTOMERS_CHANGE)


def may_contacts(user, action: str) -> bool:
    access = access_for(user)
    return access.has(perms.CUSTOMERS_VIEW if action == "export" else perms.CUSTOMERS_CHANGE)


# --- shared look-ups ------------------------------------------------------------------------


def _errors_into(row: Row, exc: ValidationError | PermissionDenied, fields: Iterable[str]) -> None:
    known = set(fields)
    if isinstance(exc, PermissionDenied):
        row.error(None, str(exc) or _("You do not have permission to do this."))
        return
    if hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            target = key if key in known else None
            if key in ("province", "city") and "division_code" in known and key not in known:
                target = "division_code"
            for m in messages:
                row.error(target, m)
    else:
        for m in exc.messages:
            row.error(None, m)


def _customers_by(field: str, values: set[str], *, full: bool, owner: bool = True) -> dict[str, Customer]:
    """The customers whose ``field`` is one of ``values``; ``full``: every field (updates),
    else what matching and the clash message need; ``owner``: with the owner (the message
    names them) — the contacts import needs no owner, and 100,000 of them would only hold memory."""
    out: dict[str, Customer] = {}
    items = sorted(v for v in values if v)
    for chunk in _chunks(items, 2000):
        qs = Customer.objects.filter(**{f"{field}__in": chunk})
        if owner:
            qs = qs.select_related("owner")
        if not full:
            names = ("pk", "name", "code", "credit_code", "status")
            qs = qs.only(*names, "owner__name", "owner__username") if owner else qs.only(*names)
        for c in qs:
            out[getattr(c, field)] = c
    return out


def _ids_in(qs, pks: Iterable[int]) -> set[int]:
    out: set[int] = set()
    for chunk in _chunks(sorted(set(pks))):
        out.update(qs.filter(pk__in=chunk).values_list("pk", flat=True))
    return out


def _people(names: set[str]) -> dict[str, list[int]]:
    """Username or display name → user ids (active users only)."""
    out: dict[str, list[int]] = {}
    names = {n for n in names if n}
    if not names:
        return out
    for u in User.objects.filter(is_active=True).only("pk", "username", "name"):
        for key in {u.username, u.name}:
            if key in names:
                out.setdefault(key, []).append(u.pk)
    return out


def _units(names: set[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    names = {n for n in names if n}
    if names:
        for pk, name in OrgUnit.objects.filter(is_active=True, name__in=names).values_list("pk", "name"):
            out.setdefault(name, []).append(pk)
    return out


def _changes(obj, before: Mapping[str, Any]) -> dict[str, list]:
    after = obj.change_log_raw()
    return {
        k: [obj.change_log_display(k, before.get(k)), obj.change_log_display(k, v)]
        for k, v in after.items()
        if before.get(k) != v
    }


# --- customers -------------------------------------------------------------------------------


def prepare_customers(actor, rows: list[Row], mode: str) -> None:
    """Validate every row (see the module docstring); ``row.payload`` = (customer, changes)."""
    access = access_for(actor)
    may_add, may_change = access.has(perms.CUSTOMERS_ADD), access.has(perms.CUSTOMERS_CHANGE)
    credit_codes = {normalize_credit_code(r.values.get("credit_code") or "") for r in rows}
    numbers = {(r.values.get("code") or "").strip().upper() for r in rows}
    by_code = (
        _customers_by("code", numbers, full=True) if mode != "create" else _customers_by("code", numbers, full=False)
    )
    holders = _customers_by("credit_code", credit_codes, full=mode != "create")
    every = {c.pk for c in [*by_code.values(), *holders.values()]}
    visible = _ids_in(Customer.objects.restrict(actor, perms.CUSTOMERS_VIEW), every)
    changeable = _ids_in(Customer.objects.restrict(actor, perms.CUSTOMERS_CHANGE), every)
    checks = services.BatchRuleChecks(actor, holders=holders, visible=visible)
    people = _people({str(r.values.get("owner") or "") for r in rows})
    units = _units({str(r.values.get("team") or "") for r in rows})
    default_team = services.default_team_for(actor) if mode != "update" else None
    seen_credit: dict[str, int] = {}
    seen_pk: dict[int, int] = {}
    fields = [c.field for c in CUSTOMER_COLUMNS]
    for row in rows:
        if row.errors:
            continue
        v = row.values
        number = (v.get("code") or "").strip().upper()
        credit = normalize_credit_code(v.get("credit_code") or "")
        existing = None
        if number:
            existing = by_code.get(number)
            if existing is None or existing.pk not in visible:
                if mode == "create":
                    row.error(
                        "code", _("Leave the customer number empty for new customers: it is given when they are saved.")
                    )
                else:
                    row.error("code", _("No customer you may change has this customer number."))
                continue
        elif mode != "create" and credit in holders:
            existing = holders[credit]
        if existing is not None and mode == "create":
            row.error(
                "credit_code" if not number else "code",
                checks.clash(Customer(credit_code=credit))
                if not number
                else _("This customer already exists; import in update mode."),
            )
            continue
        if existing is None and mode == "update":
            row.error("credit_code", _("No customer you may change has this unified social credit code."))
            continue
        if existing is not None and (existing.pk not in changeable or not may_change):
            if existing.pk in visible:
                row.error(None, _("You may not change this customer."))
            else:
                row.error("credit_code", checks.clash(Customer(credit_code=credit)))
            continue
        if existing is None and not may_add:
            row.error(None, _("You may not create customers."))
            continue
        if existing is not None and existing.is_archived:
            row.error(None, _("An archived customer cannot be edited; restore it first."))
            continue
        if credit:
            if credit in seen_credit:
                row.error(
                    "credit_code",
                    _("This unified social credit code is also in row {row}.").format(row=seen_credit[credit]),
                )
                continue
            seen_credit[credit] = row.number
        if existing is not None:
            if existing.pk in seen_pk:
                row.error(None, _("This customer is also in row {row}.").format(row=seen_pk[existing.pk]))
                continue
            seen_pk[existing.pk] = row.number
        owner_id = team_id = None
        if "owner" in v and v["owner"]:
            found = people.get(str(v["owner"]), [])
            if len(found) != 1:
                row.error(
                    "owner",
                    _("No single active user has this username or name.")
                    if found
                    else _("No active user has this username or name."),
                )
                continue
            owner_id = found[0]
        if "team" in v and v["team"]:
            found = units.get(str(v["team"]), [])
            if len(found) != 1:
                row.error(
                    "team",
                    _("Several org units have this name; rename one of them.")
                    if found
                    else _("No active org unit has this name."),
                )
                continue
            team_id = found[0]
        elif existing is None and default_team is not None:
            team_id = default_team.pk
        data = {
            k: ("" if v[k] is None and k not in ("staff_count", "annual_revenue") else v[k])
            for k in v
            if k in CUSTOMER_FIELDS or k in REGION_FIELDS
        }
        customer = existing if existing is not None else Customer(created_by=actor)
        before = customer.change_log_raw() if existing is not None else {}
        try:
            services.prepare_customer(
                actor=actor, customer=customer, data=data, owner=owner_id, team=team_id, checks=checks
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors_into(row, exc, fields)
            continue
        if existing is None:
            row.outcome, row.payload = CREATE, (customer, {})
        else:
            changes = _changes(customer, before)
            row.outcome, row.payload = (UPDATE, (customer, changes)) if changes else (UNCHANGED, None)
        row.release()


def _reserve_numbers(name: str, n: int) -> int:
    """The first of ``n`` numbers of sequence ``name`` (locked for the transaction)."""
    Sequence.objects.get_or_create(name=name)
    Sequence.objects.select_for_update().filter(name=name).update(value=models.F("value") + n)
    return Sequence.objects.values_list("value", flat=True).get(name=name) - n + 1


class _Pinyin:
    """The pinyin forms of the names an import meets, each computed once, in one pypinyin pass
    (:func:`kam.customers.search.name_pinyin`)."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple[str, str, str]] = {}

    def of(self, text: str) -> tuple[str, str, str]:
        got = self.cache.get(text)
        if got is None:
            got = self.cache[text] = name_pinyin(text)
        return got

    def forms(self, text: str) -> tuple[str, str]:
        full, initials, _sort = self.of(text)
        return full, initials


def _derived(
    customer: Customer, contacts: list[tuple[str, str]], has_contacts: bool, has_sales: bool, pinyin: _Pinyin
) -> None:
    """What :func:`services.refresh_derived` and the pre_save receiver keep, for a bulk write:
    the pinyin sort key, the duplicate check's name key, the search text, completeness."""
    customer.name_sort = pinyin.of(customer.name)[2]
    customer.name_key = name_key(customer.name)
    customer.search_text = build_search_text(
        name=customer.name,
        name_en=customer.name_en,
        code=customer.code,
        credit_code=customer.credit_code,
        city=customer.city,
        contacts=contacts,
        forms=pinyin.forms,
    )
    filled = sum(1 for f in _completeness_fields() if getattr(customer, f) not in (None, ""))
    total = len(_completeness_fields()) + 2
    customer.completeness = round(100 * (filled + int(has_contacts) + int(has_sales)) / total)


def _completeness_fields() -> tuple[str, ...]:
    from .models import COMPLETENESS_FIELDS

    return COMPLETENESS_FIELDS


def _contacts_of(pks: list[int]) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for chunk in _chunks(pks):
        for cid, name, phone in (
            Contact.objects.filter(customer_id__in=chunk, archived_at=None)
            .order_by("customer_id", "-is_primary", "id")
            .values_list("customer_id", "name", "phone")
        ):
            out.setdefault(cid, []).append((name, phone))
    return out


def _with_sales(pks: list[int]) -> set[int]:
    from .models import CustomerYearSales

    out: set[int] = set()
    for chunk in _chunks(pks):
        out.update(CustomerYearSales.objects.filter(customer_id__in=chunk).values_list("customer_id", flat=True))
    return out


def _check_scope(actor, pks: list[int]) -> None:
    """After the write, every written customer is still one the actor may see (architecture
    rule 2) — else the whole import rolls back."""
    if len(_ids_in(Customer.objects.restrict(actor, perms.CUSTOMERS_VIEW), pks)) != len(set(pks)):
        raise PermissionDenied(_("The customer would be outside the data you may see."))


def _log_in_chunks(entries, size: int = 2000) -> None:
    """:func:`log_bulk` a chunk at a time, so 100,000 change-log rows are never all in memory."""
    chunk: list = []
    for entry in entries:
        chunk.append(entry)
        if len(chunk) >= size:
            log_bulk(chunk)
            chunk = []
    if chunk:
        log_bulk(chunk)


def _update_rows(model, objs: list, fields: list[str]) -> None:
    """``UPDATE … SET f = %s … WHERE id = %s`` for each object, in one ``executemany`` per 500
    rows — Django's ``bulk_update`` builds a CASE per field and row, which costs seconds per
    thousand rows. The callers log every change of a logged field themselves (``log_bulk``)."""
    from django.db import connection

    concrete = [model._meta.get_field(f) for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in concrete)
    sql = f"UPDATE {table} SET {sets} WHERE {connection.ops.quote_name(model._meta.pk.column)} = %s"
    with connection.cursor() as cur:
        for chunk in _chunks(objs):
            cur.executemany(
                sql,
                [[*(f.get_db_prep_save(getattr(o, f.attname), connection) for f in concrete), o.pk] for o in chunk],
            )


def _cache_related(objs: list[Customer], actor) -> None:
    """Put each customer's owner, team and creator in its relation cache from two queries, so
    the change log names them without a query per row."""
    users = {u.pk: u for u in User.objects.filter(pk__in={c.owner_id for c in objs} | {actor.pk})}
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={c.team_id for c in objs})}
    owner, team, creator = (Customer._meta.get_field(n) for n in ("owner", "team", "created_by"))
    for c in objs:
        if not owner.is_cached(c) and c.owner_id in users:
            owner.set_cached_value(c, users[c.owner_id])
        if not team.is_cached(c) and c.team_id in units:
            team.set_cached_value(c, units[c.team_id])
        if c.created_by_id and not creator.is_cached(c) and c.created_by_id in users:
            creator.set_cached_value(c, users[c.created_by_id])


def write_customers(actor, rows: list[Row]) -> None:
    """Create and update the prepared rows in bulk, with their change-log rows."""
    now = timezone.now()
    pinyin = _Pinyin()
    creates = [r.payload[0] for r in rows if r.outcome == CREATE]
    updates = [(r.payload[0], r.payload[1]) for r in rows if r.outcome == UPDATE]
    _cache_related(creates + [c for c, _ch in updates], actor)
    if creates:
        first = _reserve_numbers("customer", len(creates))
        for i, c in enumerate(creates):
            c.code = f"KH{first + i:07d}"
            c.created_at = c.updated_at = now
            _derived(c, [], False, False, pinyin)
        insert_many(Customer, creates)
        index_customers([(c.pk, c.search_text) for c in creates], fresh=True)
        _log_creations(creates)
    if updates:
        objs = [c for c, _changes in updates]
        pks = [c.pk for c in objs]
        contacts, sales = _contacts_of(pks), _with_sales(pks)
        fields: set[str] = set()
        for c, changes in updates:
            c.updated_at = now
            fields.update(changes)
            _derived(c, contacts.get(c.pk, []), c.pk in contacts, c.pk in sales, pinyin)
        derived = ["updated_at", "name_sort", "name_key", "search_text", "completeness"]
        _update_rows(Customer, objs, [*sorted(fields), *derived])
        index_customers([(c.pk, c.search_text) for c in objs])
        _log_in_chunks((c, ObjectChange.Action.UPDATE, changes, None) for c, changes in updates)
    _check_scope(actor, [c.pk for c in creates] + [c.pk for c, _ch in updates])


def export_customers(actor, params: Mapping[str, Any]) -> tuple[int, Iterable[Mapping[str, Any]]]:
    """The customer list exactly as the list page shows it for the query string ``params``:
    the same FilterSet, the same order (the id last, as the page's), the actor's scope."""
    from .filters import CustomerFilter

    visible = Customer.objects.restrict(actor, perms.CUSTOMERS_VIEW).select_related("owner", "team")
    filterset = CustomerFilter(params or None, queryset=visible, request=SimpleNamespace(user=actor))
    if filterset.is_bound and not filterset.is_valid():
        raise ValidationError({k: list(v) for k, v in filterset.errors.items()})
    qs = filterset.qs
    if params and params.get("ordering"):
        qs = qs.order_by(*qs.query.order_by, "-pk")
    total = qs.count()

    def rows() -> Iterator[Mapping[str, Any]]:
        # plain values, not model instances: 100,000 rows in constant memory (chunks of 2,000)
        names = [c.field for c in CUSTOMER_COLUMNS if c.field not in ("owner", "team")]
        keys = (*names, "owner", "team")
        for values in qs.values_list(*names, "owner__username", "team__name").iterator(chunk_size=2000):
            yield dict(zip(keys, values, strict=True))

    return total, rows()


# --- contacts --------------------------------------------------------------------------------


def prepare_contacts(actor, rows: list[Row], mode: str) -> None:
    """Validate every contact row: its customer (by number or credit code) must be one the
    actor may change; in update mode the contact is found by its name at that customer."""
    if not access_for(actor).has(perms.CUSTOMERS_CHANGE):
        raise ValidationError(_("You may not change customers' contacts."))
    numbers = {(r.values.get("customer_code") or "").strip().upper() for r in rows}
    credits = {normalize_credit_code(r.values.get("customer_credit_code") or "") for r in rows}
    by_code = _customers_by("code", numbers, full=False, owner=False)
    by_credit = _customers_by("credit_code", credits, full=False, owner=False)
    every = {c.pk for c in [*by_code.values(), *by_credit.values()]}
    changeable = _ids_in(Customer.objects.restrict(actor, perms.CUSTOMERS_CHANGE), every)
    existing: dict[tuple[int, str], list[Contact]] = {}
    for chunk in _chunks(sorted(changeable)):
        for contact in Contact.objects.filter(customer_id__in=chunk, archived_at=None):
            existing.setdefault((contact.customer_id, contact.name), []).append(contact)
    fields = [c.field for c in CONTACT_COLUMNS]
    cleaner = CleanCache()
    seen: dict[tuple[int, str], int] = {}
    for row in rows:
        if row.errors:
            continue
        v = row.values
        number = (v.get("customer_code") or "").strip().upper()
        credit = normalize_credit_code(v.get("customer_credit_code") or "")
        customer = by_code.get(number) if number else by_credit.get(credit) if credit else None
        key_field = "customer_code" if number else "customer_credit_code"
        if not number and not credit:
            row.error("customer_credit_code", _("Give the customer's number or unified social credit code."))
            continue
        if customer is None or customer.pk not in changeable:
            row.error(key_field, _("No customer you may change has this number or credit code."))
            continue
        if customer.is_archived:
            row.error(key_field, _("An archived customer cannot be edited; restore it first."))
            continue
        name = (v.get("name") or "").strip()
        key = (customer.pk, name)
        if key in seen:
            row.error("name", _("This contact is also in row {row}.").format(row=seen[key]))
            continue
        seen[key] = row.number
        matches = existing.get(key, [])
        if len(matches) > 1 and mode != "create":
            row.error("name", _("The customer has several contacts of this name; edit them on the customer's page."))
            continue
        contact = matches[0] if matches else None
        if contact is not None and mode == "create":
            row.error("name", _("The customer already has a contact of this name; import in update mode."))
            continue
        if contact is None and mode == "update":
            row.error("name", _("The customer has no contact of this name."))
            continue
        if contact is None:
            contact = Contact(customer=customer)
        else:
            Contact._meta.get_field("customer").set_cached_value(contact, customer)  # the log names it, no query
        before = contact.change_log_raw() if contact.pk else {}
        data = {k: ("" if v[k] is None and k != "birthday" else v[k]) for k in v if k in CONTACT_FIELDS}
        if data.get("is_primary") == "":
            data["is_primary"] = False
        try:
            services.prepare_contact(contact, data, cleaner=cleaner)
        except ValidationError as exc:
            _errors_into(row, exc, fields)
            continue
        if contact.pk is None:
            row.outcome, row.payload = CREATE, (contact, {})
        else:
            changes = _changes(contact, before)
            row.outcome, row.payload = (UPDATE, (contact, changes)) if changes else (UNCHANGED, None)
        row.release()


def _log_creations(objs) -> None:
    """The change log of rows the import created: every filled field, [None, value] (in bulk)."""
    _log_in_chunks(
        (
            c,
            ObjectChange.Action.CREATE,
            {k: [None, c.change_log_display(k, v)] for k, v in c.change_log_raw().items() if v not in (None, "")},
            None,
        )
        for c in objs
    )


def write_contacts(actor, rows: list[Row]) -> None:
    now = timezone.now()
    creates = [r.payload[0] for r in rows if r.outcome == CREATE]
    updates = [(r.payload[0], r.payload[1]) for r in rows if r.outcome == UPDATE]
    for c in creates:
        c.created_at = c.updated_at = now
    insert_many(Contact, creates)
    _log_creations(creates)
    if updates:
        fields: set[str] = set()
        for c, changes in updates:
            c.updated_at = now
            fields.update(changes)
        _update_rows(Contact, [c for c, _ch in updates], [*sorted(fields), "updated_at"])
        _log_in_chunks((c, ObjectChange.Action.UPDATE, changes, None) for c, changes in updates)
    refresh_customers({c.customer_id for c in creates} | {c.customer_id for c, _ch in updates})


def refresh_customers(pks: set[int]) -> None:
    """:func:`services.refresh_derived` for many customers at once: search text (contacts'
    names and phones) and completeness."""
    ids = sorted(pks)
    if not ids:
        return
    contacts, sales = _contacts_of(ids), _with_sales(ids)
    pinyin = _Pinyin()
    objs = []
    names = ("pk", "name", "name_en", "code", "credit_code", "city", *_completeness_fields())
    for chunk in _chunks(ids):
        objs += list(Customer.objects.filter(pk__in=chunk).only(*names))
    for c in objs:
        _derived(c, contacts.get(c.pk, []), c.pk in contacts, c.pk in sales, pinyin)
    _update_rows(Customer, objs, ["search_text", "completeness", "name_sort", "name_key"])
    index_customers([(c.pk, c.search_text) for c in objs])


def export_contacts(actor, params: Mapping[str, Any]) -> tuple[int, Iterable[Mapping[str, Any]]]:
    """Current contacts of the customers the actor may see (the ContactFilter's parameters)."""
    from .filters import ContactFilter

    visible = Contact.objects.restrict(actor, perms.CUSTOMERS_VIEW).select_related("customer")
    filterset = ContactFilter(params or None, queryset=visible, request=SimpleNamespace(user=actor))
    if filterset.is_bound and not filterset.is_valid():
        raise ValidationError({k: list(v) for k, v in filterset.errors.items()})
    qs = filterset.qs.order_by("customer__code", "-is_primary", "id")
    total = qs.count()

    def rows() -> Iterator[Mapping[str, Any]]:
        for c in qs.iterator(chunk_size=2000):
            values: dict[str, Any] = {n: getattr(c, n) for n in CONTACT_FIELDS}
            values.update(
                customer_code=c.customer.code,
                customer_credit_code=c.customer.credit_code,
                customer_name=c.customer.name,
            )
            yield values

    return total, rows()


SPECS = (
    ImportSpec(
        key="customers",
        label=gettext_lazy("Customers"),
        columns=CUSTOMER_COLUMNS,
        permission=may,
        prepare=prepare_customers,
        write=write_customers,
        export_rows=export_customers,
        example=CUSTOMER_EXAMPLE,
        match_help=gettext_lazy(
            "Update mode finds a customer by its customer number, or by its unified social credit code when the "
            "number is empty. Columns left out of the file are not changed; an empty cell clears the field."
        ),
        order=10,
    ),
    ImportSpec(
        key="contacts",
        label=gettext_lazy("Contacts"),
        columns=CONTACT_COLUMNS,
        permission=may_contacts,
        prepare=prepare_contacts,
        write=write_contacts,
        export_rows=export_contacts,
        example=CONTACT_EXAMPLE,
        match_help=gettext_lazy(
            "Each contact names its customer by the customer number or the unified social credit code; update "
            "mode finds the contact by its name at that customer."
        ),
        order=20,
    ),
)
