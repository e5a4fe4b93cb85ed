"""``kam demo``: the demo company — idempotent, every role can log in, scoping, history."""

import io

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from stdnum.cn import uscc

from kam.core.attachments.models import Attachment
from kam.core.models import ObjectChange
from kam.customers.demo import ARCHIVES, SEATS
from kam.customers.models import AccountTeamMember, Contact, Customer
from kam.org.demo import UNITS, USERS
from kam.org.models import OrgUnit, RoleGrant, User
from kam.site.demo import load_demo

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as conftest sets for each test


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for this module, inside a transaction rolled back at the end (each
    test's own transaction nests in it as a savepoint)."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=MD5):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield load_demo()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def counts():
    return {
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "grants": RoleGrant.objects.count(),
        "customers": Customer.objects.count(),
        "contacts": Contact.objects.count(),
        "seats": AccountTeamMember.objects.count(),
        "changes": ObjectChange.objects.count(),
        "attachments": Attachment.objects.count(),
    }


def test_demo_content(demo, db):
    assert demo.customers_created == 300
    assert Customer.objects.count() == 303  # and 3 created by the demo's finished import job (R2.3)
    assert Customer.objects.filter(status="archived").count() == len(ARCHIVES) == 3
    assert AccountTeamMember.objects.count() == len(SEATS)
    imported = ObjectChange.objects.filter(source="import", action="create", content_type__model="customer")
    assert imported.count() == 3  # the demo's import job: 3 new files (no contacts) and one update
    per_customer = [c.contacts.count() for c in Customer.objects.exclude(pk__in=imported.values("object_id"))]
    assert min(per_customer) >= 1 and max(per_customer) <= 5  # 1–4, plus one added later
    # every team has customers; the org has a city-branch level (company → region → branch → dept → team)
    teams = OrgUnit.objects.filter(kind="team")
    assert all(Customer.objects.filter(team=t).exists() for t in teams)
    assert OrgUnit.objects.get(code="sh-a").depth == 4
    # the change log holds creations by the owners and later edits by several other users
    assert ObjectChange.objects.filter(action="create", parent_type__model="customer").count() >= 300 + 300
    editors = set(
        ObjectChange.objects.filter(action__in=["update", "archive"], parent_type__model="customer").values_list(
            "actor__username", flat=True
        )
    )
    assert {"mgr_east", "am_east", "director", "sp_sh1", "mgr_south"} <= editors
    # the archives are logged as events with their reasons
    archived = ObjectChange.objects.filter(action="archive", content_type__model="customer").order_by("id")
    assert [e.data["reason"] for e in archived] == [reason for _a, _o, _k, reason in ARCHIVES]
    # completeness varies
    assert len(set(Customer.objects.values_list("completeness", flat=True))) >= 4


def test_history_shows_old_and_new(demo, db):
    change = ObjectChange.objects.filter(
        actor__username="mgr_east", action="update", changes__has_key="credit_rating"
    ).first()
    assert change is not None
    old, new = change.changes["credit_rating"]
    assert new == "AA" and old != new
    reassigned = ObjectChange.objects.get(action="update", changes__has_key="owner")
    assert reassigned.changes["owner"] == ["张伟", "李娜"]


def test_credit_codes_valid_and_unique(demo, db):
    codes = list(Customer.objects.values_list("credit_code", flat=True))
    assert len(codes) == len(set(codes)) == 303  # 300 files + 3 from the demo's import job (R2.3)
    assert all(uscc.is_valid(c) for c in codes)
    assert Customer.objects.filter(nature="government", credit_code__startswith="12").exists()


def test_demo_attachments(demo, db, client):
    """A few generated files on demo customers (R2.2), downloadable by their owner."""
    from kam.customers.demo import ATTACHMENTS

    rows = list(Attachment.objects.select_related("uploaded_by"))
    assert len(rows) == sum(len(files) for _o, _k, files in ATTACHMENTS)
    assert {a.kind for a in rows} == {"pdf", "png"}
    first = rows[0]
    assert first.file.storage.exists(first.file.name)
    client.force_login(first.uploaded_by)
    response = client.get(f"/attachments/{first.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] in (b"%PDF", b"\x89PNG")


def test_second_run_changes_nothing(demo, db):
    before = counts()
    again = load_demo()
    assert again.customers_created == 0 and again.users_created == 0 and again.units_created == 0
    assert again.customers_existing == 300 and again.passwords_reset == 0
    assert counts() == before  # no duplicates, no new change-log rows


def test_rerun_with_new_password_resets_passwords(demo, db):
    before = ObjectChange.objects.count()
    result = load_demo(password="another-demo-pass-9")
    assert result.passwords_reset == len(USERS)
    assert all(
        check_password("another-demo-pass-9", u.password)
        for u in User.objects.filter(username__in=[x.username for x in USERS])
    )
    assert ObjectChange.objects.count() == before  # passwords are not change-logged


def test_users_roles_and_units(demo, db):
    assert OrgUnit.objects.filter(code__in=[u[0] for u in UNITS]).count() == len(UNITS)
    for spec in USERS:
        user = User.objects.get(username=spec.username)
        assert user.name == spec.name
        assert user.unit.code == spec.unit
        assert RoleGrant.objects.filter(user=user, role__code=spec.role, unit__code=spec.unit).exists()
        assert check_password(settings.KAM_DEMO_PASSWORD, user.password)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    required = {"admin", "vp", "director", "finance", "hr", "gift_admin", "office", "mgr_east", "am_east"}
    required |= {"sp_east1", "sp_east2", "sp_south1"}
    assert required <= {u.username for u in USERS}
    assert User.objects.get(username="office").grants.get().role.code == "office_director"


def test_demo_login_works(demo, db, client):
    resp = client.post("/login/", {"username": "sp_east1", "password": settings.KAM_DEMO_PASSWORD})
    assert resp.status_code == 302
    assert client.get("/customers/").status_code == 200
    client.post("/logout/")
    resp = client.post("/login/", {"username": "sp_east1", "password": "wrong-password"})
    assert resp.status_code == 200  # the form again, with an error


def test_specialists_share_a_team_and_see_only_their_scope(demo, db):
    sp1 = User.objects.get(username="sp_east1")
    sp2 = User.objects.get(username="sp_east2")
    assert sp1.unit_id == sp2.unit_id and sp1.unit.kind == "team"
    for user in (sp1, sp2):
        seen = set(Customer.objects.restrict(user, "customers.view").values_list("pk", flat=True))
        own = set(Customer.objects.filter(owner=user).values_list("pk", flat=True))
        seated = set(AccountTeamMember.objects.filter(user=user).values_list("customer_id", flat=True))
        assert seen == own | seated
        assert seated, "each of the two specialists is on someone else's account team"
        assert len(seen) < 300
    # sp_east1 sits on a 华南 customer's account team, so sees it although it is another region
    assert Customer.objects.restrict(sp1, "customers.view").filter(team__code="south-a").exists()
    # the department manager sees both 华东 teams but not the 上海 branch
    mgr = User.objects.get(username="mgr_east")
    teams = set(Customer.objects.restrict(mgr, "customers.view").values_list("team__code", flat=True))
    assert teams == {"east-a", "east-b"}


def test_command_prints_logins_and_password(demo, db):
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    for username in ("admin", "sp_east1", "sp_south1", "gift_admin"):
        assert username in text
    assert settings.KAM_DEMO_PASSWORD in text
    assert "华东一组" in text


def test_the_readmes_search_examples_work_on_the_demo(demo, db):
    """README: 「nthtbz and 宏图包装 both find 南通宏图包装集团有限公司」 — on the demo data, and
    through the API's `q` as the curl examples send it."""
    import re
    from pathlib import Path

    from django.conf import settings
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    m = re.search(r"`(\w+)` and `(\w+)` both find (\S+?)\)", readme)
    assert m, "the README's search example moved"
    initials, chinese, name = m.groups()
    assert f"q={chinese}" in readme and f"q={initials}" in readme
    user = User.objects.get(username="sp_east1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
    for q in (initials, chinese):
        found = [row["name"] for row in client.get("/api/v1/customers/", {"q": q}).json()["results"]]
        assert found == [name], q


def test_some_files_are_quiet_so_the_workbench_has_them(demo, db):
    """The workbench's 「N 天未更新」 panel is populated: a sixth of the files the demo edits no
    further were opened months ago — their history dated with them, not today."""
    import datetime as dt

    from django.utils import timezone

    from kam.customers import selectors

    cutoff = timezone.now() - dt.timedelta(days=settings.KAM_UNTOUCHED_DAYS)
    quiet = Customer.objects.filter(updated_at__lt=cutoff)
    assert 30 <= quiet.count() <= 60
    for customer in quiet[:5]:
        times = ObjectChange.objects.filed_under(customer).values_list("time", flat=True)
        assert times and max(times) < cutoff
        assert customer.created_at == customer.updated_at
    panel = selectors.untouched_customers(user=User.objects.get(username="sp_east1"), days=settings.KAM_UNTOUCHED_DAYS)
    assert panel["untouched_count"] > 0 and len(panel["untouched"]) > 0


def test_a_removed_contact_shows_how_removal_works(demo, db):
    """The demo removes one contact (replaced by a new purchasing manager): kept, restorable,
    with its reason, and no longer counted."""
    removed = Contact.objects.filter(archived_at__isnull=False)
    assert removed.count() == 1
    contact = removed.get()
    assert contact.archive_reason.startswith("已调岗") and contact.customer.owner.username == "sp_south1"
    assert contact.customer.contacts.filter(archived_at__isnull=True, name="罗嘉豪").exists()
    assert ObjectChange.objects.of_object(contact).filter(action="archive").exists()
