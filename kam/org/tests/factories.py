"""Factories and the shared personas (architecture.md, Healthchecks ``hc/test.py``)."""

from dataclasses import dataclass

from kam.org.models import OrgUnit, Role, RoleGrant, User

PASSWORD = "persona-pass-2026"


def make_user(username: str, *, name: str = "", unit: OrgUnit | None = None, roles=(), password=PASSWORD) -> User:
    user = User.objects.create_user(username=username, password=password, name=name or username, unit=unit)
    for code, at in roles:
        RoleGrant.objects.create(user=user, role=Role.objects.get(code=code), unit=at)
    return user


@dataclass
class Personas:
    hq: OrgUnit
    east: OrgUnit
    east_dept: OrgUnit
    team_a: OrgUnit
    team_b: OrgUnit
    south: OrgUnit
    south_dept: OrgUnit
    team_s: OrgUnit
    sp1: User  # specialist, team A
    sp2: User  # specialist, team A
    am: User  # account manager, team A
    dm: User  # department manager, 华东 department (teams A and B)
    sp_other: User  # specialist of another department (华南)
    director: User
    vp: User
    finance: User
    hr: User
    admin: User
    outsider: User  # active user with no role at all


def build_personas() -> Personas:
    hq = OrgUnit.objects.create(name="总部", code="hq", kind="company")
    east = OrgUnit.objects.create(name="华东大区", code="east", kind="region", parent=hq)
    east_dept = OrgUnit.objects.create(name="华东大客户部", code="east-kam", kind="department", parent=east)
    team_a = OrgUnit.objects.create(name="华东一组", code="east-a", kind="team", parent=east_dept)
    team_b = OrgUnit.objects.create(name="华东二组", code="east-b", kind="team", parent=east_dept)
    south = OrgUnit.objects.create(name="华南大区", code="south", kind="region", parent=hq)
    south_dept = OrgUnit.objects.create(name="华南大客户部", code="south-kam", kind="department", parent=south)
    team_s = OrgUnit.objects.create(name="华南一组", code="south-a", kind="team", parent=south_dept)
    return Personas(
        hq=hq,
        east=east,
        east_dept=east_dept,
        team_a=team_a,
        team_b=team_b,
        south=south,
        south_dept=south_dept,
        team_s=team_s,
        sp1=make_user("sp1", name="张专员", unit=team_a, roles=[("specialist", team_a)]),
        sp2=make_user("sp2", name="李专员", unit=team_a, roles=[("specialist", team_a)]),
        am=make_user("am", name="王经理", unit=team_a, roles=[("account_manager", team_a)]),
        dm=make_user("dm", name="赵部长", unit=east_dept, roles=[("dept_manager", east_dept)]),
        sp_other=make_user("sp_other", name="陈专员", unit=team_s, roles=[("specialist", team_s)]),
        director=make_user("director", name="周总监", unit=hq, roles=[("director", hq)]),
        vp=make_user("vp", name="吴副总", unit=hq, roles=[("vp", hq)]),
        finance=make_user("finance", name="郑财务", unit=hq, roles=[("finance", hq)]),
        hr=make_user("hr", name="孙人事", unit=hq, roles=[("hr", hq)]),
        admin=make_user("admin", name="管理员", unit=hq, roles=[("admin", hq)]),
        outsider=make_user("outsider", name="外人", unit=None),
    )
