"""The customer file's notifications (issue 8 §5): "a customer was assigned to you" and "someone
else changed a customer you own".

Registered as a change notifier (``kam/customers/registrations.py``): :func:`drafts` gets every
change of one committed transaction filed under customers (their contacts, yearly sales and
account team too) and answers **one notification per recipient and actor** — a bulk transfer or
an import of 350 customers to one person is one notification ("导入任务把 350 个客户分配给了你"),
not 350. A constant number of queries per 5,000 customers touched. The texts are written in the
company's language (``LANGUAGE_CODE``): they are stored, and read by people in either language.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kam.core.registry import registry

ASSIGNED = "customers.assigned"
CHANGED = "customers.changed"
_CHUNK = 5000


def _customers(ids: Iterable[int]) -> dict[int, tuple[int | None, str]]:
    from .models import Customer

    ids = sorted(ids)
    found: dict[int, tuple[int | None, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = Customer.objects.filter(pk__in=ids[start : start + _CHUNK]).values_list("pk", "owner_id", "name")
        found.update({pk: (owner, name) for pk, owner, name in rows})
    return found


def _names(user_ids: set[int]) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=user_ids)
    return {u.pk: u.get_full_name() or u.get_username() for u in users}


def _field_labels(fields: set[str]) -> list[str]:
    from .models import Customer

    labels = []
    for name in sorted(fields):
        try:
            labels.append(str(Customer._meta.get_field(name).verbose_name))
        except Exception:  # noqa: BLE001 — a field since removed
            labels.append(name)
    return labels


_PART_LABELS = {
    "customers.contact": lambda: _("contacts"),
    "customers.customeryearsales": lambda: _("yearly sales"),
    "customers.accountteammember": lambda: _("account team"),
}


def drafts(changes: list[Any]) -> list[Any]:
    from kam.core.notifications.services import Draft

    customers = _customers({c.parent_id for c in changes if c.parent_id})
    # (recipient, actor, source) → customer ids, for assignments and for other changes
    assigned: dict[tuple[int, int | None, str], set[int]] = defaultdict(set)
    changed: dict[tuple[int, int | None, str], set[int]] = defaultdict(set)
    what: dict[tuple[int, int | None, str], set[str]] = defaultdict(set)
    jobs: dict[tuple[int, int | None, str], set] = defaultdict(set)
    for c in changes:
        owner_name = customers.get(c.parent_id)
        if owner_name is None:
            continue
        owner = owner_name[0]
        if owner is None or owner == c.actor_id:
            continue
        key = (owner, c.actor_id, c.source)
        if c.data.get("job"):
            jobs[key].add(c.data["job"])
        if c.model == "customers.customer" and (c.action == "create" or "owner" in c.fields):
            assigned[key].add(c.parent_id)
        else:
            changed[key].add(c.parent_id)
            if c.action not in ("create", "update", "delete"):  # an event: archived, restored …
                what[key].add("!" + c.action)
            elif c.model == "customers.customer":
                what[key].update(f for f in c.fields)
            else:
                what[key].add("@" + c.model)
    for key, ids in assigned.items():  # a customer just assigned is not also "changed"
        if key in changed:
            changed[key] -= ids
    actors = _names({a for (_owner, a, _source) in [*assigned, *changed] if a is not None})
    result = []
    with translation.override(settings.LANGUAGE_CODE):
        for (owner, actor, source), ids in assigned.items():
            who = _who(actor, actors, source, jobs[(owner, actor, source)])
            result.append(_assigned(Draft, owner, actor, who, source, ids, customers))
        for (owner, actor, source), ids in changed.items():
            if ids:
                who = _who(actor, actors, source, jobs[(owner, actor, source)])
                result.append(_changed(Draft, owner, actor, who, source, ids, customers, what[(owner, actor, source)]))
    return result


def _who(actor: int | None, actors: dict[int, str], source: str, jobs: set) -> str:
    """Who did it: the actor's name; for an import 「导入任务 #12（赵部长）」 (its job, when one)."""
    name = actors.get(actor, "") if actor is not None else ""
    if source == "import":
        job = next(iter(jobs)) if len(jobs) == 1 else None
        if job is not None:
            if name:
                return _("Import job #{job} by {name}").format(job=job, name=name)
            return _("Import job #{job}").format(job=job)
        return _("An import by {name}").format(name=name) if name else _("An import")
    return name or _("The system")


def _link(owner: int, ids: set[int]) -> str:
    if len(ids) == 1:
        return reverse("customers:detail", args=[next(iter(ids))])
    return "{}?{}".format(reverse("customers:list"), urlencode({"owner": owner}))


def _assigned(Draft, owner, actor, who, source, ids, customers):  # noqa: N803
    if len(ids) == 1:
        name = customers[next(iter(ids))][1]
        title = _("{who} assigned the customer {name} to you").format(who=who, name=name)
    else:
        title = ngettext("{who} assigned {n} customer to you", "{who} assigned {n} customers to you", len(ids)).format(
            who=who, n=len(ids)
        )
    names = [customers[pk][1] for pk in sorted(ids)[:5]]
    body = "、".join(names) + ("…" if len(ids) > 5 else "") if len(ids) > 1 else ""
    return Draft(
        recipient_id=owner,
        kind=ASSIGNED,
        title=title,
        body=body,
        link=_link(owner, ids),
        actor_id=actor,
        data={"customers": sorted(ids)[:100], "count": len(ids), "source": source},
    )


def _changed(Draft, owner, actor, who, source, ids, customers, fields):  # noqa: N803
    if len(ids) == 1:
        name = customers[next(iter(ids))][1]
        title = _("{who} changed your customer {name}").format(who=who, name=name)
    else:
        title = ngettext("{who} changed {n} of your customers", "{who} changed {n} of your customers", len(ids)).format(
            who=who, n=len(ids)
        )
    events = {e.action: str(e.label) for e in registry["change_events"]}
    parts = [events.get(f[1:], f[1:]) for f in sorted(fields) if f.startswith("!")]
    parts += _field_labels({f for f in fields if not f.startswith(("@", "!"))})
    parts += [str(_PART_LABELS[f[1:]]()) for f in sorted(fields) if f.startswith("@") and f[1:] in _PART_LABELS]
    body = _("Changed: {fields}").format(fields="、".join(parts[:12])) if parts else ""
    return Draft(
        recipient_id=owner,
        kind=CHANGED,
        title=title,
        body=body,
        link=_link(owner, ids),
        actor_id=actor,
        data={"customers": sorted(ids)[:100], "count": len(ids), "source": source},
    )
