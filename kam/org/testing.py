"""The shared test kit, organisation part: personas every app's tests use (Healthchecks
``hc/test.py``) and :func:`assert_access_matrix` (the NetBox view-test idea: one table of who
may reach what, checked request by request).

Personas (architecture.md "Tests"): two specialists in one team (``sp1``, ``sp2``), their
account manager (``am``), the 华东 department manager (``dm``), a second department (华南) with
its manager (``dm_south``) and a specialist (``sp_other``), a director, VP, finance, HR, gift
administrator, office director, administrator, an inactive user and an outsider with no role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kam.org.models import OrgUnit, Role, RoleGrant, User

PASSWORD = "persona-pass-2026"


def make_user(
    username: str, *, name: str = "", unit: OrgUnit | None = None, roles=(), password=PASSWORD, is_active=True
) -> User:
    user = User.objects.create_user(
        username=username, password=password, name=name or username, unit=unit, is_active=is_active
    )
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
    dm_south: User  # department manager of the second department (华南)
    sp_other: User  # specialist of the second department (华南)
    director: User
    vp: User
    finance: User
    hr: User
    gift_admin: User
    office: User  # office director
    admin: User
    inactive: User  # a former specialist of team A: deactivated, grant kept
    outsider: User  # active user with no role at all


# every persona by attribute name, in a stable order (tables and parametrisations use it)
PERSONAS: tuple[str, ...] = (
    "sp1",
    "sp2",
    "am",
    "dm",
    "dm_south",
    "sp_other",
    "director",
    "vp",
    "finance",
    "hr",
    "gift_admin",
    "office",
    "admin",
    "inactive",
    "outsider",
)


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
        dm_south=make_user("dm_south", name="黄部长", unit=south_dept, roles=[("dept_manager", south_dept)]),
        sp_other=make_user("sp_other", name="陈专员", unit=team_s, roles=[("specialist", team_s)]),
        director=make_user("director", name="周总监", unit=hq, roles=[("director", hq)]),
        vp=make_user("vp", name="吴副总", unit=hq, roles=[("vp", hq)]),
        finance=make_user("finance", name="郑财务", unit=hq, roles=[("finance", hq)]),
        hr=make_user("hr", name="孙人事", unit=hq, roles=[("hr", hq)]),
        gift_admin=make_user("gift_admin", name="何礼品", unit=hq, roles=[("gift_admin", hq)]),
        office=make_user("office", name="马主任", unit=hq, roles=[("office_director", hq)]),
        admin=make_user("admin", name="管理员", unit=hq, roles=[("admin", hq)]),
        inactive=make_user("inactive", name="钱离职", unit=team_a, roles=[("specialist", team_a)], is_active=False),
        outsider=make_user("outsider", name="外人", unit=None),
    )


# --- the access matrix ------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request of the access matrix: ``url(world)`` with ``method`` (and ``data``), needing
    ``permission`` and — when ``obj`` names a world object — that object in scope. ``ok`` is the
    status of an allowed request; ``api`` requests answer 401 to anonymous users, pages redirect
    to the login page."""

    name: str
    method: str
    url: Callable[[Any], str]
    permission: str | tuple[str, ...] | None
    obj: str | None = None
    ok: int = 200
    api: bool = False
    data: dict | None = None


@dataclass
class Expectations:
    """Who holds what (by persona) and sees which world objects — written out by hand."""

    permissions: dict[str, set[str]]
    scope: dict[str, set[str]]
    extra: dict[tuple[str, str], int] = field(default_factory=dict)  # (persona, probe) → status

    def status(self, persona: str | None, probe: Probe) -> int:
        if persona is None:
            return 401 if probe.api else 302
        if (persona, probe.name) in self.extra:
            return self.extra[(persona, probe.name)]
        if persona == "inactive":  # a deactivated user cannot sign in: the API refuses the token
            return 401 if probe.api else 302
        codes = probe.permission
        if codes is not None:
            codes = (codes,) if isinstance(codes, str) else codes
            if not any(code in self.permissions.get(persona, set()) for code in codes):
                return 403
        if probe.obj is not None and probe.obj not in self.scope.get(persona, set()):
            return 404
        return probe.ok


def assert_access_matrix(
    probes: Iterable[Probe],
    expectations: Expectations,
    *,
    world: Any,
    client_for: Callable[[str | None, Probe], Any],
    personas: Iterable[str | None] = (*PERSONAS, None),
) -> None:
    """Send every probe as every persona (``None``: anonymous) and compare all the statuses with
    the expectations at once; the failure lists each (persona, probe) that differs."""
    actual: dict[tuple[str, str], int] = {}
    wanted: dict[tuple[str, str], int] = {}
    for persona in personas:
        for probe in probes:
            client = client_for(persona, probe)
            send = getattr(client, probe.method)
            kwargs = {"format": "json"} if probe.api else {}
            response = send(probe.url(world), probe.data or {}, **kwargs)
            key = (persona or "anonymous", probe.name)
            actual[key] = response.status_code
            wanted[key] = expectations.status(persona, probe)
    wrong = {k: (actual[k], wanted[k]) for k in actual if actual[k] != wanted[k]}
    assert not wrong, "access matrix mismatches (persona, probe): (got, expected)\n" + "\n".join(
        f"  {k}: {v}" for k, v in sorted(wrong.items())
    )
