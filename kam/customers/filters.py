"""One FilterSet serves the HTML customer list and the API (architecture.md).

Everything a filter shows — its choices, its empty label (「全部」) — is declared here, with
lazy translations, rather than written into ``filterset.filters[…].extra`` per request: such a
write reaches the form only if nobody has built the filter's form field yet, and the declared
filters are shared by every request (the OpenAPI schema generator once built and cached their
fields, turning 「全部」 into ``---------`` for everyone — see kam/core/schema.py).
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.core.filters import IdFilter
from kam.org.access import access_for
from kam.org.models import OrgUnit, User

from . import permissions as perms
from .choices import STATUS_ALL, CreditRating, IndustryPosition, Nature, Province, Status
from .models import AccountTeamMember, Contact, Customer
from .search import search_filter
from .selectors import filter_owner_choices, filter_team_choices


def _owner_choices(request):
    """Owners a user may filter by: people in their scope (an id outside it is refused as an
    invalid choice, exactly like a missing one — no probing of who exists)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return User.objects.none()
    return filter_owner_choices(user, Customer.objects.restrict(user, perms.CUSTOMERS_VIEW))


def _team_choices(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return OrgUnit.objects.none()
    return filter_team_choices(user, Customer.objects.restrict(user, perms.CUSTOMERS_VIEW))


VIEW_CHOICES = (
    ("mine", pgettext_lazy("list view", "Mine")),
    ("participating", pgettext_lazy("list view", "On my account teams")),
    ("subordinates", pgettext_lazy("list view", "My people's")),
)


ALL = _("All")  # the empty choice of every select: no filter


class CustomerOrdering(django_filters.OrderingFilter):
    """The list's ``ordering``, by stored keys where the shown value does not sort right (R2):
    ``name`` by the pinyin key ``name_sort``, ``credit_rating`` by its rank ``credit_rank`` (AAA
    first, unrated last; descending is the exact reverse). The id comes last, in the direction
    of the first key, so pages never overlap and an index serves the whole order (``name`` →
    ``ORDER BY name_sort, id``: ``cust_status_name_sort``)."""

    def filter(self, qs, value):
        keys = [self.get_ordering_value(param) for param in value or () if param]
        if not keys:
            return qs
        return qs.order_by(*keys, "-id" if keys[0].startswith("-") else "id")


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        help_text=_("Part of a name (Chinese, English or pinyin), number, credit code, contact name or phone"),
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"), queryset=lambda request: _owner_choices(request), empty_label=ALL
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team"), method="filter_team", queryset=lambda request: _team_choices(request), empty_label=ALL
    )
    nature = django_filters.ChoiceFilter(label=_("Company nature"), choices=Nature.choices, empty_label=ALL)
    industry_position = django_filters.ChoiceFilter(
        label=_("Industry position"), choices=IndustryPosition.choices, empty_label=ALL
    )
    credit_rating = django_filters.ChoiceFilter(label=_("Credit rating"), choices=CreditRating.choices, empty_label=ALL)
    province = django_filters.ChoiceFilter(label=_("Region"), choices=Province.choices, empty_label=ALL)
    # 正常 (also when absent), 已归档, 全部 — no empty choice: "active" is what an absent status means
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[*Status.choices, (STATUS_ALL, _("All statuses"))],
        method="filter_status",
        empty_label=None,
        help_text=_("Active customers when absent; “all” for every status."),
    )
    # saved views of the list pattern (我负责的 / 我参与的 / 下属的 / 全部 = none)
    view = django_filters.ChoiceFilter(label=_("View"), choices=VIEW_CHOICES, method="filter_view", empty_label=ALL)
    completeness_max = django_filters.NumberFilter(
        label=_("File completeness at most (%)"),
        field_name="completeness",
        lookup_expr="lte",
        min_value=0,
        max_value=100,
    )
    untouched_days = django_filters.NumberFilter(
        label=_("Not updated for (days)"),
        method="filter_untouched",
        min_value=1,
        max_value=36500,
        help_text=_("Customers whose file nobody has changed for this many days"),
    )
    ordering = CustomerOrdering(
        label=_("Sort by"),
        fields=(
            ("name_sort", "name"),
            ("code", "code"),
            ("updated_at", "updated_at"),
            ("created_at", "created_at"),
            ("credit_rank", "credit_rating"),
            ("completeness", "completeness"),
            ("province", "province"),
        ),
        # both directions spelled out so the labels stay lazy (translated per request)
        field_labels={
            "name_sort": _("Name"),  # ascending labels are looked up by field, descending by parameter
            "-name": _("Name (descending)"),
            "code": _("Customer number"),
            "-code": _("Customer number (descending)"),
            "updated_at": _("Last updated"),
            "-updated_at": _("Last updated (descending)"),
            "created_at": _("Created"),
            "-created_at": _("Created (descending)"),
            "credit_rank": _("Credit rating"),
            "-credit_rating": _("Credit rating (descending)"),
            "completeness": _("File completeness"),
            "-completeness": _("File completeness (descending)"),
            "province": _("Region"),
            "-province": _("Region (descending)"),
        },
    )

    class Meta:
        model = Customer
        fields = ["q", "owner", "team", "nature", "industry_position", "credit_rating", "province", "status"]

    def __init__(self, data=None, *args, **kwargs):
        # Without an explicit status (or with an invalid one, which the form reports), lists show
        # active customers only; "archived" and "all" widen that in filter_status.
        super().__init__(data, *args, **kwargs)
        if self.data is None or self.data.get("status") not in (Status.ARCHIVED, STATUS_ALL):
            self.queryset = self.queryset.filter(status=Status.ACTIVE)

    def filter_q(self, queryset, name, value):
        return search_filter(queryset, value)

    def filter_team(self, queryset, name, value):
        # a team filter includes the units below it (a department shows its teams' customers)
        return queryset.filter(team_id__in=OrgUnit.objects.filter(path__startswith=value.path).values("id"))

    def filter_status(self, queryset, name, value):
        if value == STATUS_ALL:
            return queryset
        return queryset.filter(status=value)

    def filter_view(self, queryset, name, value):
        """我负责的: the user owns it; 我参与的: the user sits on its account team; 下属的: owned by
        someone else in the part of the organisation the user's unit-scope grants cover."""
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        if value == "mine":
            return queryset.filter(owner_id=user.pk)
        if value == "participating":
            return queryset.filter(pk__in=AccountTeamMember.objects.filter(user_id=user.pk).values("customer_id"))
        units = access_for(user).unit_ids(perms.CUSTOMERS_VIEW)
        if units is None:
            return queryset.none()
        return queryset.filter(owner__unit_id__in=units).exclude(owner_id=user.pk)

    def filter_untouched(self, queryset, name, value):
        return queryset.filter(updated_at__lt=timezone.now() - dt.timedelta(days=int(value)))


CONTACT_STATUS = (("active", _("Current")), ("archived", _("Removed")), (STATUS_ALL, _("All statuses")))


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    customer = IdFilter(label=_("Customer"), field_name="customer_id")
    influence = django_filters.CharFilter(label=_("Influence"))
    # current contacts when absent; removed (archived) ones on request (R2: contacts are archived)
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=CONTACT_STATUS,
        method="filter_status",
        empty_label=None,
        help_text=_("Current contacts when absent; “archived” for removed ones, “all” for both."),
    )

    class Meta:
        model = Contact
        fields = ["q", "customer", "influence", "status"]

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # without an explicit status (or with an invalid one, which the form reports): current only
        if self.data is None or self.data.get("status") not in ("archived", STATUS_ALL):
            self.queryset = self.queryset.filter(archived_at=None)

    def filter_status(self, queryset, name, value):
        if value == "archived":
            return queryset.exclude(archived_at=None)
        return queryset

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        digits = "".join(ch for ch in value if ch.isdigit())
        q = Q(name__icontains=value) | Q(customer__name__icontains=value)
        if digits and len(digits) >= 3:
            q |= Q(phone__contains=digits)
        return queryset.filter(q)
