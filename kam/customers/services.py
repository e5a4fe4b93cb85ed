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
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core import divisions
from kam.core.bulk import CleanCache
from kam.core.changes import log_event, save_with_event
from kam.core.context import attributed
from kam.core.errors import prefixed
from kam.core.models import format_number
from kam.core.validators import fold_width, normalize_phone
from kam.core.versioning import bump_version, check_version
from kam.org import permissions as org_perms
from kam.org.access import access_for
from kam.org.models import OrgUnit, User
from kam.org.scoping import units_in_scope, users_in_scope

from . import permissions as perms
from .choices import Status
from .duplicates import check_before_save
from .models import (
    CONTACT_FIELDS,
    CUSTOMER_FIELDS,
    REGION_FIELDS,
    AccountTeamMember,
    Contact,
    Customer,
    CustomerYearSales,
)
from .search import build_search_text, index_customers, name_sort_key
from .validators import normalize_credit_code, normalize_postcode

__all__ = ["CONTACT_FIELDS", "CUSTOMER_FIELDS"]  # re-exported: the field lists live with the model


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


def _still_in_scope(actor, customer: Customer, permission: str = perms.CUSTOMERS_VIEW) -> None:
    if not Customer.objects.restrict(actor, permission).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("The customer would be outside the data you may see."))


def next_customer_code() -> str:
    """The next customer number, KH0000001 … (a row-locked sequence)."""
    return format_number("KH", "customer")


def default_team_for(actor) -> OrgUnit | None:
    """The team a new customer of ``actor`` belongs to: the unit of their first grant that
    may add customers, else their own unit."""
    grants = access_for(actor).grants_for(perms.CUSTOMERS_ADD)
    for g in grants:
        if g.scope == org_perms.SCOPE_OWN:
            return OrgUnit.objects.get(pk=g.unit_id)
    if actor.unit_id:
        return actor.unit
    if grants:
        return OrgUnit.objects.get(pk=grants[0].unit_id)
    return None


def assignable_owners(actor):
    """Who ``actor`` may make a customer's owner (R1.2): active people in the part of the
    organisation where the actor may reassign customers (the actor included)."""
    return users_in_scope(actor, perms.CUSTOMERS_REASSIGN, own_units_too=True)


def choosable_teams(actor, permission: str = perms.CUSTOMERS_ADD):
    """The teams ``actor`` may file a customer under with ``permission``: active units in the
    subtrees of their grants for it (a specialist: their own team)."""
    return units_in_scope(actor, permission, own_units_too=True)


def refresh_derived(customer: Customer) -> None:
    """Recompute the search text, the pinyin sort key of the name (R2 list order) and file
    completeness (R2.1) from the stored contacts."""
    contacts = list(customer.contacts.filter(archived_at=None).values_list("name", "phone"))
    customer.search_text = build_search_text(
        name=customer.name,
        name_en=customer.name_en,
        code=customer.code,
        credit_code=customer.credit_code,
        city=customer.city,
        contacts=contacts,
    )
    customer.completeness = customer.compute_completeness()
    customer.name_sort = name_sort_key(customer.name)
    Customer.objects.filter(pk=customer.pk).update(
        search_text=customer.search_text, completeness=customer.completeness, name_sort=customer.name_sort
    )
    index_customers([(customer.pk, customer.search_text)])


def _apply_division(customer: Customer, data: Mapping[str, Any]) -> None:
    """The customer's place (R2) is its GB/T 2260 code; province and city follow from it, so they
    agree for every entry point (page, API, admin, import):

    * ``division_code`` given — a known code sets province (the region choice, 「上海市」) and city
      (「深圳市」; a municipality's is the municipality); an empty one clears them unless they are
      given too; an unknown one is left for ``full_clean`` to refuse, keyed ``division_code``;
    * only ``province``/``city`` given (API clients from before the codes) — they are kept as
      written and the code becomes the most specific division the names denote unambiguously
      (:func:`kam.core.divisions.find`), else empty.
    """
    if "division_code" in data:
        code = fold_width(customer.division_code or "").strip()
        customer.division_code = code
        if divisions.is_valid(code):
            customer.province = divisions.province_name(code)
            customer.city = divisions.city_name(code)
        elif not code and not any(k in data for k in REGION_FIELDS):
            customer.province = customer.city = ""
    elif any(k in data for k in REGION_FIELDS):
        customer.division_code = divisions.find(customer.province, customer.city)


def _normalize_customer(customer: Customer) -> None:
    """Codes and numbers as stored, whichever way they were typed: full width folded (NFKC),
    spaces and dashes dropped from the credit code and the postcode (R2)."""
    customer.credit_code = normalize_credit_code(customer.credit_code)
    customer.postcode = normalize_postcode(customer.postcode)
    customer.phone = normalize_phone(customer.phone)
    customer.fax = normalize_phone(customer.fax)


def _clash_message(actor, holder: Customer | None, *, visible: bool | None = None) -> str | None:
    if holder is None:
        return None
    if visible is None:
        visible = Customer.objects.restrict(actor, perms.CUSTOMERS_VIEW).filter(pk=holder.pk).exists()
    if not visible:
        return _(
            "This unified social credit code is already registered in another team's customer file; please ask "
            "that customer's owner or your manager to check it."
        )
    owner = holder.owner.get_short_name()
    if holder.is_archived:
        return _(
            "This unified social credit code is already registered to the archived customer “{name}” ({code}), "
            "owner {owner}; restore that customer instead."
        ).format(name=holder.name, code=holder.code, owner=owner)
    return _(
        "This unified social credit code is already registered to the customer “{name}” ({code}), owner {owner}."
    ).format(name=holder.name, code=holder.code, owner=owner)


def credit_code_clash(actor, customer: Customer) -> str | None:
    """Why ``customer``'s credit code cannot be used — another customer (active or archived)
    holds it — or None. The natural key of the customer file is unique (R2); the message names
    the holder only to someone who may see it: anyone else learns that the code is taken and
    whom to ask, never whose it is."""
    if not customer.credit_code:
        return None
    holder = (
        Customer.objects.filter(credit_code=customer.credit_code)
        .exclude(pk=customer.pk)
        .select_related("owner")
        .only("pk", "name", "code", "status", "owner__name", "owner__username")
        .first()
    )
    return _clash_message(actor, holder)


class RuleChecks:
    """The questions the customer rules ask of the database (is this owner active, may the actor
    assign them, who holds this credit code …), answered by a query each — for one record at a
    time (pages, API). :class:`BatchRuleChecks` answers the same questions from sets loaded once
    (the importer), so both entry points run the very same rules (:func:`prepare_customer`)."""

    def __init__(self, actor: User) -> None:
        self.actor = actor

    def active_user(self, pk: int) -> bool:
        return User.objects.filter(pk=pk, is_active=True).exists()

    def active_unit(self, pk: int) -> bool:
        return OrgUnit.objects.filter(pk=pk, is_active=True).exists()

    def may_reassign(self) -> bool:
        return access_for(self.actor).has(perms.CUSTOMERS_REASSIGN)

    def assignable(self, pk: int) -> bool:
        return assignable_owners(self.actor).filter(pk=pk).exists()

    def choosable(self, pk: int, permission: str) -> bool:
        return choosable_teams(self.actor, permission).filter(pk=pk).exists()

    def clash(self, customer: Customer) -> str | None:
        return credit_code_clash(self.actor, customer)

    unique = True  # also run the model's own unique checks (one query per unique field)
    cleaner: CleanCache | None = None  # full_clean with each distinct value cleaned once (imports)


class BatchRuleChecks(RuleChecks):
    """:class:`RuleChecks` from sets loaded in a few queries for a whole import: the active
    users and units, the owners and teams the actor may choose, and the customers holding the
    file's credit codes (``holders``: code → customer, with the ids the actor may see)."""

    unique = False  # the importer checks credit codes against ``holders`` and within the file

    def __init__(self, actor: User, *, holders: Mapping[str, Customer], visible: set[int]) -> None:
        super().__init__(actor)
        self.users = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
        self.units = set(OrgUnit.objects.filter(is_active=True).values_list("pk", flat=True))
        self.reassign = access_for(actor).has(perms.CUSTOMERS_REASSIGN)
        self.owners = set(assignable_owners(actor).values_list("pk", flat=True))
        self.teams: dict[str, set[int]] = {}
        self.holders = holders
        self.visible = visible
        self.cleaner = CleanCache()

    def active_user(self, pk: int) -> bool:
        return pk in self.users

    def active_unit(self, pk: int) -> bool:
        return pk in self.units

    def may_reassign(self) -> bool:
        return self.reassign

    def assignable(self, pk: int) -> bool:
        return pk in self.owners

    def choosable(self, pk: int, permission: str) -> bool:
        if permission not in self.teams:
            self.teams[permission] = set(choosable_teams(self.actor, permission).values_list("pk", flat=True))
        return pk in self.teams[permission]

    def clash(self, customer: Customer) -> str | None:
        holder = self.holders.get(customer.credit_code) if customer.credit_code else None
        if holder is None or holder.pk == customer.pk:
            return None
        return _clash_message(self.actor, holder, visible=holder.pk in self.visible)


def _clean(actor, customer: Customer, checks: RuleChecks) -> None:
    """``full_clean`` with the credit code's uniqueness checked by ``checks.clash`` (R2) so the
    message says who holds the code (:func:`credit_code_clash`); then the duplicate check
    (``KAM_DUPLICATE_CHECK=block`` refuses a duplicate)."""
    errors: dict[str, list] = {}
    clash = checks.clash(customer)
    exclude = ["credit_code"] if clash else []
    if not checks.unique:
        exclude += ["owner", "team", "created_by"]  # checked against the loaded sets, not a query per row
    if not customer.code:
        exclude.append("code")  # a new customer's number comes from the sequence when it is saved
    try:
        if checks.cleaner is not None:  # the importer: each distinct value cleaned once, same checks
            checks.cleaner.full_clean(customer, exclude)
        else:
            customer.full_clean(exclude=exclude or None, validate_unique=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if checks.unique:
        try:
            # the credit code's unique check is ours: Django's reads 「具有 统一社会信用代码 的 客户 已存在。」
            customer.validate_unique(exclude=[*errors, "credit_code", *exclude])
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    if clash:
        errors["credit_code"] = [clash]
    if errors:
        raise ValidationError(errors)
    check_before_save(actor=actor, customer=customer)


def _save(actor, customer: Customer) -> None:
    """Save; the database's unique constraint stays the backstop: a concurrent insert of the
    same code turns into the same ValidationError, not a 500."""
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        clash = credit_code_clash(actor, customer)
        if clash is None:
            raise
        raise ValidationError({"credit_code": [clash]}) from None


def _validate_owner_team(
    actor,
    customer: Customer,
    *,
    owner_changed: bool,
    team_changed: bool,
    team_permission: str,
    checks: RuleChecks | None = None,
) -> None:
    """The rules on a customer's owner and team, for every entry point (page, API, admin,
    import, command):

    * the owner is an active user, the team an active unit;
    * giving the customer to someone else, or moving it to another team, needs
      ``customers.reassign`` — and the new owner must be someone in the actor's part of the
      organisation (:func:`assignable_owners`), the new team a unit in it;
    * a new customer is filed under a team the creator may choose (:func:`choosable_teams`):
      a specialist cannot file one under another region's team.
    """
    checks = checks or RuleChecks(actor)
    errors: dict[str, list[str]] = {}
    if customer.owner_id and not checks.active_user(customer.owner_id):
        errors.setdefault("owner", []).append(_("The owner must be an active user."))
    if customer.team_id and not checks.active_unit(customer.team_id):
        errors.setdefault("team", []).append(_("The team must be an active org unit."))
    if errors:
        raise ValidationError(errors)
    if owner_changed or (team_changed and team_permission == perms.CUSTOMERS_REASSIGN):
        if not checks.may_reassign():
            raise PermissionDenied(_("You may not move a customer to another owner or team."))
    if owner_changed and not checks.assignable(customer.owner_id):
        errors["owner"] = [_("Choose an owner in your part of the organisation.")]
    if team_changed and not checks.choosable(customer.team_id, team_permission):
        errors["team"] = [_("Choose a team in your part of the organisation.")]
    if errors:
        raise ValidationError(errors)


def prepare_customer(
    *,
    actor: User,
    customer: Customer,
    data: Mapping[str, Any],
    owner: User | int | None = None,
    team: OrgUnit | int | None = None,
    checks: RuleChecks | None = None,
) -> Customer:
    """The one clean step of a customer's file, shared by :func:`customer_create`,
    :func:`customer_update` and the importer (R2.3): assign ``data``, derive the place from the
    division code, apply the owner/team rules, normalise codes and numbers, ``full_clean`` and
    the credit-code and duplicate checks. Nothing is saved; raises ``ValidationError`` (keyed by
    field) or ``PermissionDenied``. A new customer (no pk) goes to ``owner`` or the actor and
    ``team`` or the actor's default team. ``owner``/``team`` may be ids (the importer)."""
    checks = checks or RuleChecks(actor)
    creating = customer._state.adding
    _assign(customer, data, (*CUSTOMER_FIELDS, *REGION_FIELDS))
    _apply_division(customer, data)
    owner_id = owner.pk if isinstance(owner, User) else owner
    team_id = team.pk if isinstance(team, OrgUnit) else team
    if creating:
        if owner_id is None:
            customer.owner = actor
        elif isinstance(owner, User):
            customer.owner = owner
        else:
            customer.owner_id = owner_id
        if team_id is None:
            chosen = default_team_for(actor)
            if chosen is None:
                raise ValidationError({"team": [_("Choose the team this customer belongs to.")]})
            customer.team = chosen
        elif isinstance(team, OrgUnit):
            customer.team = team
        else:
            customer.team_id = team_id
        owner_changed, team_changed = customer.owner_id != actor.pk, True
        team_permission = perms.CUSTOMERS_ADD
    else:
        owner_changed = owner_id is not None and owner_id != customer.owner_id
        team_changed = team_id is not None and team_id != customer.team_id
        if owner_changed and owner_id is not None:
            if isinstance(owner, User):
                customer.owner = owner
            else:
                customer.owner_id = owner_id
        if team_changed and team_id is not None:
            if isinstance(team, OrgUnit):
                customer.team = team
            else:
                customer.team_id = team_id
        team_permission = perms.CUSTOMERS_REASSIGN
    _validate_owner_team(
        actor,
        customer,
        owner_changed=owner_changed,
        team_changed=team_changed,
        team_permission=team_permission,
        checks=checks,
    )
    _normalize_customer(customer)
    _clean(actor, customer, checks)
    return customer


@attributed
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
    # the number first, so its uniqueness is checked with the rest (the sequence rolls back with a refusal)
    new = Customer(created_by=actor, code=next_customer_code())
    customer = prepare_customer(actor=actor, customer=new, data=data, owner=owner, team=team)
    _save(actor, customer)
    errors: dict[str, list] = {}
    for i, row in enumerate(contacts):
        try:
            _contact_save(Contact(customer=customer), row)
        except ValidationError as exc:
            errors.update(prefixed("contacts", i, exc))
    for i, row in enumerate(yearly_sales):
        try:
            _year_save(CustomerYearSales(customer=customer), row)
        except ValidationError as exc:
            errors.update(prefixed("yearly_sales", i, exc))
    if errors:
        raise ValidationError(errors)
    refresh_derived(customer)
    _still_in_scope(actor, customer)
    return customer


@attributed
@transaction.atomic
def customer_update(
    *,
    actor: User,
    customer: Customer,
    data: Mapping[str, Any],
    owner: User | None = None,
    team: OrgUnit | None = None,
    expected_version: int | None = None,
) -> Customer:
    """Edit a customer's file. Moving it to another owner/team needs ``customers.reassign``
    and an owner/team in the actor's part of the organisation. ``expected_version``: the version
    the caller's data is based on — another version stored raises
    :class:`~kam.core.versioning.ConflictError` and nothing is saved (issue 8 §6)."""
    _require(actor, perms.CUSTOMERS_CHANGE)
    _still_in_scope(actor, customer, perms.CUSTOMERS_CHANGE)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    check_version(customer, expected_version)
    if customer.is_archived:
        raise ValidationError(_("An archived customer cannot be edited; restore it first."))
    prepare_customer(actor=actor, customer=customer, data=data, owner=owner, team=team)
    _save(actor, customer)
    refresh_derived(customer)
    _still_in_scope(actor, customer)
    return customer


@attributed
@transaction.atomic
def customer_archive(
    *, actor: User, customer: Customer, reason: str = "", expected_version: int | None = None
) -> Customer:
    """Archive a customer: it leaves the active lists but keeps its file and history. The reason
    is required; logged as the event ``archive`` with it."""
    _require(actor, perms.CUSTOMERS_ARCHIVE)
    _still_in_scope(actor, customer, perms.CUSTOMERS_ARCHIVE)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    check_version(customer, expected_version)
    if customer.is_archived:
        raise ValidationError(_("The customer is already archived."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"archive_reason": [_("Give the reason for archiving this customer.")]})
    if len(reason) > 200:
        raise ValidationError({"archive_reason": [_("Keep the reason under 200 characters.")]})
    customer.status = Status.ARCHIVED
    customer.archived_at = timezone.now()
    customer.archive_reason = reason
    save_with_event(customer, "archive", data={"reason": reason})
    return customer


@attributed
@transaction.atomic
def customer_restore(*, actor: User, customer: Customer, expected_version: int | None = None) -> Customer:
    """Bring an archived customer back to the active lists (the event ``restore``)."""
    _require(actor, perms.CUSTOMERS_ARCHIVE)
    _still_in_scope(actor, customer, perms.CUSTOMERS_ARCHIVE)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    check_version(customer, expected_version)
    if not customer.is_archived:
        raise ValidationError(_("The customer is not archived."))
    customer.status = Status.ACTIVE
    customer.archived_at = None
    customer.archive_reason = ""
    save_with_event(customer, "restore")
    return customer


def prepare_contact(
    contact: Contact, data: Mapping[str, Any], *, customer_checked: bool = True, cleaner: CleanCache | None = None
) -> Contact:
    """The one clean step of a contact, shared by the services and the importer (R2.3): assign
    ``data``, normalise the phone, ``full_clean``. ``customer_checked``: the caller has resolved
    the customer itself (the importer, in bulk), so its existence is not queried again.
    ``cleaner``: the importer's :class:`~kam.core.bulk.CleanCache` (the same checks, each
    distinct value cleaned once)."""
    _assign(contact, data, CONTACT_FIELDS)
    contact.phone = normalize_phone(contact.phone)
    if cleaner is not None and customer_checked:
        cleaner.full_clean(contact, ["customer"], validate_unique=True)
    else:
        contact.full_clean(exclude=["customer"] if customer_checked else None)
    return contact


def _contact_save(contact: Contact, data: Mapping[str, Any]) -> Contact:
    prepare_contact(contact, data, customer_checked=False)
    contact.save()
    return contact


def _year_save(row: CustomerYearSales, data: Mapping[str, Any]) -> CustomerYearSales:
    _assign(row, data, ("year", "revenue"))
    row.full_clean()
    row.save()
    return row


def _editable_customer(actor: User, customer: Customer) -> None:
    _require(actor, perms.CUSTOMERS_CHANGE)
    _still_in_scope(actor, customer, perms.CUSTOMERS_CHANGE)
    if customer.is_archived:
        raise ValidationError(_("An archived customer cannot be edited; restore it first."))


@attributed
@transaction.atomic
def contact_create(*, actor: User, customer: Customer, data: Mapping[str, Any]) -> Contact:
    """Add a contact (主要联系人) to a customer."""
    _editable_customer(actor, customer)
    contact = _contact_save(Contact(customer=customer), data)
    refresh_derived(customer)
    return contact


@attributed
@transaction.atomic
def contact_update(
    *, actor: User, contact: Contact, data: Mapping[str, Any], expected_version: int | None = None
) -> Contact:
    """Edit a contact; a stale ``expected_version`` raises
    :class:`~kam.core.versioning.ConflictError` with nothing saved (issue 8 §6)."""
    _editable_customer(actor, contact.customer)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    check_version(contact, expected_version)
    if contact.is_archived:
        raise ValidationError(_("A removed contact cannot be edited; restore it first."))
    _contact_save(contact, data)
    refresh_derived(contact.customer)
    return contact


def _reason(reason: str, field: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({field: [_("Give the reason.")]})
    if len(reason) > 200:
        raise ValidationError({field: [_("Keep the reason under 200 characters.")]})
    return reason


@attributed
@transaction.atomic
def contact_archive(*, actor: User, contact: Contact, reason: str = "", expected_version: int | None = None) -> Contact:
    """Remove a contact (移除联系人 — e.g. they left the customer): archived, never deleted, so
    the file's history and whatever later records point at them stay whole (R2). They leave the
    contact lists, the file's completeness and its search; the reason is optional. Logged as the
    event ``archive``. Needs ``customers.change`` on the customer, like editing."""
    _editable_customer(actor, contact.customer)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    check_version(contact, expected_version)
    if contact.is_archived:
        raise ValidationError(_("The contact is already removed."))
    contact.archive_reason = _reason(reason, "archive_reason", required=False)
    contact.archived_at = timezone.now()
    save_with_event(contact, "archive", data={"reason": contact.archive_reason} if contact.archive_reason else None)
    refresh_derived(contact.customer)
    return contact


@attributed
@transaction.atomic
def contact_restore(*, actor: User, contact: Contact, expected_version: int | None = None) -> Contact:
    """Bring a removed contact back (the event ``restore``)."""
    _editable_customer(actor, contact.customer)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    check_version(contact, expected_version)
    if not contact.is_archived:
        raise ValidationError(_("The contact is not removed."))
    contact.archived_at = None
    contact.archive_reason = ""
    save_with_event(contact, "restore")
    refresh_derived(contact.customer)
    return contact


# --- purge: the only deletes of the customer file -----------------------------------------------


@attributed
@transaction.atomic
def customer_purge(*, actor: User, customer: Customer, reason: str) -> None:
    """Delete an archived customer for good — its contacts, sales rows and account-team seats
    with it — e.g. a file created by mistake or a erasure request. Only an administrator
    (``customers.purge``), only once archived, always with a reason: the event ``purge`` with the
    reason stays in the change log, as does every deleted row's last state."""
    _require(actor, perms.CUSTOMERS_PURGE)
    _still_in_scope(actor, customer, perms.CUSTOMERS_PURGE)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if not customer.is_archived:
        raise ValidationError(_("Only an archived customer can be purged; archive it first."))
    reason = _reason(reason, "reason", required=True)
    log_event(customer, "purge", data={"reason": reason, "name": customer.name, "code": customer.code})
    customer.delete()


@attributed
@transaction.atomic
def contact_purge(*, actor: User, contact: Contact, reason: str) -> None:
    """Delete a removed contact for good (``customers.purge``, with a reason; see
    :func:`customer_purge`)."""
    _require(actor, perms.CUSTOMERS_PURGE)
    _still_in_scope(actor, contact.customer, perms.CUSTOMERS_PURGE)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if not contact.is_archived:
        raise ValidationError(_("Only a removed contact can be purged; remove it first."))
    reason = _reason(reason, "reason", required=True)
    customer = contact.customer
    log_event(contact, "purge", data={"reason": reason, "name": contact.name})
    contact.delete()
    refresh_derived(customer)


@attributed
@transaction.atomic
def yearly_sales_set(
    *, actor: User, customer: Customer, rows: Iterable[Mapping[str, Any]], expected_version: int | None = None
) -> None:
    """Replace the customer's 近3年销售业绩 with ``rows`` ({year, revenue}); logs each change.
    The years are written through the customer (its edit page, ``PUT /customers/{id}/``), so a
    change moves the customer to its next version (issue 8 §6): a client still holding the old
    version cannot put the old years back."""
    _editable_customer(actor, customer)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    check_version(locked, expected_version)
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
    changed = False
    for year, (i, row) in wanted.items():
        stored = existing.pop(year, None)
        before = stored.revenue if stored is not None else None
        try:
            saved = _year_save(stored or CustomerYearSales(customer=customer), row)
        except ValidationError as exc:
            errors.update(prefixed("yearly_sales", i, exc))
        else:
            changed = changed or stored is None or saved.revenue != before
    if errors:
        raise ValidationError(errors)
    for stale in existing.values():
        stale.delete()
        changed = True
    if changed:
        customer.version = bump_version(locked, part="yearly_sales")
    refresh_derived(customer)


@attributed
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


@attributed
@transaction.atomic
def account_team_remove(*, actor: User, member: AccountTeamMember) -> None:
    _editable_customer(actor, member.customer)
    member.delete()
