"""The organisation app — and what it plugs into the registry (its permission codes, nav, home
panel, its own unit usages, demo and gen-data steps, URLs); the default roles are synced from
the registry after every ``migrate``."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _home_panel(request):
    from .access import access_for
    from .permissions import ORG_MANAGE
    from .selectors import org_stats

    if not access_for(request.user).has(ORG_MANAGE):
        return None
    return {"org_stats": org_stats()}


def _demo(ctx):
    from .demo import load

    load(ctx)


def _gendata(ctx):
    from .gendata import load

    load(ctx)


def _gendata_arguments(parser):
    from .gendata import add_arguments

    add_arguments(parser)


def _holds(user, code: str) -> bool:
    from .access import access_for

    return access_for(user).has(code)


class OrgConfig(AppConfig):
    name = "kam.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from kam.core.registry import ApiSchema, HomePanel, Loader, NavItem, PermissionCheck, UrlMount, register

        from . import permissions as perms
        from .roles import sync_after_migrate
        from .selectors import ORG_UNIT_USAGES

        register("permissions", *perms.ORG_PERMISSIONS)
        # infrastructure (kam.core.perms.user_has) asks the org's Access whether a user holds a code
        register("permission_checks", PermissionCheck("org", _holds))
        register(
            "nav_items",
            NavItem("org:units", _("Organisation"), "sitemap", perms.ORG_MANAGE, order=80, group="settings"),
            NavItem("org:users", _("Users"), "users", perms.ORG_MANAGE, order=81, group="settings"),
        )
        register("home_panels", HomePanel("org", "org/home_panel.html", _home_panel, perms.ORG_MANAGE, order=80))
        register("unit_usage", *ORG_UNIT_USAGES)
        register("demo_loaders", Loader("org", _demo, order=10))
        register("gendata_loaders", Loader("org", _gendata, order=10, add_arguments=_gendata_arguments))
        register("urls", UrlMount("org/", "kam.org.urls", order=80))
        register("api_urls", UrlMount("", "kam.org.api.urls", order=10))
        register("api_schema", ApiSchema("org", tags=({"name": "auth", "description": "Get an API token."},), order=10))
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="kam_sync_default_roles")
