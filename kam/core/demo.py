"""The demo company (``kam demo``): an org tree, a login for every role and ~300 customer files.

Customers are created through :mod:`kam.customers.services` in a ``command`` change context
with their owner as the actor, so the change log and every customer's history are populated;
then a few users edit, reassign, archive and staff account teams, so histories show old → new.

Loading is idempotent: units and users are found by code/username, customers by their credit
code, and only what is missing is created (a customer's later edits are made only in the run
that created it). A re-run after ``KAM_DEMO_PASSWORD`` changed resets the demo passwords.
Everything is drawn from ``random.Random(DEMO_SEED)``, so every install gets the same demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from kam.core.context import change_context
from kam.core.gendata import REGIONS, USCC_ALPHABET, Generator, credit_code, round_wan

DEMO_SEED = 2026

# code, name, kind, parent code
UNITS: tuple[tuple[str, str, str, str | None], ...] = (
    ("hq", "总部", "company", None),
    ("east", "华东大区", "region", "hq"),
    ("east-kam", "华东大客户部", "department", "east"),
    ("east-a", "华东一组", "team", "east-kam"),
    ("east-b", "华东二组", "team", "east-kam"),
    ("sh", "上海分公司", "branch", "east"),
    ("sh-kam", "上海大客户部", "department", "sh"),
    ("sh-a", "上海一组", "team", "sh-kam"),
    ("south", "华南大区", "region", "hq"),
    ("south-kam", "华南大客户部", "department", "south"),
    ("south-a", "华南一组", "team", "south-kam"),
    ("south-b", "华南二组", "team", "south-kam"),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    job_title: str
    unit: str
    role: str  # granted at ``unit``
    customers: int = 0  # customer files this user owns
    cities: str = ""  # "east" / "south" / "sh": where their customers are


USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "林志强", "系统管理员", "hq", "admin"),
    DemoUser("vp", "王建国", "副总经理", "hq", "vp"),
    DemoUser("director", "周海峰", "客户总监", "hq", "director"),
    DemoUser("finance", "郑丽华", "财务经理", "hq", "finance"),
    DemoUser("hr", "孙晓梅", "人力资源经理", "hq", "hr"),
    DemoUser("gift_admin", "何静", "礼品管理员", "hq", "gift_admin"),
    DemoUser("office", "马卫东", "办公室主任", "hq", "office_director"),
    DemoUser("mgr_east", "赵明", "华东大客户部经理", "east-kam", "dept_manager"),
    DemoUser("am_east", "钱志伟", "大客户经理", "east-a", "account_manager", 12, "east"),
    DemoUser("sp_east1", "张伟", "大客户专员", "east-a", "specialist", 32, "east"),
    DemoUser("sp_east2", "李娜", "大客户专员", "east-a", "specialist", 30, "east"),
    DemoUser("am_east_b", "孙浩", "大客户经理", "east-b", "account_manager", 10, "east"),
    DemoUser("sp_east3", "刘洋", "大客户专员", "east-b", "specialist", 28, "east"),
    DemoUser("sp_east4", "陈静", "大客户专员", "east-b", "specialist", 26, "east"),
    DemoUser("mgr_sh", "朱磊", "上海大客户部经理", "sh-kam", "dept_manager"),
    DemoUser("sp_sh1", "徐丽", "大客户专员", "sh-a", "specialist", 30, "sh"),
    DemoUser("sp_sh2", "高峰", "大客户专员", "sh-a", "specialist", 26, "sh"),
    DemoUser("mgr_south", "黄志勇", "华南大客户部经理", "south-kam", "dept_manager"),
    DemoUser("am_south", "吴涛", "大客户经理", "south-a", "account_manager", 12, "south"),
    DemoUser("sp_south1", "陈思远", "大客户专员", "south-a", "specialist", 32, "south"),
    DemoUser("sp_south2", "杨帆", "大客户专员", "south-b", "specialist", 34, "south"),
    DemoUser("sp_south3", "梁嘉欣", "大客户专员", "south-b", "specialist", 28, "south"),
)

# Later edits: (actor, owner, n-th customer of that owner, what, payload)
EDITS: tuple[tuple[str, str, int, str, dict], ...] = (
    (
        "mgr_east",
        "sp_east1",
        0,
        "update",
        {"credit_rating": "AA", "needs_analysis": "明年扩建二期工厂，计划统一采购生产设备，预算约两千万元"},
    ),
    ("am_east", "sp_east2", 1, "update", {"staff_count": 1350, "industry_position": "influential"}),
    ("sp_sh1", "sp_sh1", 0, "update", {"address": "上海市浦东新区张江路88号", "postcode": "201203"}),
    ("sp_sh1", "sp_sh1", 0, "contact_update", {"title": "总经理", "attitude": "supporter"}),
    ("sp_east1", "sp_east1", 2, "contact_update", {"attitude": "supporter", "influence": "decision_maker"}),
    (
        "sp_south1",
        "sp_south1",
        0,
        "contact_create",
        {
            "name": "罗嘉豪",
            "title": "采购经理",
            "department": "采购部",
            "education": "华南理工大学 工商管理硕士",
            "hobbies": "羽毛球、摄影",
            "family": "已婚，女儿在读小学",
            "phone": "138 2288 6610",
            "email": "luojiahao@example.com",
            "wechat": "luojiahao88",
            "influence": "influencer",
            "attitude": "friendly",
        },
    ),
    ("director", "sp_south2", 3, "update", {"industry_position": "leader", "credit_rating": "AAA"}),
    ("am_east", "sp_east1", 3, "yearly_sales", {"last_year_factor": "1.12"}),
    ("mgr_east", "sp_east1", 4, "reassign", {"owner": "sp_east2"}),
    ("sp_sh1", "sp_sh1", 1, "update", {"notes": "客户新任采购总监来自竞争对手，需尽快安排高层拜访"}),
    ("am_south", "sp_south1", 1, "update", {"countermeasures": "在广州设立备件库，承诺两小时到场"}),
)
# Account-team seats: (actor, owner, n-th customer, member, role)
SEATS: tuple[tuple[str, str, int, str, str], ...] = (
    ("am_east", "sp_east1", 5, "sp_east2", "presales"),
    ("am_east", "sp_east1", 6, "sp_east2", "delivery"),
    ("mgr_east", "sp_east3", 1, "sp_east1", "presales"),
    ("director", "sp_south1", 2, "sp_east1", "support"),
    ("director", "sp_sh1", 3, "sp_south1", "sales"),
    ("mgr_south", "sp_south3", 1, "sp_south1", "delivery"),
)
# Archives: (actor, owner, n-th customer, reason)
ARCHIVES: tuple[tuple[str, str, int, str], ...] = (
    ("mgr_east", "sp_east3", 5, "客户已被同行收购，合作终止"),
    ("mgr_south", "sp_south2", 6, "连续两年无业务往来"),
    ("mgr_sh", "sp_sh2", 4, "客户经营异常，已注销"),
)


def demo_credit_code(index: int, authority: str, division: str) -> str:
    """Checksum-valid codes in the new "MA…" organisation-code space (gen-data uses numeric
    codes, so the two never collide)."""
    n = index * 7919 + 104729
    chars = []
    for _i in range(7):
        chars.append(USCC_ALPHABET[n % 31])
        n //= 31
    return credit_code(authority_type=authority, division=division, org9="MA" + "".join(reversed(chars)))


@dataclass
class CustomerSpec:
    owner: str
    data: dict
    contacts: list[dict]
    yearly_sales: list[dict]


def customer_specs() -> list[CustomerSpec]:
    """The demo's customers, always the same (seeded), in owner order."""
    gen = Generator(DEMO_SEED)
    east = REGIONS["east"][2]
    south = REGIONS["south"][2]
    shanghai = next(c for c in east if c.short == "上海")
    sh_near = [c for c in east if c.short in ("苏州", "嘉兴", "南通", "无锡")]
    east_not_sh = [c for c in east if c is not shanghai]
    specs: list[CustomerSpec] = []
    index = 0
    for u in USERS:
        for _j in range(u.customers):
            if u.cities == "sh":
                city = shanghai if (_j == 0 or gen.chance(0.7)) else gen.choice(sh_near)
            elif u.cities == "south":
                city = gen.choice(south)
            else:
                city = shanghai if gen.chance(0.1) else gen.choice(east_not_sh)
            g = gen.customer(city)
            data = dict(g.fields)
            data["credit_code"] = demo_credit_code(index, g.authority, g.division)
            index += 1
            specs.append(CustomerSpec(owner=u.username, data=data, contacts=g.contacts, yearly_sales=g.yearly_sales))
    return specs


@dataclass
class DemoResult:
    units_created: int = 0
    users_created: int = 0
    passwords_reset: int = 0
    customers_created: int = 0
    customers_existing: int = 0
    edits: int = 0
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)  # username, name, role, unit


@transaction.atomic
def load_demo(*, password: str | None = None) -> DemoResult:
    """Create whatever of the demo company is missing (see the module docstring)."""
    from kam.customers import services
    from kam.customers.models import Customer
    from kam.org.models import OrgUnit, Role, RoleGrant, User

    password = password if password is not None else settings.KAM_DEMO_PASSWORD
    result = DemoResult()
    with change_context(source="command"):
        units: dict[str, OrgUnit] = {}
        for code, name, kind, parent in UNITS:
            unit = OrgUnit.objects.filter(code=code).first()
            if unit is None:
                unit = OrgUnit.objects.create(code=code, name=name, kind=kind, parent=units.get(parent or ""))
                result.units_created += 1
            units[code] = unit
        roles = {r.code: r for r in Role.objects.all()}
        users: dict[str, User] = {}
        # One slow (Argon2) hash for all demo logins, and one check per distinct stored hash: the
        # demo users share a published password, so a shared salt gives nothing away.
        encoded: list[str] = []
        verified: dict[str, bool] = {}

        def demo_hash() -> str:
            if not encoded:
                encoded.append(make_password(password))
            return encoded[0]

        for u in USERS:
            user = User.objects.filter(username=u.username).first()
            if user is None:
                user = User.objects.create_user(
                    username=u.username,
                    password=None,
                    name=u.name,
                    job_title=u.job_title,
                    unit=units[u.unit],
                    email="{}@example.com".format(u.username.replace("_", ".")),
                    is_staff=u.role == "admin",
                    is_superuser=u.role == "admin",
                )
                user.password = demo_hash()
                user.save(update_fields=["password"])
                result.users_created += 1
            else:
                if user.password not in verified:
                    verified[user.password] = check_password(password, user.password)
                if not verified[user.password]:
                    user.password = demo_hash()
                    user.save(update_fields=["password"])
                    verified[user.password] = True
                    result.passwords_reset += 1
            RoleGrant.objects.get_or_create(user=user, role=roles[u.role], unit=units[u.unit])
            users[u.username] = user
            result.logins.append((u.username, u.name, roles[u.role].name_zh, units[u.unit].name))

    specs = customer_specs()
    existing = set(
        Customer.objects.filter(credit_code__in=[s.data["credit_code"] for s in specs]).values_list(
            "credit_code", flat=True
        )
    )
    unit_of = {u.username: units[u.unit] for u in USERS}
    created: dict[tuple[str, int], Customer] = {}
    nth: dict[str, int] = {}
    for spec in specs:
        k = nth.get(spec.owner, 0)
        nth[spec.owner] = k + 1
        if spec.data["credit_code"] in existing:
            result.customers_existing += 1
            continue
        owner = users[spec.owner]
        with change_context(source="command", actor=owner):
            customer = services.customer_create(
                actor=owner,
                data=spec.data,
                contacts=spec.contacts,
                yearly_sales=spec.yearly_sales,
                team=unit_of[spec.owner],
            )
        created[(spec.owner, k)] = customer
        result.customers_created += 1

    def target(owner: str, k: int) -> Customer | None:
        c = created.get((owner, k))
        return Customer.objects.get(pk=c.pk) if c is not None else None

    base_year = Generator(DEMO_SEED).base_year
    for actor_name, owner, k, what, payload in EDITS:
        customer = target(owner, k)
        if customer is None:
            continue
        actor = users[actor_name]
        with change_context(source="command", actor=actor):
            if what == "update":
                services.customer_update(actor=actor, customer=customer, data=payload)
            elif what == "reassign":
                services.customer_update(actor=actor, customer=customer, data={}, owner=users[payload["owner"]])
            elif what == "contact_update":
                contact = customer.contacts.order_by("-is_primary", "id").first()
                services.contact_update(actor=actor, contact=contact, data=payload)
            elif what == "contact_create":
                services.contact_create(actor=actor, customer=customer, data=payload)
            elif what == "yearly_sales":
                # last year's figure was provisional; the audited one is higher
                rows = [{"year": y.year, "revenue": y.revenue} for y in customer.yearly_sales.order_by("year")]
                if not rows:
                    base = customer.annual_revenue or Decimal("50000000")
                    rows = [{"year": base_year - back, "revenue": base} for back in (3, 2, 1)]
                rows[-1]["revenue"] = round_wan(rows[-1]["revenue"] * Decimal(payload["last_year_factor"]))
                services.yearly_sales_set(actor=actor, customer=customer, rows=rows)
        result.edits += 1
    for actor_name, owner, k, member, role in SEATS:
        customer = target(owner, k)
        if customer is None:
            continue
        actor = users[actor_name]
        with change_context(source="command", actor=actor):
            services.account_team_add(actor=actor, customer=customer, user=users[member], role=role)
        result.edits += 1
    for actor_name, owner, k, reason in ARCHIVES:
        customer = target(owner, k)
        if customer is None:
            continue
        actor = users[actor_name]
        with change_context(source="command", actor=actor):
            services.customer_archive(actor=actor, customer=customer, reason=reason)
        result.edits += 1
    return result
