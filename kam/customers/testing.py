"""The shared test kit, customer part: factories, the ``world`` (one customer per corner of the
personas' org tree) and the hand-written tables of who sees which of them and may do what.

``EXPECTED_SCOPE`` is the one table of customer visibility (R1.2/R1.3); everything reached
through a customer (contacts, later orders, visits …) follows it. ``CUSTOMER_PERMISSIONS`` is the
customer file's codes per persona as the default roles give them — both written out, not
computed, so a change to roles or scoping shows up as a failing test.
"""

from __future__ import annotations

from types import SimpleNamespace

import factory
from stdnum.cn import uscc

from kam.customers.models import AccountTeamMember, Contact, Customer

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def valid_uscc(n: int) -> str:
    """A checksum-valid unified social credit code, distinct for each ``n``."""
    body = "9131"
    body += f"{n // 1_000_000_0 % 10000 if n >= 10_000_000 else 0:04d}"
    digits = []
    m = n
    for _i in range(9):
        digits.append(_ALPHABET[m % 31])
        m //= 31
    code17 = ("91310000" + "".join(reversed(digits)))[:17]
    return code17 + uscc.calc_check_digit(code17)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"KT{n:07d}")
    name = factory.Sequence(lambda n: f"测试客户{n}号有限公司")
    credit_code = factory.Sequence(lambda n: valid_uscc(n + 1))
    province = "上海市"
    nature = "private"
    industry_position = "medium"
    credit_rating = "A"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    phone = factory.Sequence(lambda n: f"139 {n // 10000 % 10000:04d} {n % 10000:04d}")


WORLD_CUSTOMERS: tuple[str, ...] = ("c_sp1", "c_sp2", "c_team_b", "c_south", "c_shared")
_ALL = set(WORLD_CUSTOMERS)

# Who sees which of the world's customers (R1.2/R1.3), written out by hand.
EXPECTED_SCOPE: dict[str, set[str]] = {
    "sp1": {"c_sp1", "c_shared"},  # own + the account team he sits on
    "sp2": {"c_sp2"},
    "am": {"c_sp1", "c_sp2"},  # team A
    "dm": {"c_sp1", "c_sp2", "c_team_b", "c_shared"},  # 华东 department: teams A and B
    "dm_south": {"c_south"},  # 华南 department
    "sp_other": {"c_south"},
    "director": _ALL,
    "vp": _ALL,
    "finance": _ALL,
    "admin": _ALL,
    "hr": set(),
    "gift_admin": set(),
    "office": set(),
    "inactive": set(),
    "outsider": set(),
}

_SPECIALIST = {"customers.view", "customers.add", "customers.change"}
_MANAGER = _SPECIALIST | {"customers.archive", "customers.reassign"}
CUSTOMER_PERMISSIONS: dict[str, set[str]] = {
    "sp1": _SPECIALIST,
    "sp2": _SPECIALIST,
    "sp_other": _SPECIALIST,
    "am": _MANAGER,
    "dm": _MANAGER,
    "dm_south": _MANAGER,
    "director": _MANAGER,
    "vp": _MANAGER,
    "admin": _MANAGER,
    "finance": {"customers.view"},
    "hr": set(),
    "gift_admin": set(),
    "office": set(),
    "inactive": set(),
    "outsider": set(),
}


def build_world(personas) -> SimpleNamespace:
    """Personas plus customers: sp1's, sp2's, team B's, 华南's, and one sp1 only joins via the
    account team — each with one contact."""
    from .services import refresh_derived

    p = personas
    c_sp1 = CustomerFactory(name="华东精密机械有限公司", owner=p.sp1, team=p.team_a)
    c_sp2 = CustomerFactory(name="上海明珠贸易有限公司", owner=p.sp2, team=p.team_a)
    c_team_b = CustomerFactory(name="杭州西湖电子有限公司", owner=p.dm, team=p.team_b)
    c_south = CustomerFactory(name="广州南方物流有限公司", owner=p.sp_other, team=p.team_s)
    c_shared = CustomerFactory(name="苏州协作科技有限公司", owner=p.dm, team=p.team_b)
    AccountTeamMember.objects.create(customer=c_shared, user=p.sp1, role="presales")
    for c in (c_sp1, c_sp2, c_team_b, c_south, c_shared):
        ContactFactory(customer=c)
    for c in (c_sp1, c_sp2, c_team_b, c_south, c_shared):
        refresh_derived(c)
    return SimpleNamespace(p=p, c_sp1=c_sp1, c_sp2=c_sp2, c_team_b=c_team_b, c_south=c_south, c_shared=c_shared)
