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
    """One request of the access matrix: ``url(world)`` with ``method`` (and ``data``, a dict or a
    callable of the world), needing ``permission`` (a code, a tuple meaning any of them, or None
    for any signed-in user) and — when ``obj`` names a world object — that object in scope.

    ``ok`` is the status of an allowed request, ``out_of_scope`` that of an object outside the
    user's scope (404; a write naming another's record in its body answers 400). ``api``
    requests answer 401 to anonymous and inactive users, pages redirect them to the login page;
    ``public`` requests answer ``ok`` to everyone. ``setup(world)`` runs first (e.g. archive
    the customer a restore probe needs); every probe runs in a savepoint rolled back after it,
    so probes never depend on each other."""

    name: str
    method: str
    url: Callable[[Any], str]
    permission: str | tuple[str, ...] | None
    obj: str | None = None
    ok: int = 200
    api: bool = False
    data: dict | Callable[[Any], dict] | None = None
    out_of_scope: int = 404
    public: bool = False
    setup: Callable[[Any], None] | None = None
    format: str = "json"  # the API body's format ("multipart" for uploads)


@dataclass
class Expectations:
    """Who holds what (by persona) and sees which world objects — written out by hand."""

    permissions: dict[str, set[str]]
    scope: dict[str, set[str]]
    extra: dict[tuple[str, str], int] = field(default_factory=dict)  # (persona, probe) → status

    def status(self, persona: str | None, probe: Probe) -> int:
        if (persona or "anonymous", probe.name) in self.extra:
            return self.extra[(persona or "anonymous", probe.name)]
        if probe.public:
            return probe.ok
        if persona is None or persona == "inactive":  # a deactivated user is not signed in
            return 401 if probe.api else 302
        codes = probe.permission
        if codes is not None:
            codes = (codes,) if isinstance(codes, str) else codes
            if not any(code in self.permissions.get(persona, set()) for code in codes):
                return 403
        if probe.obj is not None and probe.obj not in self.scope.get(persona, set()):
            return probe.out_of_scope
        return probe.ok


def assert_access_matrix(
    probes: Iterable[Probe],
    expectations: Expectations,
    *,
    world: Any,
    client_for: Callable[[str | None, Probe], Any],
    personas: Iterable[str | None] = (*PERSONAS, None),
    fingerprint: Callable[[], Any] | None = None,
) -> dict[tuple[str, str], int]:
    """Send every probe as every persona (``None``: anonymous) and compare all the statuses with
    the expectations at once; the failure lists each (persona, probe) that differs. A refused
    request (expected 4xx, or a sign-in redirect) must also leave ``fingerprint()`` — a cheap
    summary of the database — as it was. Returns the statuses seen."""
    from django.db import transaction

    actual: dict[tuple[str, str], int] = {}
    wanted: dict[tuple[str, str], int] = {}
    changed: list[tuple[str, str]] = []
    for persona in personas:
        for probe in probes:
            key = (persona or "anonymous", probe.name)
            wanted[key] = expectations.status(persona, probe)
            refused = wanted[key] >= 400 or (wanted[key] == 302 and probe.ok != 302)
            with transaction.atomic():
                if probe.setup is not None:
                    probe.setup(world)
                client = client_for(persona, probe)
                data = probe.data(world) if callable(probe.data) else (probe.data or {})
                kwargs = {"format": probe.format} if probe.api else {}
                before = fingerprint() if fingerprint is not None and refused else None
                response = getattr(client, probe.method)(probe.url(world), data, **kwargs)
                if before is not None and fingerprint is not None and fingerprint() != before:
                    changed.append(key)
                transaction.set_rollback(True)
            actual[key] = response.status_code
    assert not changed, f"refused requests that changed the database: {changed}"
    wrong = {k: (actual[k], wanted[k]) for k in actual if actual[k] != wanted[k]}
    assert not wrong, "access matrix mismatches (persona, probe): (got, expected)\n" + "\n".join(
        f"  {k}: {v}" for k, v in sorted(wrong.items())
    )
    return actual
