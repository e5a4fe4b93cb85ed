"""The organisation of the demo company (``kam demo``): the org tree and a login for every role.

Idempotent: units and users are found by code/username and only what is missing is created; a
re-run after ``KAM_DEMO_PASSWORD`` changed resets the demo passwords.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password

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


USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "林志强", "系统管理员", "hq", "admin"),
    DemoUser("vp", "王建国", "副总经理", "hq", "vp"),
    DemoUser("director", "周海峰", "客户总监", "hq", "director"),
    DemoUser("finance", "郑丽华", "财务经理", "hq", "finance"),
    DemoUser("hr", "孙晓梅", "人力资源经理", "hq", "hr"),
    DemoUser("gift_admin", "何静", "礼品管理员", "hq", "gift_admin"),
    DemoUser("office", "马卫东", "办公室主任", "hq", "office_director"),
    DemoUser("mgr_east", "赵明", "华东大客户部经理", "east-kam", "dept_manager"),
    DemoUser("am_east", "钱志伟", "大客户经理", "east-a", "account_manager"),
    DemoUser("sp_east1", "张伟", "大客户专员", "east-a", "specialist"),
    DemoUser("sp_east2", "李娜", "大客户专员", "east-a", "specialist"),
    DemoUser("am_east_b", "孙浩", "大客户经理", "east-b", "account_manager"),
    DemoUser("sp_east3", "刘洋", "大客户专员", "east-b", "specialist"),
    DemoUser("sp_east4", "陈静", "大客户专员", "east-b", "specialist"),
    DemoUser("mgr_sh", "朱磊", "上海大客户部经理", "sh-kam", "dept_manager"),
    DemoUser("sp_sh1", "徐丽", "大客户专员", "sh-a", "specialist"),
    DemoUser("sp_sh2", "高峰", "大客户专员", "sh-a", "specialist"),
    DemoUser("mgr_south", "黄志勇", "华南大客户部经理", "south-kam", "dept_manager"),
    DemoUser("am_south", "吴涛", "大客户经理", "south-a", "account_manager"),
    DemoUser("sp_south1", "陈思远", "大客户专员", "south-a", "specialist"),
    DemoUser("sp_south2", "杨帆", "大客户专员", "south-b", "specialist"),
    DemoUser("sp_south3", "梁嘉欣", "大客户专员", "south-b", "specialist"),
)


def load(ctx) -> None:
    """demo step: units, users and their role grants; puts ``ctx.units`` and ``ctx.users``."""
    from .models import OrgUnit, Role, RoleGrant, User

    password = ctx.password
    result = ctx.result
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
    ctx.units = units
    ctx.users = users
