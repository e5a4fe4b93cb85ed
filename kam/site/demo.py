"""The demo company (``kam demo``): every app's demo step, in order, in one transaction.

Each app registers a step under the registry key ``demo_loaders`` (the org tree and logins
first, then customers, later orders, visits …). The steps share a context: ``ctx.password``,
``ctx.result`` (a :class:`DemoResult` they add their counts to) and whatever earlier steps put
there (``ctx.units``, ``ctx.users``). Every step is idempotent, so ``kam demo`` may run again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction

from kam.core.context import change_context
from kam.core.registry import registry


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
    """Create whatever of the demo company is missing."""
    ctx = SimpleNamespace(
        password=password if password is not None else settings.KAM_DEMO_PASSWORD, result=DemoResult()
    )
    with change_context(source="command"):
        for loader in registry["demo_loaders"]:
            loader.load(ctx)
    return ctx.result
