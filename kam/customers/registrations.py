"""What the customer file plugs into the registry (called from CustomersConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kam.core.registry import (
    ApiSchema,
    AttachmentOwner,
    BenchCases,
    ChangeEvent,
    ChangeLogParent,
    ChangeNotifier,
    DetailTab,
    HomePanel,
    Loader,
    NavItem,
    NotificationKind,
    OwnedItems,
    PrintForm,
    UnitUsage,
    UrlMount,
    register,
)

from . import permissions as perms


def _customer_list_url(**params) -> str:
    return "{}?{}".format(reverse("customers:list"), urlencode(params))


def _active_customers():
    from .choices import Status
    from .models import Customer

    return Customer.objects.filter(status=Status.ACTIVE)


def _team_count_annotation():
    from kam.org.selectors import count_per_unit

    return count_per_unit(_active_customers(), "team")


def _figures_panel(request) -> dict | None:
    from kam.org.access import access_for

    from . import selectors

    access = access_for(request.user)
    return {**selectors.figures(user=request.user), "can_add_customers": access.has(perms.CUSTOMERS_ADD)}


def _breakdown_panel(request) -> dict | None:
    from . import selectors

    data = selectors.breakdown(user=request.user)
    return data if data["breakdown_by"] else None


def _incomplete_panel(request) -> dict | None:
    from . import selectors

    return selectors.incomplete_files(user=request.user)


def _untouched_panel(request) -> dict | None:
    from django.conf import settings

    from . import selectors

    return selectors.untouched_customers(user=request.user, days=settings.KAM_UNTOUCHED_DAYS)


def _visible_customers(user):
    from .selectors import visible_customer_ids

    return visible_customer_ids(user)


def _demo(ctx) -> None:
    from .demo import load

    load(ctx)


def _demo_import(ctx) -> None:
    from .demo import load_import

    load_import(ctx)


def _demo_attachments(ctx) -> None:
    from .demo import load_attachments

    load_attachments(ctx)


def _gendata(ctx) -> None:
    from .gendata import load

    load(ctx)


def _gendata_arguments(parser) -> None:
    from .gendata import add_arguments

    add_arguments(parser)


def _bench_excel(ctx):
    from .tabular_bench import prepare

    return prepare(ctx)


def _bench(ctx):
    from .bench import prepare

    return prepare(ctx)


def _tab(name: str):
    def call(request, obj):
        from . import tabs

        return getattr(tabs, name)(request, obj)

    return call


def _notification_drafts(changes):
    from .notifications import drafts

    return drafts(changes)


def _attachments_tab(request, obj) -> str:
    from kam.core.attachments.views import render_tab

    return render_tab(request, obj)


def _attachments_count(request, obj) -> int:
    from kam.core.attachments.views import tab_count

    return tab_count(request, obj)


def _print_context(request, obj) -> dict:
    from .printing import customer_file_context

    return customer_file_context(request, obj)


def register_all() -> None:
    from .tabular import SPECS

    register("import_specs", *SPECS)
    register(
        "detail_tabs",
        DetailTab("customers.Customer", "overview", _("Overview"), _tab("overview"), order=10),
        DetailTab("customers.Customer", "contacts", _("Contacts"), _tab("contacts"), _tab("contacts_count"), order=20),
        DetailTab("customers.Customer", "team", _("Account team"), _tab("team"), _tab("team_count"), order=30),
        DetailTab(
            "customers.Customer", "sales", _("Sales of recent years"), _tab("sales"), _tab("sales_count"), order=40
        ),
        DetailTab(
            "customers.Customer", "attachments", _("Attachments"), _attachments_tab, _attachments_count, order=50
        ),
        DetailTab("customers.Customer", "history", _("History"), _tab("history"), _tab("history_count"), order=90),
    )
    # R2.2: a customer's files — seen with customers.view, added and removed with customers.change
    register(
        "attachment_owners",
        AttachmentOwner(
            "customers.Customer",
            view_permission=perms.CUSTOMERS_VIEW,
            change_permission=perms.CUSTOMERS_CHANGE,
            url=lambda customer: reverse("customers:detail", args=[customer.pk]),
        ),
    )
    # the 客户档案表 on paper (print view and PDF)
    register(
        "print_forms",
        PrintForm(
            "customer_file",
            _("Customer file form"),
            "customers.Customer",
            perms.CUSTOMERS_VIEW,
            "customers/print/customer_file.html",
            _print_context,
            filename=lambda customer: f"{customer.code}-{customer.name}",
        ),
    )
    register("permissions", *perms.PERMISSIONS)
    register(
        "nav_items",
        NavItem(
            "customers:list",
            _("Customers"),
            "building",
            perms.CUSTOMERS_VIEW,
            order=20,
            group="customers",
            tab_order=20,
        ),
    )
    register(
        "home_panels",
        HomePanel("customers-figures", "customers/panels/figures.html", _figures_panel, perms.CUSTOMERS_VIEW, order=20),
        HomePanel(
            "customers-incomplete",
            "customers/panels/incomplete.html",
            _incomplete_panel,
            perms.CUSTOMERS_VIEW,
            order=21,
            size="half",
        ),
        HomePanel(
            "customers-untouched",
            "customers/panels/untouched.html",
            _untouched_panel,
            perms.CUSTOMERS_VIEW,
            order=22,
            size="half",
        ),
        HomePanel(
            "customers-breakdown",
            "customers/panels/breakdown.html",
            _breakdown_panel,
            perms.CUSTOMERS_VIEW,
            order=30,
            size="half",
        ),
    )
    register(
        "unit_usage",
        UnitUsage(
            key="customers",
            heading=_("Active customers"),
            count=lambda unit: _active_customers().filter(team_id=unit.pk).count(),
            describe=lambda n: ngettext("%(n)d active customer", "%(n)d active customers", n) % {"n": n},
            annotation=_team_count_annotation,
            url=lambda unit: _customer_list_url(team=unit.pk, status="active"),
            order=20,
        ),
    )
    register(
        "owned_items",
        OwnedItems(
            key="customers",
            count=lambda user: _active_customers().filter(owner_id=user.pk).count(),
            describe=lambda n: ngettext("%(n)d active customer", "%(n)d active customers", n) % {"n": n},
            url=lambda user: _customer_list_url(owner=user.pk, status="active"),
            order=20,
        ),
    )
    register("changelog_parents", ChangeLogParent("customers.Customer", perms.CUSTOMERS_VIEW, _visible_customers))
    register(
        "change_events",
        ChangeEvent("archive", _("Archived"), order=20),
        ChangeEvent("restore", _("Restored"), order=21),
        ChangeEvent("purge", _("Purged"), order=22),
    )
    register(
        "notification_kinds",
        NotificationKind(
            "customers.assigned",
            _("A customer was assigned to you"),
            ("in_app", "email"),
            _("Somebody else made you the owner of a customer (one notification for a whole transfer or import)."),
            order=20,
        ),
        NotificationKind(
            "customers.changed",
            _("Somebody changed a customer of yours"),
            ("in_app",),
            _("Somebody else changed the file, contacts, sales or account team of a customer you own."),
            order=21,
        ),
    )
    register("change_notifiers", ChangeNotifier("customers", "customers.Customer", _notification_drafts))
    register("demo_loaders", Loader("customers", _demo, order=20))
    register("demo_loaders", Loader("customers-import", _demo_import, order=25))
    register("demo_loaders", Loader("customer-attachments", _demo_attachments, order=26))
    register("gendata_loaders", Loader("customers", _gendata, order=20, add_arguments=_gendata_arguments))
    register("bench_cases", BenchCases("customers", _bench, order=20))
    register("bench_cases", BenchCases("customers-excel", _bench_excel, order=25))
    register("urls", UrlMount("customers/", "kam.customers.urls", order=20))
    register("api_urls", UrlMount("", "kam.customers.api.urls", order=20))
    register(
        "api_schema",
        ApiSchema(
            "customers",
            tags=(
                {"name": "customers", "description": "The customer file (客户档案): create, edit, archive, restore."},
                {"name": "contacts", "description": "Customers' contacts (主要联系人)."},
            ),
            enum_overrides={
                "CustomerStatusEnum": "kam.customers.choices.Status",
                "AccountTeamRoleEnum": "kam.customers.choices.TeamRole",
                "DuplicateReasonEnum": "kam.customers.duplicates.Reason",
                "DuplicateKindEnum": "kam.customers.duplicates.Kind",
                "DuplicateCheckModeEnum": "kam.customers.duplicates.Mode",
            },
            order=20,
        ),
    )
