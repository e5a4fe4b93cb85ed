"""The change context: who is acting, from where, in which request (no model imports, so the
console entry point can open one before Django is set up)."""

from __future__ import annotations

import contextlib
import contextvars
import functools
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


@contextlib.contextmanager
def acting_as(actor) -> Iterator[ChangeContext]:
    """Attribute the changes made inside the block to ``actor``, keeping the current source and
    request id (a service called from a page, the API, a command or a test logs its actor)."""
    parent = current_context()
    with change_context(source=parent.source, actor=actor, request=parent.request, request_id=parent.request_id) as ctx:
        yield ctx


def attributed(service):
    """Decorator for services taking a keyword-only ``actor``: their writes are logged as the
    actor's (architecture rule 2: every change is attributable)."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        actor = kwargs.get("actor")
        if actor is None:
            return service(*args, **kwargs)
        with acting_as(actor):
            return service(*args, **kwargs)

    return wrapper
