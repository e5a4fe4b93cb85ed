"""The customer file (客户档案, R2): customers, their contacts, yearly sales and account teams.

Every model here is scoped through its customer (``scope = CustomerScope(…)``, the one
mechanism of :mod:`kam.org.scoping`) and change-logged by :mod:`kam.core.changes`, its changes
filed under the customer.

:data:`CUSTOMER_FILE` — the 客户档案表 as printed on paper, section by section — is the one list
of the file's fields: the services, the form, the detail page, the admin, file completeness and
the list's deferred columns all derive from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.core import divisions
from kam.core.changes import ChangeLoggedModel
from kam.core.money import format_money
from kam.core.validators import validate_division_code, validate_phone
from kam.core.versioning import VersionedModel
from kam.org.scoping import RestrictedManager

from .choices import (
    Attitude,
    CreditRating,
    IndustryPosition,
    Influence,
    Nature,
    Province,
    Status,
    TeamRole,
    rank_expression,
)
from .scoping import CustomerScope
from .search import NAME_SORT_MAX, name_sort_key
from .validators import postcode_validator, validate_credit_code


@dataclass(frozen=True)
class FileField:
    """A field of a paper form: ``wide`` spans the row (long texts), ``key`` counts towards
    file completeness (R2.1)."""

    name: str
    wide: bool = False
    key: bool = False


@dataclass(frozen=True)
class FileSection:
    id: str
    title: object  # lazy translation
    fields: tuple[FileField, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _f(name: str, *, wide: bool = False, key: bool = False) -> FileField:
    return FileField(name, wide, key)


# 客户档案表 (R2), in the order of the paper form
CUSTOMER_FILE: tuple[FileSection, ...] = (
    FileSection(
        "basic",
        _("Basic data"),
        (
            _f("name", wide=True, key=True),
            _f("name_en"),
            _f("credit_code", key=True),
            _f("address", wide=True, key=True),
            _f("postcode", key=True),
            _f("phone", key=True),
            _f("fax"),
            _f("email", key=True),
            _f("website", key=True),
            _f("division_code", wide=True, key=True),
        ),
    ),
    FileSection(
        "nature",
        _("Nature & industry"),
        (_f("nature", key=True), _f("industry_position", key=True), _f("industry", key=True)),
    ),
    FileSection(
        "business",
        _("Business & size"),
        (
            _f("main_business", wide=True, key=True),
            _f("secondary_business", wide=True),
            _f("staff_count", key=True),
            _f("annual_revenue", key=True),
        ),
    ),
    FileSection(
        "assessment",
        _("Our assessment"),
        (
            _f("credit_rating", key=True),
            _f("advantages", wide=True, key=True),
            _f("disadvantages", wide=True, key=True),
            _f("countermeasures", wide=True, key=True),
            _f("needs_analysis", wide=True, key=True),
            _f("service_record", wide=True),
            _f("notes", wide=True),
        ),
    ),
)
# 主要联系人 (R2): every contact field
CONTACT_FILE: tuple[FileField, ...] = (
    _f("name"),
    _f("title"),
    _f("department"),
    _f("education"),
    _f("birthday"),
    _f("hobbies"),
    _f("family"),
    _f("phone"),
    _f("email"),
    _f("wechat"),
    _f("influence"),
    _f("attitude"),
    _f("is_primary"),
    _f("notes", wide=True),
)

CUSTOMER_FIELDS: tuple[str, ...] = tuple(f.name for s in CUSTOMER_FILE for f in s.fields)
# province and city: derived from division_code by the services; still written by old API clients
REGION_FIELDS: tuple[str, ...] = ("province", "city")
WIDE_FIELDS: frozenset[str] = frozenset(f.name for s in CUSTOMER_FILE for f in s.fields if f.wide)
# Key fields of the 客户档案表 counted by file completeness (R2.1); contacts and yearly sales count as one each.
COMPLETENESS_FIELDS: tuple[str, ...] = tuple(f.name for s in CUSTOMER_FILE for f in s.fields if f.key)
CONTACT_FIELDS: tuple[str, ...] = tuple(f.name for f in CONTACT_FILE)
CONTACT_WIDE_FIELDS: frozenset[str] = frozenset(f.name for f in CONTACT_FILE if f.wide)


class Customer(VersionedModel):
    """A customer's file — every field of the 客户档案表 (R2); versioned, so concurrent edits are
    refused rather than overwritten (issue 8 §6)."""

    # identity
    code = models.CharField(_("customer number"), max_length=20, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        # the example must pass its own checksum (a test validates it with stdnum.cn.uscc)
        help_text=_("18 characters, e.g. 91310000MA1FL4KX60"),
    )
    # basic data
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True, validators=[postcode_validator])
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone], db_index=True)
    fax = models.CharField(_("fax"), max_length=32, blank=True, validators=[validate_phone])
    email = models.EmailField(_("e-mail"), max_length=120, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    # where the customer is: a GB/T 2260 code (kam.core.divisions) of the most specific level chosen;
    # the services derive province and city from it (R2), so the list filter, the bench and the
    # index cust_status_prov_rating keep reading province
    division_code = models.CharField(
        _("province / city / district"),
        max_length=6,
        blank=True,
        db_index=True,
        validators=[validate_division_code],
        help_text=_("GB/T 2260 code of the province, city or district, e.g. 440305 (广东省 深圳市 南山区)"),
    )
    province = models.CharField(_("region"), max_length=16, blank=True, choices=Province.choices, db_index=True)
    city = models.CharField(_("city"), max_length=40, blank=True)
    # nature, industry, size
    nature = models.CharField(_("company nature"), max_length=16, choices=Nature.choices, blank=True, db_index=True)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    industry_position = models.CharField(
        _("industry position"), max_length=16, choices=IndustryPosition.choices, blank=True, db_index=True
    )
    main_business = models.TextField(_("main business"), max_length=2000, blank=True)
    secondary_business = models.TextField(_("secondary business"), max_length=2000, blank=True)
    staff_count = models.PositiveIntegerField(
        _("staff"), null=True, blank=True, validators=[MaxValueValidator(10_000_000)]
    )
    annual_revenue = models.DecimalField(
        _("annual revenue (yuan)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    # our view of them
    credit_rating = models.CharField(
        _("credit rating"), max_length=4, choices=CreditRating.choices, blank=True, db_index=True
    )
    # 信用等级 as a rank — AAA 0 … C 6, none 7 — kept by the database itself (a stored generated
    # column), so the list sorts by rank from an index, whichever way the rating was written (R2)
    credit_rank = models.GeneratedField(
        expression=rank_expression("credit_rating", CreditRating.values),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
        verbose_name=_("credit rank"),
    )
    advantages = models.TextField(_("our advantages"), max_length=2000, blank=True)
    disadvantages = models.TextField(_("our disadvantages"), max_length=2000, blank=True)
    countermeasures = models.TextField(_("countermeasures"), max_length=2000, blank=True)
    needs_analysis = models.TextField(_("needs analysis"), max_length=4000, blank=True)
    service_record = models.TextField(_("service record"), max_length=4000, blank=True)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    # ownership (scoping)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="customers"
    )
    team = models.ForeignKey("org.OrgUnit", verbose_name=_("team"), on_delete=models.PROTECT, related_name="customers")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archive_reason = models.CharField(_("archive reason"), max_length=200, blank=True)
    # derived
    completeness = models.PositiveSmallIntegerField(_("file completeness %"), default=0)
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)
    # the duplicate check's normalised name (kam.customers.duplicates.name_key), kept at every save
    name_key = models.CharField(
        _("normalised name"), max_length=200, blank=True, default="", editable=False, db_index=True
    )
    # the name's pinyin, syllable by syllable ("shang hai …"): the list's name order (R2)
    name_sort = models.CharField(_("name sort key"), max_length=NAME_SORT_MAX, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RestrictedManager()
    scope = CustomerScope("")
    change_log_parent = "self"
    change_log_exclude = VersionedModel.change_log_exclude + (
        "search_text",
        "completeness",
        "name_key",
        "name_sort",
        "credit_rank",
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="cust_status_upd"),
            models.Index(fields=["team", "status"], name="cust_team_status"),
            models.Index(fields=["owner", "status"], name="cust_owner_status"),
            models.Index(fields=["status", "province", "credit_rating"], name="cust_status_prov_rating"),
            # the list sorted by name: WHERE status = … ORDER BY name_sort, id (either direction)
            models.Index(fields=["status", "name_sort", "id"], name="cust_status_name_sort"),
            # …and by credit rating: ORDER BY credit_rank, id (either direction)
            models.Index(fields=["status", "credit_rank", "id"], name="cust_status_credit_rank"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Every save keeps the pinyin sort key in step with the name (bulk loads compute it
        themselves: kam.customers.gendata)."""
        self.name_sort = name_sort_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields and "name_sort" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "name_sort"]
        super().save(*args, **kwargs)

    @property
    def is_archived(self) -> bool:
        return self.status == Status.ARCHIVED

    @property
    def division_name(self) -> str:
        """「上海市 浦东新区」: the full name of :attr:`division_code` ("" when none is set)."""
        return divisions.full_name(self.division_code)

    def compute_completeness(self) -> int:
        """File completeness (档案完整率, R2.1): % of key fields filled, contacts counting as one."""
        filled = sum(1 for f in COMPLETENESS_FIELDS if getattr(self, f) not in (None, ""))
        total = len(COMPLETENESS_FIELDS) + 2
        if self.pk and self.contacts.filter(archived_at=None).exists():
            filled += 1
        if self.pk and self.yearly_sales.exists():
            filled += 1
        return round(100 * filled / total)


class CustomerYearSales(ChangeLoggedModel):
    """公司近3年销售业绩 — the customer's own revenue in a year (R2)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="yearly_sales"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1949), MaxValueValidator(2100)])
    revenue = models.DecimalField(
        _("sales (yuan)"), max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    objects = RestrictedManager()
    scope = CustomerScope("customer__")
    change_log_parent = "customer"

    class Meta:
        verbose_name = _("yearly sales")
        verbose_name_plural = _("sales of recent years")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["customer", "year"], name="uniq_customer_year_sales")]

    def __str__(self) -> str:
        return _("{year}: {revenue} yuan").format(year=self.year, revenue=format_money(self.revenue))


class Contact(VersionedModel):
    """主要联系人 — a person at the customer, with every contact field of R2; versioned."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(pgettext_lazy("a person's", "name"), max_length=60)  # 姓名, not 名称
    title = models.CharField(_("title"), max_length=60, blank=True)
    department = models.CharField(_("department"), max_length=60, blank=True)
    education = models.CharField(_("education"), max_length=200, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    hobbies = models.CharField(_("hobbies"), max_length=200, blank=True)
    family = models.CharField(_("family"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone], db_index=True)
    email = models.EmailField(_("e-mail"), max_length=120, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    influence = models.CharField(_("influence on buying"), max_length=16, choices=Influence.choices, blank=True)
    attitude = models.CharField(_("attitude to us"), max_length=16, choices=Attitude.choices, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    # a contact who has left is removed — archived, never deleted (only an admin's purge deletes)
    archived_at = models.DateTimeField(_("removed at"), null=True, blank=True, db_index=True)
    archive_reason = models.CharField(_("reason for removal"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RestrictedManager()
    scope = CustomerScope("customer__")
    change_log_parent = "customer"

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class AccountTeamMember(ChangeLoggedModel):
    """A seat on a customer's account (project) team: a specialist on it sees the customer (R1.2)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="team_members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.CASCADE, related_name="account_seats"
    )
    role = models.CharField(_("role on the team"), max_length=16, choices=TeamRole.choices, default=TeamRole.SALES)
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    objects = RestrictedManager()
    scope = CustomerScope("customer__")
    change_log_parent = "customer"

    class Meta:
        verbose_name = _("account team member")
        verbose_name_plural = _("account team")
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="uniq_account_team_member")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


# the file's long texts: left out of list queries (the list shows none of them)
LONG_TEXT_FIELDS: tuple[str, ...] = tuple(
    name for name in CUSTOMER_FIELDS if isinstance(Customer._meta.get_field(name), models.TextField)
)
