"""The change context: who is acting, from where, in which request (no model imports, so the
console entry point can open one before Django is set up)."""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ChangeContext:
    source: str = "system"
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    actor: Any = None
    request: Any = None

    def get_actor(self):
        if self.actor is not None:
            return self.actor
        user = getattr(self.request, "user", None) if self.request is not None else None
        if user is not None and getattr(user, "is_authenticated", False):
            return user
        return None


_current: contextvars.ContextVar[ChangeContext | None] = contextvars.ContextVar("kam_change", default=None)


@contextlib.contextmanager
def change_context(
    *, source: str = "system", actor=None, request=None, request_id: str | None = None
) -> Iterator[ChangeContext]:
    """Attribute every change made inside the block to ``actor`` (or ``request.user``)."""
    parent = _current.get()
    ctx = ChangeContext(
        source=source,
        actor=actor,
        request=request,
        request_id=request_id or (parent.request_id if parent else uuid.uuid4().hex),
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def current_context() -> ChangeContext:
    return _current.get() or ChangeContext()
