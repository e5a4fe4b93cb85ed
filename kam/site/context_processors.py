"""Navigation for base.html (R1.2): the registered groups and items the user's roles may use —
the sidebar (grouped by area) and the phone's bottom tab bar."""

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


def _active(request, url: str) -> bool:
    return request.path == url if url == "/" else request.path.startswith(url)


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
                {"item": item, "url": url, "label": item.label, "icon": item.icon, "active": _active(request, url)}
            )
    groups = []
    for group in registry["nav_groups"]:
        members = [i for i in items if i["item"].group == group.key and i["item"].sidebar]
        if members:
            groups.append(
                {
                    "key": group.key,
                    "label": group.label,
                    "icon": group.icon,
                    "items": members,
                    "active": any(i["active"] for i in members),
                }
            )
    tabs = sorted((i for i in items if i["item"].tab_order is not None), key=lambda i: i["item"].tab_order)
    for tab in tabs:
        tab["label"] = tab["item"].tab_label or tab["item"].label
    return {
        "nav_groups": groups,
        "nav_items": [i for i in items if i["item"].sidebar],
        "nav_tabs": tabs,
        "kam_access": access,
    }
