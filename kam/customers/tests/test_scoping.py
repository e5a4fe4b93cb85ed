"""The one scoping mechanism (R1.2, R1.3): who sees which customers."""

import pytest

from kam.customers.models import Contact, Customer
from kam.customers.testing import CUSTOMER_PERMISSIONS, EXPECTED_SCOPE
from kam.org.access import access_for, invalidate
from kam.org.testing import PERSONAS


def names(qs):
    return {c.name for c in qs}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("permission", ["customers.view", "customers.change", "customers.archive"])
def test_customer_scope_per_persona(world, persona, permission):
    """The shared table (kam.customers.testing.EXPECTED_SCOPE) for every persona and permission:
    a grant's scope is the same for each code it carries; without the code, nothing."""
    user = getattr(world.p, persona)
    keys = EXPECTED_SCOPE[persona] if permission in CUSTOMER_PERMISSIONS[persona] else set()
    want = {getattr(world, k).name for k in keys}
    assert names(Customer.objects.restrict(user, permission)) == want
    # contacts follow their customer (scope through the customer prefix)
    assert {c.customer.name for c in Contact.objects.restrict(user, permission)} == want


def test_finance_may_view_but_not_change(world):
    assert Customer.objects.restrict(world.p.finance, "customers.change").count() == 0
    assert Customer.objects.restrict(world.p.finance, "customers.view").count() == 5


def test_grant_at_a_unit_covers_its_subtree_only(world):
    from kam.org.models import Role, RoleGrant

    RoleGrant.objects.create(user=world.p.outsider, role=Role.objects.get(code="account_manager"), unit=world.p.south)
    invalidate(world.p.outsider)
    assert names(Customer.objects.restrict(world.p.outsider, "customers.view")) == {world.c_south.name}


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert Customer.objects.restrict(AnonymousUser(), "customers.view").count() == 0


def test_inactive_user_sees_nothing(world):
    world.p.am.is_active = False
    world.p.am.save()
    invalidate(world.p.am)
    assert Customer.objects.restrict(world.p.am, "customers.view").count() == 0


def test_access_is_one_query_per_request(world, django_assert_num_queries):
    user = world.p.dm
    invalidate(user)
    with django_assert_num_queries(1):
        access_for(user)
        access_for(user)
