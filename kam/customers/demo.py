"""The customers of the demo company (``kam demo``): ~300 customer files with contacts and
history.

Customers are created through :mod:`kam.customers.services` in a ``command`` change context
with their owner as the actor, so the change log and every customer's history are populated;
then a few users edit, reassign, archive and staff account teams, so histories show old → new.
Customers are found by their credit code and only the missing ones are created (a customer's
later edits are made only in the run that created it). Everything is drawn from
``Generator(DEMO_SEED)``, so every install gets the same demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kam.core.context import change_context

from .gendata import REGIONS, USCC_ALPHABET, Generator, credit_code, round_wan

DEMO_SEED = 2026

# owner username -> (customer files they own, where: "east" / "south" / "sh")
OWNERS: dict[str, tuple[int, str]] = {
    "am_east": (12, "east"),
    "sp_east1": (32, "east"),
    "sp_east2": (30, "east"),
    "am_east_b": (10, "east"),
    "sp_east3": (28, "east"),
    "sp_east4": (26, "east"),
    "sp_sh1": (30, "sh"),
    "sp_sh2": (26, "sh"),
    "am_south": (12, "south"),
    "sp_south1": (32, "south"),
    "sp_south2": (34, "south"),
    "sp_south3": (28, "south"),
}

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
    # the contact the new purchasing manager replaces is removed (not deleted: it can be restored)
    ("sp_south1", "sp_south1", 0, "contact_archive", {"reason": "已调岗，不再负责采购，由罗嘉豪接替"}),
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
    for username, (count, cities) in OWNERS.items():
        for _j in range(count):
            if cities == "sh":
                city = shanghai if (_j == 0 or gen.chance(0.7)) else gen.choice(sh_near)
            elif cities == "south":
                city = gen.choice(south)
            else:
                city = shanghai if gen.chance(0.1) else gen.choice(east_not_sh)
            g = gen.customer(city)
            data = dict(g.fields)
            data["credit_code"] = demo_credit_code(index, g.authority, g.division)
            index += 1
            specs.append(CustomerSpec(owner=username, data=data, contacts=g.contacts, yearly_sales=g.yearly_sales))
    return specs


def load(ctx) -> None:
    """demo step: the customers of ``OWNERS``, then the later edits, seats and archives."""
    from . import services
    from .models import Customer

    users, result = ctx.users, ctx.result
    unit_of = {name: user.unit for name, user in users.items()}
    specs = customer_specs()
    existing = set(
        Customer.objects.filter(credit_code__in=[s.data["credit_code"] for s in specs]).values_list(
            "credit_code", flat=True
        )
    )
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
            elif what == "contact_archive":
                contact = customer.contacts.filter(archived_at__isnull=True).order_by("is_primary", "id").first()
                services.contact_archive(actor=actor, contact=contact, reason=payload["reason"])
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
    _age_quiet_files(created)


# every QUIET_EVERY-th file of an owner that the demo edits no further was opened months ago and
# not touched since: the workbench's 「N 天未更新」 panel has something to show
QUIET_EVERY = 6


def _age_quiet_files(created: dict) -> None:
    """Date the quiet files (and their history) back 95–394 days, the same on every install."""
    import datetime as dt

    from django.utils import timezone

    from kam.core.changes import ObjectChange

    from .models import Contact, Customer

    touched = {(owner, k) for _a, owner, k, *_rest in (*EDITS, *SEATS, *ARCHIVES)}
    now = timezone.now()
    for (owner, k), customer in created.items():
        if k % QUIET_EVERY != QUIET_EVERY - 1 or (owner, k) in touched:
            continue
        when = now - dt.timedelta(days=95 + (k * 37 + len(owner) * 11) % 300, hours=k % 9)
        Customer.objects.filter(pk=customer.pk).update(created_at=when, updated_at=when)
        Contact.objects.filter(customer=customer).update(created_at=when, updated_at=when)
        ObjectChange.objects.filed_under(customer).update(time=when)


DEMO_IMPORT = "demo-customers.xlsx"


def load_import(ctx) -> None:
    """demo step: a finished Excel import (R2.3) — 张伟 (sp_east1) imported three new customers and
    the update of one of theirs from a workbook, as a job with its result and change log."""
    import io

    import xlsxwriter

    from kam.core.jobs.models import Job
    from kam.core.jobs.services import job_start, run_job
    from kam.core.tabular import engine

    from .models import Customer
    from .testing import valid_uscc

    actor = ctx.users.get("sp_east1")
    if actor is None or Job.objects.filter(kind="tabular.import", actor=actor, title__contains=DEMO_IMPORT).exists():
        return
    rows = [["客户名称", "统一社会信用代码", "公司性质", "员工人数", "信用等级", "主营业务"]]
    for i, (name, nature, staff, rating, business) in enumerate(
        (
            ("苏州工业园区星河精密制造有限公司", "私人有限公司", 320, "A", "精密零部件加工"),
            ("无锡太湖新材料科技有限公司", "中外合资", 150, "BBB", "高分子复合材料"),
            ("南通海港物流集团有限公司", "国营公司", 880, "AA", "港口仓储与多式联运"),
        )
    ):
        rows.append([name, valid_uscc(9_100_000 + i), nature, staff, rating, business])
    own = Customer.objects.filter(owner=actor, status="active").order_by("pk").first()
    if own is not None:
        rows.append([own.name, own.credit_code, "", (own.staff_count or 0) + 20, own.credit_rating, own.main_business])
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_numbers": False})
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    wb.close()
    buf.seek(0)
    token = engine.store_upload(buf, DEMO_IMPORT)
    job = job_start(
        actor=actor,
        kind="tabular.import",
        params={"spec": "customers", "token": token, "mode": "upsert", "dry_run": False},
        title=f"导入 {DEMO_IMPORT}",
    )
    run_job(job.pk)  # now, so the demo shows it finished (the queued task finds it done)


# a few files on the first customers of some owners (R2.2): (owner, n-th customer, [(file name, kind, description)])
ATTACHMENTS: tuple[tuple[str, int, tuple[tuple[str, str, str], ...]], ...] = (
    ("sp_east1", 0, (("营业执照（扫描件）.pdf", "pdf", "营业执照副本"), ("公司门头.png", "png", "拜访时拍摄"))),
    ("sp_east1", 1, (("合作框架协议（草稿）.pdf", "pdf", "法务审阅中"),)),
    ("sp_east2", 0, (("营业执照（扫描件）.pdf", "pdf", "营业执照副本"),)),
    ("sp_sh1", 0, (("开户许可证.pdf", "pdf", "开票资料"), ("名片.png", "png", "采购总监名片"))),
    ("sp_south1", 0, (("营业执照（扫描件）.pdf", "pdf", "营业执照副本"),)),
)


def load_attachments(ctx) -> None:
    """demo step: small generated PDF/PNG files on a few customers (skipped where a customer
    already has files, so a re-run adds nothing)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kam.core.attachments import samples, services
    from kam.core.attachments.models import Attachment

    from .models import Customer

    users = ctx.users
    for owner, k, files in ATTACHMENTS:
        customer = Customer.objects.filter(owner=users[owner]).order_by("id")[k : k + 1].first()
        if customer is None or Attachment.objects.of(customer).exists():
            continue
        actor = users[owner]
        uploads = [
            SimpleUploadedFile(
                name,
                samples.pdf(f"{customer.code} - {description}") if kind == "pdf" else samples.png(),
            )
            for name, kind, description in files
        ]
        with change_context(source="command", actor=actor):
            for upload, (_name, _kind, description) in zip(uploads, files, strict=True):
                services.attachments_add(actor=actor, owner=customer, files=[upload], description=description)
        ctx.result.edits += len(files)
