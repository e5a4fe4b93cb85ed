"""Login, health check and the role-specific home page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Avg, Count, Q
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.customers.choices import Status
from kam.org import permissions as perms
from kam.org import selectors as org_selectors
from kam.org.access import access_for


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# What each default role is there for (R1.2), shown on the home page.
ROLE_DUTIES = {
    "specialist": _(
        "Your own key accounts and those of the project teams you are on: customer files, contacts, "
        "visits and requests."
    ),
    "account_manager": _("Your team's key accounts: customer files, the team's requests and the grading of staff."),
    "dept_manager": _("Your department's key accounts: targets, approvals, staff evaluation and hiring proposals."),
    "director": _("The whole key-account organisation: development plans, target changes and penalties."),
    "vp": _("Everything: the top approvals and senior customer visits."),
    "finance": _("Orders, payments, commissions and budgets (read), and closing pay periods."),
    "hr": _("Staff appraisals and pay."),
    "gift_admin": _("Gift requests: checking them and issuing the gifts."),
    "office_director": _("Gift and reception requests: the final sign-off where configured."),
    "admin": _("Configuration: org units, users and their role grants. No business approvals by default."),
}

LOW_COMPLETENESS = 60  # % — files below this are listed for completion (R2.1)
CUSTOMER_ACTIVE = Status.ACTIVE
CUSTOMER_ARCHIVED = Status.ARCHIVED


def customer_url(pk: int) -> str:
    return reverse("customers:detail", args=[pk])


def _customer_dashboard(user, access) -> dict:
    """Counts, a breakdown and two short lists over the customers in the user's scope — a fixed
    number of queries, each aggregated in the database."""
    from kam.customers.models import Contact, Customer
    from kam.customers.selectors import customer_list

    scoped = Customer.objects.restrict(user, "view")
    stats = scoped.aggregate(
        active=Count("pk", filter=Q(status=CUSTOMER_ACTIVE)),
        archived=Count("pk", filter=Q(status=CUSTOMER_ARCHIVED)),
        avg_completeness=Avg("completeness", filter=Q(status=CUSTOMER_ACTIVE)),
        incomplete=Count("pk", filter=Q(status=CUSTOMER_ACTIVE, completeness__lt=LOW_COMPLETENESS)),
    )
    stats["contacts"] = Contact.objects.restrict(user, "view").filter(customer__status=CUSTOMER_ACTIVE).count()
    if stats["avg_completeness"] is not None:
        stats["avg_completeness"] = round(stats["avg_completeness"])

    breakdown, breakdown_by = [], None
    active = scoped.filter(status=CUSTOMER_ACTIVE)
    if access.sees_everything(perms.CUSTOMERS_VIEW):
        breakdown_by = "team"
        rows = (
            active.values("team_id", "team__name")
            .annotate(n=Count("pk"), avg=Avg("completeness"))
            .order_by("-n", "team__name")[:10]
        )
        breakdown = [{"label": r["team__name"], "n": r["n"], "avg": round(r["avg"] or 0)} for r in rows]
    elif any(g.scope == perms.SCOPE_UNIT for g in access.grants_for(perms.CUSTOMERS_VIEW)):
        breakdown_by = "owner"
        rows = (
            active.values("owner_id", "owner__name", "owner__username")
            .annotate(n=Count("pk"), avg=Avg("completeness"))
            .order_by("-n", "owner__username")[:10]
        )
        breakdown = [
            {"label": r["owner__name"] or r["owner__username"], "n": r["n"], "avg": round(r["avg"] or 0)} for r in rows
        ]

    listed = customer_list(user=user).filter(status=CUSTOMER_ACTIVE)
    recent = list(listed.order_by("-updated_at", "-id")[:5])
    low = list(listed.filter(completeness__lt=LOW_COMPLETENESS).order_by("completeness", "name")[:5])
    for c in recent + low:
        c.url = customer_url(c.pk)
    return {
        "stats": stats,
        "breakdown": breakdown,
        "breakdown_by": breakdown_by,
        "chart_height": 40 + 28 * len(breakdown),
        "chart": {"labels": [b["label"] for b in breakdown], "values": [b["n"] for b in breakdown]},
        "recent": recent,
        "low": low,
        "low_threshold": LOW_COMPLETENESS,
    }


@login_required
def home(request):
    """The home page, made for the user's roles (R1.2): customer figures for those who see
    customers, organisation figures for administrators, and for everyone else their roles and
    what they can use."""
    user = request.user
    access = access_for(user)
    grants = [g for g in org_selectors.grants_of(user=user) if g.unit.is_active]
    roles = []
    seen = set()
    for g in grants:
        if g.role.code not in seen:
            seen.add(g.role.code)
            roles.append({"role": g.role, "duty": ROLE_DUTIES.get(g.role.code, "")})
    can_view = access.has(perms.CUSTOMERS_VIEW)
    can_manage = access.has(perms.ORG_MANAGE)
    context = {
        "grants": grants,
        "roles": roles,
        "can_view_customers": can_view,
        "can_add_customers": access.has(perms.CUSTOMERS_ADD),
        "can_manage_org": can_manage,
        "api_docs_url": reverse("api-docs"),
    }
    if can_view:
        context.update(_customer_dashboard(user, access))
        context["customer_list_url"] = reverse("customers:list")
        context["customer_add_url"] = reverse("customers:create")
    if can_manage:
        context["org_stats"] = org_selectors.org_stats()
    return render(request, "core/home.html", context)
