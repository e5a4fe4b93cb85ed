"""The organisation's part of ``kam gen-data``: the teams and owners synthetic records are
spread over — the existing teams with specialists or account managers, or a synthetic org
(``--teams``) created or reused (codes ``gen-…``, users ``gen_…`` without usable passwords)."""

from __future__ import annotations

from dataclasses import dataclass

from kam.core.synthetic import REGION_SHORT, REGIONS, Rng


@dataclass
class OrgSlot:
    """A team and the users who own its customers; ``region`` picks the cities."""

    team_id: int
    region: str | None
    owner_ids: list[int]


SYNTH_PREFIX = "gen"
_CN_NUM = "零一二三四五六七八九十"


def _team_label(n: int) -> str:
    return f"{_CN_NUM[n] if n <= 10 else n}组"


def ensure_synthetic_org(teams: int, *, specialists_per_team: int = 4) -> list[OrgSlot]:
    """A synthetic org (root → regions → departments → ``teams`` teams, each with an account
    manager and specialists) — created if absent, reused if present (codes ``gen-…``).

    Users get unusable passwords; rows are bulk-inserted and so not change-logged."""
    from kam.org.models import OrgUnit, Role, RoleGrant, User

    root = OrgUnit.objects.filter(parent__isnull=True, is_active=True).order_by("path").first()
    if root is None:
        root = OrgUnit.objects.create(name="总部", code="hq", kind=OrgUnit.Kind.COMPANY)
    region_keys = list(REGIONS)
    slots: list[OrgSlot] = []
    roles = {r.code: r for r in Role.objects.filter(code__in=("specialist", "account_manager"))}
    names = Rng(20260101)  # staff names do not depend on the data seed
    dept_by_region = {}
    for key in region_keys[: max(1, min(len(region_keys), teams))]:
        region_name, dept_name, _cities = REGIONS[key]
        region = _unit(f"{SYNTH_PREFIX}-{key}", region_name, OrgUnit.Kind.REGION, root)
        dept_by_region[key] = _unit(f"{SYNTH_PREFIX}-{key}-kam", dept_name, OrgUnit.Kind.DEPARTMENT, region)
    used_keys = list(dept_by_region)
    existing_users = set(User.objects.filter(username__startswith="gen_").values_list("username", flat=True))
    new_users, grants = [], []
    for t in range(teams):
        key = used_keys[t % len(used_keys)]
        n_in_region = t // len(used_keys) + 1
        team = _unit(
            f"{SYNTH_PREFIX}-{key}-{n_in_region:03d}",
            REGION_SHORT[key] + _team_label(n_in_region),
            OrgUnit.Kind.TEAM,
            dept_by_region[key],
        )
        members = [(f"gen_am_{t + 1:04d}", "account_manager", "大客户经理")]
        members += [(f"gen_sp_{t + 1:04d}_{k + 1}", "specialist", "大客户专员") for k in range(specialists_per_team)]
        for username, role_code, job in members:
            person = names.person_name()
            if username in existing_users:
                continue
            new_users.append(
                (
                    User(
                        username=username, name=person, job_title=job, unit=team, password="!gen-data", is_active=True
                    ),
                    role_code,
                    team,
                )
            )
        slots.append(OrgSlot(team_id=team.pk, region=key, owner_ids=[]))
    if new_users:
        created = User.objects.bulk_create([u for u, _r, _t in new_users], batch_size=500)
        for user, (_u, role_code, team) in zip(created, new_users, strict=True):
            grants.append(RoleGrant(user=user, role=roles[role_code], unit=team))
        RoleGrant.objects.bulk_create(grants, batch_size=500)
    owners = (
        RoleGrant.objects.filter(
            unit_id__in=[s.team_id for s in slots],
            role__code__in=("specialist", "account_manager"),
            user__is_active=True,
            user__username__startswith="gen_",
        )
        .order_by("user__username")
        .values_list("unit_id", "user_id")
    )
    by_team = {s.team_id: s for s in slots}
    for team_id, user_id in owners:
        by_team[team_id].owner_ids.append(user_id)
    return slots


def _unit(code, name, kind, parent):
    from kam.org.models import OrgUnit

    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        unit = OrgUnit.objects.filter(parent=parent, name=name, kind=kind).first()
    if unit is None:
        unit = OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent)
    return unit


def existing_org_slots() -> list[OrgSlot]:
    """Teams that already have active specialists or account managers, with their region
    guessed from the names of the team's ancestors (华东…, 华南…)."""
    from kam.org.models import OrgUnit, RoleGrant

    rows = (
        RoleGrant.objects.filter(
            role__code__in=("specialist", "account_manager"),
            user__is_active=True,
            unit__is_active=True,
            unit__kind=OrgUnit.Kind.TEAM,
        )
        .order_by("unit__path", "user__username")
        .values_list("unit_id", "unit__path", "user_id")
    )
    names = dict(OrgUnit.objects.values_list("pk", "name"))
    slots: dict[int, OrgSlot] = {}
    for unit_id, path, user_id in rows:
        slot = slots.get(unit_id)
        if slot is None:
            chain = "".join(names.get(int(p), "") for p in path.strip(".").split("."))
            region = next((k for k, short in REGION_SHORT.items() if short in chain), None)
            if region is None and "上海" in chain:
                region = "east"
            slot = slots[unit_id] = OrgSlot(team_id=unit_id, region=region, owner_ids=[])
        if user_id not in slot.owner_ids:
            slot.owner_ids.append(user_id)
    return list(slots.values())


def add_arguments(parser) -> None:
    from django.utils.translation import gettext_lazy

    parser.add_argument(
        "--teams",
        type=int,
        default=None,
        help=gettext_lazy("Use a synthetic org with this many teams (default: existing teams, else 20)."),
    )


def load(ctx) -> None:
    """gen-data step: put the teams and their owners on ``ctx.slots``."""
    from django.core.management.base import CommandError
    from django.utils.translation import gettext as _

    teams = ctx.options.get("teams")
    if teams is not None and teams < 1:
        raise CommandError(_("--teams must be at least 1."))
    slots = [] if teams is not None else existing_org_slots()
    if not slots:
        slots = ensure_synthetic_org(teams or 20)
    ctx.slots = slots
