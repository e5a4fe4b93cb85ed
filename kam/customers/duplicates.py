"""The duplicate check (查重) of the customer file (R2): is this customer — or this contact's
phone — already on file? One service for every entry point: the pages, the API
(``/customers/duplicates/``, ``/contacts/duplicates/``), the services' save hook and the Excel
importer.

A customer matches when it has

* the same **credit code** (统一社会信用代码; compacted, upper case, NFKC so full-width input counts);
* the same **normalised name** (:func:`name_key`: NFKC, case-folded, brackets and spaces and
  every other non-letter dropped, company-form suffixes such as 有限公司 / 股份有限公司 / 集团 /
  Co., Ltd. stripped) — 「上海明珠贸易有限公司」 = 「上海 明珠贸易（有限公司）」 = 「上海明珠贸易股份有限公司」.
  Stored as ``Customer.name_key`` (indexed), kept at every save by a ``pre_save`` receiver;
* the same **phone** (normalised like :func:`kam.core.validators.normalize_phone`) as the
  customer's own phone or one of its contacts' phones (both indexed);
* a **very similar name**: the Dice coefficient of the two normalised names' bigrams, padded
  with a start and an end mark, at least :data:`SIMILARITY_THRESHOLD`.

The similar names come from the customer search index (:mod:`kam.customers.search` — FTS5 on
SQLite, the GIN-indexed tsvector on PostgreSQL), never from a table scan: the index is asked for
the customers containing any three-character run of the normalised name (a phrase of two
bigrams); the same query computes each one's bigram similarity from its stored ``name_key`` and
keeps the :data:`SIMILAR_CANDIDATES` most similar, which are then scored exactly in Python. A
name one character away from a name of six or more characters keeps such a run (shorter names
cannot reach the threshold with a typo), and names merely sharing a run with it rank below it.

**The threshold, 0.7.** One changed character in a normalised name of *n* characters breaks two
of its *n* + 1 padded bigrams: Dice = (n − 1)/(n + 1), 0.71 at six characters (上海明珠贸易 vs
上海明株贸易), 0.75 at seven, 0.8 at nine. Replacing a two-character word at the end — another
company of the same brand in another trade, 上海明珠贸易 vs 上海明珠物流 — breaks three:
(n − 2)/(n + 1) = 0.57 at six characters, 0.67 at eight. Most normalised Chinese company names
are five to eight characters (city + brand + trade), so 0.8 would miss the typical typo and 0.6
would flag every sister company; 0.7 separates the two up to eight characters. Longer names are
flagged more easily (a word swap in ten characters scores 0.73) — a similar name only ever warns.

**Scope never leaks** (R1.2): every :class:`Match` says why it matched and whether the customer
is in the actor's ``customers.view`` scope; only then does it carry the customer's id, number,
name, owner and team. Outside the scope it says only that a customer exists elsewhere (archived
or not) and whom to ask — the managers who may reassign customers of its team
(:func:`kam.org.selectors.holders`), by name — or "ask your manager" when there are none.

**Block or warn** (``KAM_DUPLICATE_CHECK``): in ``"warn"`` mode (the default) nothing is refused
here — the caller shows the matches and the user decides; in ``"block"`` mode
:func:`check_before_save` (called by ``customer_create`` / ``customer_update``) refuses a name
or phone that is already on file. Credit-code duplicates are always refused by the column's
unique rule. Similar names never block.

The number of queries is fixed whatever the number of customers: one for the exact matches,
one for the similar names, one for the scope, and two per distinct team outside the scope to
find whom to ask (at most :data:`MAX_MATCHES` teams).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Combinable, RawSQL
from django.db.models.functions import Concat, Length, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.validators import normalize_phone
from kam.org.models import OrgUnit, User
from kam.org.selectors import holders

from . import permissions as perms
from .choices import Status
from .models import LONG_TEXT_FIELDS, Contact, Customer
from .search import FTS_TABLE, fts_query, pg_tsquery
from .validators import normalize_credit_code


class Mode(models.TextChoices):
    """``KAM_DUPLICATE_CHECK``."""

    WARN = "warn", gettext_lazy("warn: show the matches, the user decides")
    BLOCK = "block", gettext_lazy("block: refuse a name or phone already on file")


WARN = Mode.WARN.value
BLOCK = Mode.BLOCK.value

SIMILARITY_THRESHOLD = 0.7  # see the module docstring
SIMILAR_CANDIDATES = 200  # the most similar index hits scored exactly, per check
MAX_MATCHES = 20  # matches reported per check (strongest first)
_EXACT_ROWS = 50  # rows read per exact query (a shared switchboard number may match many)
_WINDOW = 3  # characters per candidate phrase (two bigrams)
_MAX_KEY = 40  # characters of a name the candidate query looks at


class Reason(models.TextChoices):
    """Why a record matched, strongest first."""

    CREDIT_CODE = "credit_code", gettext_lazy("the same credit code")
    NAME = "name", gettext_lazy("the same name")
    PHONE = "phone", gettext_lazy("the same phone")
    CONTACT_PHONE = "contact_phone", gettext_lazy("a contact with the same phone")
    SIMILAR_NAME = "similar_name", gettext_lazy("a very similar name")


class Kind(models.TextChoices):
    CUSTOMER = "customer", gettext_lazy("customer")
    CONTACT = "contact", gettext_lazy("contact")


_STRENGTH = {reason.value: i for i, reason in enumerate(Reason)}
# the reasons that refuse a save in "block" mode, by the field they are reported under
BLOCKING = {Reason.NAME.value: "name", Reason.PHONE.value: "phone", Reason.CONTACT_PHONE.value: "phone"}


def mode() -> str:
    """``"warn"`` or ``"block"`` — the ``KAM_DUPLICATE_CHECK`` setting."""
    return getattr(settings, "KAM_DUPLICATE_CHECK", WARN)


# --- normalisation ------------------------------------------------------------------------

# company-form suffixes, stripped from the end of a name (repeatedly: "… Co., Ltd.", "…集团有限公司")
_CN_SUFFIXES = (
    "集团股份有限公司",
    "集团有限责任公司",
    "股份有限责任公司",
    "有限责任公司",
    "股份有限公司",
    "集团有限公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "总公司",
    "集团",
    "公司",
)
_EN_SUFFIXES = (
    "co",
    "company",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "llc",
    "plc",
    "gmbh",
    "group",
)
_SUFFIX = re.compile(
    r"[\W_]*(?:{}|(?<![a-z0-9])(?:{})(?![a-z0-9])\.?)[\W_]*$".format(
        "|".join(_CN_SUFFIXES), "|".join(sorted(_EN_SUFFIXES, key=len, reverse=True))
    )
)
# while suffixes are stripped a space counts only between two Latin letters or digits ("mingzhu
# trading co ltd" keeps its word breaks, so that "co" and "ltd" are words and "Tesco" keeps its
# "co"); every other space goes (上海 明珠贸易 → 上海明珠贸易)
_SPACE = re.compile(r"\s+")
_LATIN = re.compile(r"[a-z0-9]")


def _space(m: re.Match[str]) -> str:
    text, start, end = m.string, m.start(), m.end()
    between = 0 < start and end < len(text) and _LATIN.match(text[start - 1]) and _LATIN.match(text[end])
    return " " if between else ""


def name_key(name: str) -> str:
    """The normalised name two spellings of one company share: NFKC (full-width → half-width),
    case-folded, company-form suffixes stripped, then only letters and digits kept (spaces,
    brackets of every kind — （）() 【】[] — and punctuation dropped). A name that is nothing but
    a suffix (「集团公司」) keeps its last non-empty form."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = _SPACE.sub(_space, text.strip())
    while True:
        stripped = _SUFFIX.sub("", text)
        if stripped == text or not any(ch.isalnum() for ch in stripped):
            break
        text = stripped
    return "".join(ch for ch in text if ch.isalnum())[:200]


def _printable(value: str) -> str:
    """NFKC, without control and format characters (a NUL would be a database error)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", value or "") if unicodedata.category(ch)[0] != "C")


def credit_code_key(value: str) -> str:
    return normalize_credit_code(_printable(value))


def phone_key(value: str) -> str:
    return normalize_phone(_printable(value))


def name_grams(key: str) -> frozenset[str]:
    """The bigrams of a normalised name padded with a start and an end mark."""
    padded = "\x02" + key + "\x03"
    return frozenset(padded[i : i + 2] for i in range(len(padded) - 1))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the padded bigrams of two normalised names (1.0: the same name)."""
    if not a or not b:
        return 0.0
    ga, gb = name_grams(a), name_grams(b)
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def keep_name_key(sender, instance: Customer, **kwargs) -> None:
    """``pre_save`` receiver (connected in CustomersConfig.ready): ``name_key`` follows ``name``."""
    instance.name_key = name_key(instance.name)


# --- the result -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """One record already on file that matches. The customer's id, number, name, owner and team
    (and the contact's id and name) are filled only when ``in_scope``; ``ask`` names whom to ask
    about a customer outside the scope (empty: "ask your manager")."""

    kind: str  # Kind: "customer", or "contact" (find_contact_duplicates)
    reasons: tuple[str, ...]  # Reason values, strongest first
    in_scope: bool
    archived: bool
    similarity: float | None = None  # of the names, when a name matched (1.0 for the same name)
    customer_id: int | None = None
    customer_code: str = ""
    customer_name: str = ""
    owner_name: str = ""
    team_name: str = ""
    contact_id: int | None = None
    contact_name: str = ""
    same_customer: bool = False  # a contact of the customer the check was made for
    ask: tuple[str, ...] = field(default=())

    @property
    def blocking_fields(self) -> tuple[str, ...]:
        """The fields under which ``"block"`` mode refuses a save because of this match."""
        return tuple(dict.fromkeys(BLOCKING[r] for r in self.reasons if r in BLOCKING))

    def reason_text(self) -> str:
        parts = []
        for r in self.reasons:
            if r == Reason.SIMILAR_NAME and self.similarity is not None:
                parts.append(_("a very similar name ({percent}%)").format(percent=round(self.similarity * 100)))
            else:
                parts.append(str(Reason(r).label))
        # Translators: separates the reasons of a duplicate match, and the names of people to ask
        return _(", ").join(parts)

    def describe(self) -> str:
        """One translated sentence for the user."""
        reasons = self.reason_text()
        if self.in_scope:
            if self.archived:
                details = _("{code}, archived, owner {owner}, {team}")
            else:
                details = _("{code}, owner {owner}, {team}")
            details = details.format(code=self.customer_code, owner=self.owner_name, team=self.team_name)
            if self.kind == Kind.CONTACT:
                if self.same_customer:
                    return _("{contact}, a contact of this customer, has the same phone.").format(
                        contact=self.contact_name
                    )
                return _("{contact}, a contact of {name} ({details}), has the same phone.").format(
                    contact=self.contact_name, name=self.customer_name, details=details
                )
            return _("{name} ({details}) has {reasons}.").format(
                name=self.customer_name, details=details, reasons=reasons
            )
        if self.ask:
            ask = _("ask {people}").format(people=_(", ").join(self.ask))
        else:
            ask = _("ask your manager")
        if self.kind == Kind.CONTACT:
            if self.archived:
                return _("A contact with the same phone exists at an archived customer elsewhere; {ask}.").format(
                    ask=ask
                )
            return _("A contact with the same phone exists at a customer elsewhere; {ask}.").format(ask=ask)
        if self.archived:
            return _("An archived customer elsewhere has {reasons}; {ask}.").format(reasons=reasons, ask=ask)
        return _("A customer elsewhere has {reasons}; {ask}.").format(reasons=reasons, ask=ask)


# --- finding --------------------------------------------------------------------------------


@dataclass
class _Hit:
    customer: Customer
    reasons: set[str]
    similarity: float | None = None
    contact: Contact | None = None

    def strength(self) -> tuple[int, float, int]:
        return (min(_STRENGTH[r] for r in self.reasons), -(self.similarity or 0.0), self.customer.pk)


def _customers():
    return Customer.objects.select_related("owner", "team").defer("search_text", *LONG_TEXT_FIELDS)


def _windows(key: str) -> list[str]:
    """The runs of :data:`_WINDOW` characters of ``key`` (``key`` itself when shorter) that the
    search index is asked for. Enough for the threshold: a name one character away from a name
    of *n* characters scores (n − 1)/(n + 1) at best, ≥ 0.7 only from six characters on — and
    then it keeps a run of three of them (上海明株贸易 keeps 「上海明」)."""
    key = key[:_MAX_KEY]
    if len(key) < 2:
        return []
    return list(dict.fromkeys(key[i : i + _WINDOW] for i in range(max(1, len(key) - _WINDOW + 1))))


def _shared_grams(key: str) -> Combinable:
    """SQL: how many of the padded bigrams of ``key`` a customer's ``name_key`` holds."""
    padded = Concat(Value("\x02"), F("name_key"), Value("\x03"), output_field=CharField())
    shared: Combinable = Value(0)
    for gram in sorted(name_grams(key)):
        shared = shared + Case(When(GreaterThan(StrIndex(padded, Value(gram)), 0), then=Value(1)), default=Value(0))
    return shared


def _similar_candidates(key: str) -> list[Customer]:
    """Customers whose names may be like ``key``: those the search index finds for any of its
    :func:`_windows` (an FTS5 ``MATCH`` on SQLite, the GIN-indexed tsvector's ``@@`` on
    PostgreSQL; none on other databases), the :data:`SIMILAR_CANDIDATES` with the highest
    bigram similarity computed in the query — 2·shared / (|grams of key| + len(name_key) + 1), at
    most the exact :func:`similarity` (which :func:`_customer_hits` then applies) — so that names
    merely sharing a part of ``key`` never crowd out a near-duplicate."""
    windows = _windows(key)
    if not windows:
        return []
    qs = _customers()
    vendor = connections[qs.db].vendor
    if vendor == "sqlite":
        match = " OR ".join(str(fts_query(w)) for w in windows)
        qs = qs.filter(pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match]))
    elif vendor == "postgresql":
        tsq = " | ".join(str(pg_tsquery(w)) for w in windows)
        qs = qs.filter(
            RawSQL(
                '"customers_customer"."search_vector" @@ to_tsquery(\'simple\'::regconfig, %s)',
                [tsq],
                output_field=BooleanField(),
            )
        )
    else:
        return []
    score = ExpressionWrapper(
        Value(2.0) * _shared_grams(key) / (Value(len(name_grams(key)) + 1) + Length("name_key")),
        output_field=FloatField(),
    )
    return list(qs.annotate(_score=score).order_by("-_score", "pk")[:SIMILAR_CANDIDATES])


def _whom_to_ask(actor: User, team: OrgUnit, cache: dict[int, tuple[str, ...]]) -> tuple[str, ...]:
    """The names of the managers closest to ``team`` who may reassign its customers: the holders
    of ``customers.reassign`` for it whose own unit is the deepest on its path (the team's account
    manager before the department manager before the director), the actor left out."""
    if team.pk not in cache:
        people = [u for u in holders(perms.CUSTOMERS_REASSIGN, team).select_related("unit") if u.pk != actor.pk]
        on_path = [u for u in people if u.unit is not None and team.path.startswith(u.unit.path)]
        if on_path:
            deepest = max(len(u.unit.path) for u in on_path if u.unit is not None)
            people = [u for u in on_path if u.unit is not None and len(u.unit.path) == deepest]
        cache[team.pk] = tuple(u.get_short_name() for u in people)
    return cache[team.pk]


def _matches(
    actor: User,
    hits: Iterable[_Hit],
    *,
    exclude_customer: int | None = None,
    exclude_contact: int | None = None,
    exclude_trusted: bool = False,
    for_customer: int | None = None,
) -> list[Match]:
    """Hits → :class:`Match` es, strongest first, with the scope applied. An ``exclude_*`` id is
    honoured only for a record in the actor's scope (else excluding ids one by one would tell
    which id an outside customer has) — or always when the caller vouches for it."""
    hits = sorted(hits, key=_Hit.strength)
    customer_ids = {h.customer.pk for h in hits}
    if exclude_customer is not None:
        customer_ids.add(exclude_customer)
    in_scope: set[int] = set()
    if customer_ids:
        in_scope = set(
            Customer.objects.restrict(actor, perms.CUSTOMERS_VIEW)
            .filter(pk__in=customer_ids)
            .order_by()
            .values_list("pk", flat=True)
        )
    out: list[Match] = []
    asked: dict[int, tuple[str, ...]] = {}
    for h in hits:
        c = h.customer
        visible = c.pk in in_scope
        contact_visible = h.contact is not None and visible
        if exclude_customer is not None and c.pk == exclude_customer and h.contact is None:
            if exclude_trusted or visible:
                continue
        if exclude_contact is not None and h.contact is not None and h.contact.pk == exclude_contact:
            if exclude_trusted or contact_visible:
                continue
        contact = h.contact if visible else None
        out.append(
            Match(
                kind=Kind.CONTACT.value if h.contact is not None else Kind.CUSTOMER.value,
                reasons=tuple(sorted(h.reasons, key=_STRENGTH.__getitem__)),
                in_scope=visible,
                archived=c.status == Status.ARCHIVED,
                similarity=h.similarity,
                customer_id=c.pk if visible else None,
                customer_code=c.code if visible else "",
                customer_name=c.name if visible else "",
                owner_name=c.owner.get_short_name() if visible else "",
                team_name=c.team.name if visible else "",
                contact_id=contact.pk if contact is not None else None,
                contact_name=contact.name if contact is not None else "",
                same_customer=visible and for_customer is not None and c.pk == for_customer,
                ask=() if visible else _whom_to_ask(actor, c.team, asked),
            )
        )
        if len(out) >= MAX_MATCHES:
            break
    return out


def _customer_hits(*, key: str, code: str, tel: str, similar: bool, threshold: float) -> list[_Hit]:
    # one "id IN (… UNION ALL …)" of index lookups: an OR of the conditions (with the contacts'
    # subquery) makes PostgreSQL walk the whole primary key
    parts: list[QuerySet] = []
    if code:
        parts.append(Customer.objects.order_by().filter(credit_code=code).values("pk"))
    if key:
        parts.append(Customer.objects.order_by().filter(name_key=key).values("pk"))
    if tel:
        parts.append(Customer.objects.order_by().filter(phone=tel).values("pk"))
        parts.append(Contact.objects.order_by().filter(phone=tel).values("customer_id"))
    hits: dict[int, _Hit] = {}
    if parts:
        ids = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        qs = _customers().filter(pk__in=ids)
        if tel:
            qs = qs.annotate(_contact_phone=Exists(Contact.objects.filter(customer_id=OuterRef("pk"), phone=tel)))
        for c in qs.order_by("pk")[:_EXACT_ROWS]:
            reasons = set()
            if code and c.credit_code == code:
                reasons.add(Reason.CREDIT_CODE.value)
            if key and c.name_key == key:
                reasons.add(Reason.NAME.value)
            if tel and c.phone == tel:
                reasons.add(Reason.PHONE.value)
            if tel and getattr(c, "_contact_phone", False):
                reasons.add(Reason.CONTACT_PHONE.value)
            if reasons:
                hits[c.pk] = _Hit(c, reasons, 1.0 if Reason.NAME.value in reasons else None)
    if similar and key:
        for c in _similar_candidates(key):
            score = similarity(key, c.name_key or name_key(c.name))
            if score < threshold:
                continue
            if c.pk in hits:
                if Reason.NAME.value not in hits[c.pk].reasons:
                    hits[c.pk].reasons.add(Reason.SIMILAR_NAME.value)
                    hits[c.pk].similarity = score
            else:
                hits[c.pk] = _Hit(c, {Reason.SIMILAR_NAME.value}, score)
    return list(hits.values())


def find_customer_duplicates(
    *,
    actor: User,
    name: str = "",
    credit_code: str = "",
    phone: str = "",
    exclude_pk: int | None = None,
    similar: bool = True,
    threshold: float = SIMILARITY_THRESHOLD,
) -> list[Match]:
    """Customers already on file that match a (new or edited) customer's name, credit code or
    phone, strongest first, at most :data:`MAX_MATCHES` — see the module docstring.
    ``exclude_pk``: the customer being edited (ignored unless it is in the actor's scope);
    ``similar=False`` skips the similar-name search."""
    hits = _customer_hits(
        key=name_key(name),
        code=credit_code_key(credit_code),
        tel=phone_key(phone),
        similar=similar,
        threshold=threshold,
    )
    return _matches(actor, hits, exclude_customer=exclude_pk)


def find_contact_duplicates(
    *,
    actor: User,
    phone: str = "",
    customer: Customer | int | None = None,
    exclude_pk: int | None = None,
) -> list[Match]:
    """Contacts (and customers) already on file with a contact's phone, at most
    :data:`MAX_MATCHES`. ``customer``: the customer the contact belongs to — a match among its own
    contacts says so (``same_customer``); ``exclude_pk``: the contact being edited (ignored unless
    it is in the actor's scope)."""
    tel = phone_key(phone)
    if not tel:
        return []
    hits = [
        _Hit(contact.customer, {Reason.PHONE.value}, contact=contact)
        for contact in Contact.objects.filter(phone=tel)
        .select_related("customer__owner", "customer__team")
        .defer(*(f"customer__{f}" for f in ("search_text", *LONG_TEXT_FIELDS)))
        .order_by("pk")[:_EXACT_ROWS]
    ]
    hits += [_Hit(c, {Reason.PHONE.value}) for c in _customers().filter(phone=tel).order_by("pk")[:_EXACT_ROWS]]
    for_customer = customer.pk if isinstance(customer, Customer) else customer
    return _matches(actor, hits, exclude_contact=exclude_pk, for_customer=for_customer)


# --- the services' hook -----------------------------------------------------------------------


def check_before_save(*, actor: User, customer: Customer) -> None:
    """Called by ``customer_create`` / ``customer_update`` before saving: in ``"block"`` mode a
    name or phone already on file (another customer's, archived ones included) raises
    ``ValidationError({"name": [...], "phone": [...]})``, each message a match's
    :meth:`Match.describe` (within the actor's scope only). On an edit only a changed name or
    phone is checked, so an old pair of duplicates can still be edited. ``"warn"``: nothing."""
    if mode() != BLOCK:
        return
    key, tel = name_key(customer.name), phone_key(customer.phone)
    if customer.pk is not None:
        stored = Customer.objects.filter(pk=customer.pk).values_list("name_key", "phone").first()
        if stored is not None:
            key = "" if key == stored[0] else key
            tel = "" if tel == phone_key(stored[1]) else tel
    if not key and not tel:
        return
    hits = _customer_hits(key=key, code="", tel=tel, similar=False, threshold=SIMILARITY_THRESHOLD)
    errors: dict[str, list[str]] = {}
    for m in _matches(actor, hits, exclude_customer=customer.pk, exclude_trusted=True):
        for field_name in m.blocking_fields:
            errors.setdefault(field_name, []).append(m.describe())
    if errors:
        raise ValidationError(errors)
