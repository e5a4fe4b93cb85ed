"""Navigation for base.html: the registered nav items the user's roles may use (R1.2)."""

from django.urls import reverse

from kam.core.registry import registry
from kam.org.access import access_for


def _allowed(access, permission) -> bool:
    if permission is None:
        return True
    codes = permission() if callable(permission) else permission
    if isinstance(codes, str):
        codes = (codes,)
    return any(access.has(code) for code in codes)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_for(user)
    items = []
    for item in registry["nav_items"]:
        if _allowed(access, item.permission):
            url = reverse(item.url_name)
            items.append(
                {
                    "url": url,
                    "label": item.label,
                    "icon": item.icon,
                    "active": request.path == url if url == "/" else request.path.startswith(url),
                }
            )
    return {"nav_items": items, "kam_access": access}
