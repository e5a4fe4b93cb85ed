"""DRF permission classes: KAM permission codes (R1.2) for API views."""

from __future__ import annotations

from rest_framework import permissions

from ..access import access_for


def HasKamPermission(permission: str):  # noqa: N802 — reads like a class in permission_classes
    """A DRF permission class requiring a KAM permission code (R1.2) → 403 without it."""

    class _HasKamPermission(permissions.BasePermission):
        def has_permission(self, request, view):
            return bool(request.user and request.user.is_authenticated and access_for(request.user).has(permission))

    _HasKamPermission.__name__ = "Has_{}".format(permission.replace(".", "_"))
    return _HasKamPermission


class KamActionPermission(permissions.BasePermission):
    """Per-action KAM permission for a viewset (R1.2): 401 anonymous, 403 without the code.

    The view names the code each action needs in ``kam_permissions`` —
    ``{"list": "customers.view", "create": "customers.add", ...}``; a value may be a tuple
    meaning "any of these". ``"metadata"`` (OPTIONS) falls back to the ``"list"`` code. A method
    the viewset does not route (``view.action is None``) passes here so the client gets the
    honest 405, not a 403. An action the view forgot to map is refused.
    """

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        action = getattr(view, "action", None)
        if action is None:
            return True
        required = getattr(view, "kam_permissions", {})
        codes = required.get(action) or (required.get("list") if action == "metadata" else None)
        if not codes:
            return False
        if isinstance(codes, str):
            codes = (codes,)
        access = access_for(user)
        return any(access.has(code) for code in codes)
