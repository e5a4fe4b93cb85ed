"""Navigation for base.html: only what the user's roles may use (R1.2)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.org import permissions as perms
from kam.org.access import access_for

# (url name, label, icon, permission or None for every logged-in user)
NAV_ITEMS = [
    ("home", _("Home"), "home", None),
    ("customers:list", _("Customers"), "building", perms.CUSTOMERS_VIEW),
    ("org:units", _("Organisation"), "sitemap", perms.ORG_MANAGE),
    ("org:users", _("Users"), "users", perms.ORG_MANAGE),
    ("api-docs", _("API"), "api", None),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_for(user)
    items = []
    for name, label, icon, permission in NAV_ITEMS:
        if permission is None or access.has(permission):
            url = reverse(name)
            items.append(
                {
                    "url": url,
                    "label": label,
                    "icon": icon,
                    "active": request.path == url if url == "/" else request.path.startswith(url),
                }
            )
    return {"nav_items": items, "kam_access": access}
