"""Writes to the customer file (R2). Pages, API, importer and admin all call these.

Every service is keyword-only, atomic, checks the actor's permission, validates with the
model's own rules (``full_clean``) so a bad input raises :class:`ValidationError` and changes
nothing, and re-checks after the write that the customer is still in the actor's scope
(architecture rule 2) — otherwise the whole write is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.models import next_number
from kam.org import permissions as perms
from kam.org.access import access_for
from kam.org.models import OrgUnit, User

from .choices import Status
from .models import AccountTeamMember, Contact, Customer, CustomerYearSales
from .search import build_search_text, index_customers
from .validators import normalize_credit_code, normalize_phone

CUSTOMER_FIELDS = (
    "name",
    "name_en",
    "credit_code",
    "address",
    "postcode",
    "phone",
    "fax",
    "email",
    "website",
    "province",
    "city",
    "nature",
    "industry",
    "industry_position",
    "main_business",
    "secondary_business",
    "staff_count",
    "annual_revenue",
    "credit_rating",
    "advantages",
    "disadvantages",
    "countermeasures",
    "needs_analysis",
    "service_record",
    "notes",
)
CONTACT_FIELDS = (
    "name",
    "title",
    "department",
    "education",
    "birthday",
    "hobbies",
    "family",
    "phone",
    "email",
    "wechat",
    "influence",
    "attitude",
    "is_primary",
    "notes",
)


def _error_items(exc: ValidationError) -> list[tuple[str, list[str]]]:
    """(field, messages) pairs of a row's error, so callers can point at the exact field."""
    if hasattr(exc, "error_dict"):
        return list(exc.message_dict.items())
    return [("__all__", exc.messages)]


def _require(actor, permission: str) -> None:
    if not access_for(actor).has(permission):
        raise PermissionDenied(_("You do not have permission to do this."))


def _clean_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _assign(obj, data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    for key in allowed:
        if key in data:
            value = _clean_text(data[key])
            if value is None and obj._meta.get_field(key).empty_strings_allowed and not obj._meta.get_field(key).null:
                value = ""
            setattr(obj, key, value)


def _still_in_scope(actor, customer: Customer, action: str = "view") -> None:
    if not Customer.objects.restrict(actor, action).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("The customer would be outside the data you may see."))


def next_customer_code() -> str:
    """The next customer number, KH0000001 … (a row-locked sequence)."""
    return "KH{:07d}".format(next_number("customer"))


def default_team_for(actor) -> OrgUnit | None:
    """The team a new customer of ``actor`` belongs to: the unit of their first grant that
    may add customers, else their own unit."""
    grants = access_for(actor).grants_for(perms.CUSTOMERS_ADD)
    for g in grants:
        if g.scope == perms.SCOPE_OWN:
            return OrgUnit.objects.get(pk=g.unit_id)
    if actor.unit_id:
        return actor.unit
    if grants:
        return OrgUnit.objects.get(pk=grants[0].unit_id)
    return None


def refresh_derived(customer: Customer) -> None:
    """Recompute the search text and file completeness (R2.1) from the stored contacts."""
    contacts = list(customer.contacts.values_list("name", "phone"))
    customer.search_text = build_search_text(
        name=customer.name,
        name_en=customer.name_en,
        code=customer.code,
        credit_code=customer.credit_code,
        city=customer.city,
        contacts=contacts,
    )
    customer.completeness = customer.compute_completeness()
    Customer.objects.filter(pk=customer.pk).update(search_text=customer.search_text, completeness=customer.completeness)
    index_customers([(customer.pk, customer.search_text)])


def _normalize_customer(customer: Customer) -> None:
    customer.credit_code = normalize_credit_code(customer.credit_code)
    customer.phone = normalize_phone(customer.phone)
    customer.fax = normalize_phone(customer.fax)


def _validate_owner_team(actor, customer: Customer, *, changing: bool) -> None:
    errors: dict[str, list[str]] = {}
    if customer.owner_id and not User.objects.filter(pk=customer.owner_id, is_active=True).exists():
        errors.setdefault("owner", []).append(_("The owner must be an active user."))
    if customer.team_id and not OrgUnit.objects.filter(pk=customer.team_id, is_active=True).exists():
        errors.setdefault("team", []).append(_("The team must be an active org unit."))
    if errors:
        raise ValidationError(errors)
    if changing and not access_for(actor).has(perms.CUSTOMERS_REASSIGN):
        raise PermissionDenied(_("You may not move a customer to another owner or team."))


@transaction.atomic
def customer_create(
    *,
    actor: User,
    data: Mapping[str, Any],
    contacts: Iterable[Mapping[str, Any]] = (),
    yearly_sales: Iterable[Mapping[str, Any]] = (),
    owner: User | None = None,
    team: OrgUnit | None = None,
) -> Customer:
    """Create a customer file with its contacts and yearly sales (R2)."""
    _require(actor, perms.CUSTOMERS_ADD)
    customer = Customer(created_by=actor)
    _assign(customer, data, CUSTOMER_FIELDS)
    customer.owner = owner or actor
    chosen_team = team or default_team_for(actor)
    if chosen_team is None:
        raise ValidationError({"team": [_("Choose the team this customer belongs to.")]})
    customer.team = chosen_team
    reassigning = customer.owner_id != actor.pk
    _validate_owner_team(actor, customer, changing=reassigning)
    _normalize_customer(customer)
    customer.code = next_customer_code()
    customer.full_clean()
    customer.save()
    errors: dict[str, list] = {}
    for i, row in enumerate(contacts):
        try:
            _contact_save(Contact(customer=customer), row)
        except ValidationError as exc:
            for name, messages in _error_items(exc):
                errors[f"contacts[{i}].{name}"] = messages
    for i, row in enumerate(yearly_sales):
        try:
            _year_save(CustomerYearSales(customer=customer), row)
        except ValidationError as exc:
            for name, messages in _error_items(exc):
                errors[f"yearly_sales[{i}].{name}"] = messages
    if errors:
        raise ValidationError(errors)
    refresh_derived(customer)
    _still_in_scope(actor, customer)
    return customer


@transaction.atomic
def customer_update(
    *,
    actor: User,
    customer: Customer,
    data: Mapping[str, Any],
    owner: User | None = None,
    team: OrgUnit | None = None,
) -> Customer:
    """Edit a customer's file. Moving it to another owner/team needs ``customers.reassign``."""
    _require(actor, perms.CUSTOMERS_CHANGE)
    _still_in_scope(actor, customer, "change")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.is_archived:
        raise ValidationError(_("An archived customer cannot be edited; restore it first."))
    _assign(customer, data, CUSTOMER_FIELDS)
    changing = False
    if owner is not None and owner.pk != customer.owner_id:
        customer.owner = owner
        changing = True
    if team is not None and team.pk != customer.team_id:
        customer.team = team
        changing = True
    _validate_owner_team(actor, customer, changing=changing)
    _normalize_customer(customer)
    customer.full_clean()
    customer.save()
    refresh_derived(customer)
    _still_in_scope(actor, customer)
    return customer


@transaction.atomic
def customer_archive(*, actor: User, customer: Customer, reason: str = "") -> Customer:
    """Archive a customer: it leaves the active lists but keeps its file and history."""
    _require(actor, perms.CUSTOMERS_ARCHIVE)
    _still_in_scope(actor, customer, "archive")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.is_archived:
        raise ValidationError(_("The customer is already archived."))
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"archive_reason": [_("Keep the reason under 200 characters.")]})
    customer.status = Status.ARCHIVED
    customer.archived_at = timezone.now()
    customer.archive_reason = reason
    customer.save()
    return customer


@transaction.atomic
def customer_restore(*, actor: User, customer: Customer) -> Customer:
    _require(actor, perms.CUSTOMERS_ARCHIVE)
    _still_in_scope(actor, customer, "archive")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if not customer.is_archived:
        raise ValidationError(_("The customer is not archived."))
    customer.status = Status.ACTIVE
    customer.archived_at = None
    customer.archive_reason = ""
    customer.save()
    return customer


def _contact_save(contact: Contact, data: Mapping[str, Any]) -> Contact:
    _assign(contact, data, CONTACT_FIELDS)
    contact.phone = normalize_phone(contact.phone)
    contact.full_clean()
    contact.save()
    return contact


def _year_save(row: CustomerYearSales, data: Mapping[str, Any]) -> CustomerYearSales:
    _assign(row, data, ("year", "revenue"))
    row.full_clean()
    row.save()
    return row


def _editable_customer(actor: User, customer: Customer) -> None:
    _require(actor, perms.CUSTOMERS_CHANGE)
    _still_in_scope(actor, customer, "change")
    if customer.is_archived:
        raise ValidationError(_("An archived customer cannot be edited; restore it first."))


@transaction.atomic
def contact_create(*, actor: User, customer: Customer, data: Mapping[str, Any]) -> Contact:
    """Add a contact (主要联系人) to a customer."""
    _editable_customer(actor, customer)
    contact = _contact_save(Contact(customer=customer), data)
    refresh_derived(customer)
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, data: Mapping[str, Any]) -> Contact:
    _editable_customer(actor, contact.customer)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    _contact_save(contact, data)
    refresh_derived(contact.customer)
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> None:
    customer = contact.customer
    _editable_customer(actor, customer)
    contact.delete()
    refresh_derived(customer)


@transaction.atomic
def yearly_sales_set(*, actor: User, customer: Customer, rows: Iterable[Mapping[str, Any]]) -> None:
    """Replace the customer's 近3年销售业绩 with ``rows`` ({year, revenue}); logs each change."""
    _editable_customer(actor, customer)
    errors: dict[str, list[str]] = {}
    wanted: dict[int, tuple[int, Mapping[str, Any]]] = {}
    for i, row in enumerate(rows):
        raw_year = row.get("year")
        if raw_year is None or raw_year == "":
            continue
        try:
            year = int(raw_year)
        except (TypeError, ValueError):
            errors[f"yearly_sales[{i}].year"] = [_("Enter a whole year, e.g. 2025.")]
            continue
        if year in wanted:
            errors[f"yearly_sales[{i}].year"] = [_("Each year may appear only once.")]
            continue
        wanted[year] = (i, {**row, "year": year})
    existing = {r.year: r for r in CustomerYearSales.objects.filter(customer=customer)}
    for year, (i, row) in wanted.items():
        try:
            _year_save(existing.pop(year, None) or CustomerYearSales(customer=customer), row)
        except ValidationError as exc:
            for name, messages in _error_items(exc):
                errors[f"yearly_sales[{i}].{name}"] = messages
    if errors:
        raise ValidationError(errors)
    for stale in existing.values():
        stale.delete()
    refresh_derived(customer)


@transaction.atomic
def account_team_add(*, actor: User, customer: Customer, user: User, role: str) -> AccountTeamMember:
    """Seat ``user`` on the customer's account team; they then see the customer (R1.2)."""
    _editable_customer(actor, customer)
    if not user.is_active:
        raise ValidationError({"user": [_("Only active users can join an account team.")]})
    member, _created = AccountTeamMember.objects.get_or_create(customer=customer, user=user, defaults={"role": role})
    if member.role != role:
        member.role = role
        member.full_clean()
        member.save()
    return member


@transaction.atomic
def account_team_remove(*, actor: User, member: AccountTeamMember) -> None:
    _editable_customer(actor, member.customer)
    member.delete()
