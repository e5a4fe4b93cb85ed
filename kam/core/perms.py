"""Permission codes asked from infrastructure: ``user_has(user, code)`` answers through the
``permission_checks`` registry key (the org app registers its ``Access``), so kam.core never
imports the org app. A superuser holds every code."""

from __future__ import annotations

from typing import Any

from .registry import registry


def user_has(user: Any, code: str) -> bool:
    """Whether ``user`` holds permission ``code`` (False for anonymous and inactive users)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any(check.has(user, code) for check in registry["permission_checks"])
