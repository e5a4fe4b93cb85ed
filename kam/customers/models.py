"""The customer file (客户档案, R2): customers, their contacts, yearly sales and account teams.

Every model here is scoped through its customer (``scope_customer_prefix``) by the one
mechanism in :mod:`kam.core.scoping`, and change-logged by :mod:`kam.core.changes`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.changes import ChangeLoggedModel
from kam.core.scoping import RestrictedManager

from .choices import Attitude, CreditRating, IndustryPosition, Influence, Nature, Province, Status, TeamRole
from .validators import validate_credit_code, validate_phone

postcode_validator = RegexValidator(r"^\d{6}$", _("A postcode is six digits."), code="postcode")

# Key fields of the 客户档案表 counted by file completeness (R2.1), with their weight.
COMPLETENESS_FIELDS: tuple[str, ...] = (
    "name",
    "credit_code",
    "address",
    "postcode",
    "phone",
    "email",
    "website",
    "nature",
    "industry_position",
    "industry",
    "province",
    "main_business",
    "staff_count",
    "annual_revenue",
    "credit_rating",
    "advantages",
    "disadvantages",
    "countermeasures",
    "needs_analysis",
)


class Customer(ChangeLoggedModel):
    """A customer's file — every field of the 客户档案表 (R2)."""

    # identity
    code = models.CharField(_("customer number"), max_length=20, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, e.g. 91310000MA1FL4KX6B"),
    )
    # basic data
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True, validators=[postcode_validator])
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone])
    fax = models.CharField(_("fax"), max_length=32, blank=True, validators=[validate_phone])
    email = models.EmailField(_("e-mail"), max_length=120, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
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
    scope_customer_prefix = ""

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="cust_status_upd"),
            models.Index(fields=["team", "status"], name="cust_team_status"),
            models.Index(fields=["owner", "status"], name="cust_owner_status"),
            models.Index(fields=["status", "province", "credit_rating"], name="cust_status_prov_rating"),
        ]

    def __str__(self) -> str:
        return self.name

    def change_log_customer_id(self) -> int | None:
        return self.pk

    @property
    def is_archived(self) -> bool:
        return self.status == Status.ARCHIVED

    def compute_completeness(self) -> int:
        """File completeness (档案完整率, R2.1): % of key fields filled, contacts counting as one."""
        filled = sum(1 for f in COMPLETENESS_FIELDS if getattr(self, f) not in (None, ""))
        total = len(COMPLETENESS_FIELDS) + 2
        if self.pk and self.contacts.exists():
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
    scope_customer_prefix = "customer__"

    class Meta:
        verbose_name = _("yearly sales")
        verbose_name_plural = _("sales of recent years")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["customer", "year"], name="uniq_customer_year_sales")]

    def __str__(self) -> str:
        return f"{self.year}: {self.revenue}"

    def change_log_customer_id(self) -> int | None:
        return self.customer_id


class Contact(ChangeLoggedModel):
    """主要联系人 — a person at the customer, with every contact field of R2."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=60)
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RestrictedManager()
    scope_customer_prefix = "customer__"

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.name

    def change_log_customer_id(self) -> int | None:
        return self.customer_id


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
    scope_customer_prefix = "customer__"

    class Meta:
        verbose_name = _("account team member")
        verbose_name_plural = _("account team")
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="uniq_account_team_member")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"

    def change_log_customer_id(self) -> int | None:
        return self.customer_id
