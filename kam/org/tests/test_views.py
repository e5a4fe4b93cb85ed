"""Organisation pages (R1): admin only; forms show the services' refusals."""

import pytest
from django.urls import reverse

from kam.org.models import OrgUnit, Role, RoleGrant, User
from kam.org.testing import make_user

STRONG = "Kam-strong-pass-91"

pytestmark = pytest.mark.usefixtures("en")  # asserts on English message text


def page_urls(p):
    grant = RoleGrant.objects.get(user=p.sp1)
    return [
        ("get", reverse("org:index")),
        ("get", reverse("org:units")),
        ("get", reverse("org:unit_create")),
        ("get", reverse("org:unit_edit", args=[p.team_a.pk])),
        ("get", reverse("org:unit_move", args=[p.team_a.pk])),
        ("get", reverse("org:unit_deactivate", args=[p.team_a.pk])),
        ("post", reverse("org:unit_activate", args=[p.team_a.pk])),
        ("get", reverse("org:users")),
        ("get", reverse("org:user_create")),
        ("get", reverse("org:user_detail", args=[p.sp2.pk])),
        ("get", reverse("org:user_password", args=[p.sp2.pk])),
        ("post", reverse("org:user_deactivate", args=[p.sp2.pk])),
        ("post", reverse("org:user_activate", args=[p.sp2.pk])),
        ("post", reverse("org:grant_add", args=[p.sp2.pk])),
        ("post", reverse("org:grant_remove", args=[grant.pk])),
    ]


@pytest.mark.parametrize("persona", ["director", "sp1", "outsider", "hr", "dm"])
def test_org_pages_forbidden_without_org_manage(client, personas, persona):
    client.force_login(getattr(personas, persona))
    for method, url in page_urls(personas):
        assert getattr(client, method)(url).status_code == 403, url
    assert User.objects.get(pk=personas.sp2.pk).is_active
    assert RoleGrant.objects.filter(user=personas.sp1).exists()


def test_org_pages_redirect_anonymous_to_login(client, personas):
    for method, url in page_urls(personas):
        resp = getattr(client, method)(url)
        assert resp.status_code == 302, url
        assert resp["Location"].startswith(reverse("login")), url


def test_nav_links_resolve(client, personas):
    assert reverse("org:units") == "/org/units/"
    assert reverse("org:users") == "/org/users/"


# --- unit pages ------------------------------------------------------------------------------


def test_unit_create_via_page(client, personas):
    p = personas
    client.force_login(p.admin)
    resp = client.get(reverse("org:unit_create") + f"?parent={p.east_dept.pk}")
    assert f'value="{p.east_dept.pk}" selected' in resp.content.decode()
    resp = client.post(
        reverse("org:unit_create"), {"parent": p.east_dept.pk, "name": "华东三组", "code": "east-c", "kind": "team"}
    )
    assert resp.status_code == 302
    unit = OrgUnit.objects.get(code="east-c")
    assert unit.parent == p.east_dept and unit.path.startswith(p.east_dept.path)


def test_unit_create_shows_duplicate_code_on_the_form(client, personas):
    client.force_login(personas.admin)
    resp = client.post(reverse("org:unit_create"), {"parent": "", "name": "重复", "code": "east-a", "kind": "team"})
    assert resp.status_code == 200
    form = resp.context["form"]
    assert form.errors.get("code")
    assert "is-invalid" in resp.content.decode()
    assert not OrgUnit.objects.filter(name="重复").exists()


def test_unit_edit_via_page(client, personas):
    p = personas
    client.force_login(p.admin)
    resp = client.post(
        reverse("org:unit_edit", args=[p.team_b.pk]), {"name": "华东二组（新）", "code": "east-b2", "kind": "team"}
    )
    assert resp.status_code == 302
    p.team_b.refresh_from_db()
    assert (p.team_b.name, p.team_b.code) == ("华东二组（新）", "east-b2")


def test_unit_move_via_page_and_cycle_refused(client, personas):
    p = personas
    client.force_login(p.admin)
    # the unit's own subtree is not offered
    html = client.get(reverse("org:unit_move", args=[p.east_dept.pk])).content.decode()
    assert f'value="{p.team_a.pk}"' not in html
    # posting it anyway → an error on the form, nothing moved
    resp = client.post(reverse("org:unit_move", args=[p.east_dept.pk]), {"parent": p.team_a.pk})
    assert resp.status_code == 200 and resp.context["form"].errors
    assert OrgUnit.objects.get(pk=p.east_dept.pk).parent_id == p.east.pk
    resp = client.post(reverse("org:unit_move", args=[p.east_dept.pk]), {"parent": p.south.pk})
    assert resp.status_code == 302
    p.team_a.refresh_from_db()
    assert p.team_a.path.startswith(p.south.path)


# --- user pages ------------------------------------------------------------------------------


def test_user_list_search_filter_and_badges(client, personas):
    p = personas
    client.force_login(p.admin)
    html = client.get(reverse("org:users"), {"q": "专员"}).content.decode()
    assert 'data-user="sp1"' in html and 'data-user="sp_other"' in html and 'data-user="dm"' not in html
    html = client.get(reverse("org:users"), {"q": "sp_o"}).content.decode()
    assert 'data-user="sp_other"' in html and 'data-user="sp1"' not in html
    html = client.get(reverse("org:users"), {"unit": p.east_dept.pk}).content.decode()
    assert 'data-user="dm"' in html and 'data-user="am"' in html and 'data-user="sp1"' in html
    assert 'data-user="sp_other"' not in html and 'data-user="director"' not in html
    html = client.get(reverse("org:users"), {"unit": p.east_dept.pk, "direct": "on"}).content.decode()
    assert 'data-user="dm"' in html and 'data-user="sp1"' not in html
    role = Role.objects.get(code="finance")
    html = client.get(reverse("org:users"), {"role": role.pk}).content.decode()
    assert 'data-user="finance"' in html and 'data-user="sp1"' not in html
    assert "Finance · 总部" in html
    html = client.get(reverse("org:users")).content.decode()
    row = html.split('data-user="outsider"')[1].split("</tr>")[0]
    assert "bg-blue-lt" not in row  # no role badge
    row = html.split('data-user="dm"')[1].split("</tr>")[0]
    assert "Department manager · 华东大客户部" in row


def test_user_list_inactive_filter(client, personas):
    p = personas
    User.objects.filter(pk=p.sp2.pk).logged_update(is_active=False)
    client.force_login(p.admin)
    html = client.get(reverse("org:users"), {"status": "inactive"}).content.decode()
    assert 'data-user="sp2"' in html and 'data-user="sp1"' not in html


def test_user_list_paginates_and_htmx_returns_the_fragment(client, personas):
    p = personas
    for i in range(30):
        make_user(f"bulk{i:02d}", unit=p.team_b)
    client.force_login(p.admin)
    resp = client.get(reverse("org:users"), {"q": "bulk"})
    assert resp.context["page"].paginator.count == 30
    assert len(resp.context["page"].object_list) == 25
    page2 = client.get(reverse("org:users"), {"q": "bulk", "page": 2}).content.decode()
    assert 'data-user="bulk29"' in page2 and 'data-user="bulk00"' not in page2
    frag = client.get(reverse("org:users"), {"q": "bulk"}, headers={"HX-Request": "true"}).content.decode()
    assert 'data-user="bulk00"' in frag
    assert "<html" not in frag and "user-filter" not in frag


def test_user_list_query_count_is_constant(client, personas, django_assert_max_num_queries):
    p = personas
    client.force_login(p.admin)
    client.get(reverse("org:users"))
    with django_assert_max_num_queries(10) as ctx:
        client.get(reverse("org:users"))
    before = len(ctx.captured_queries)
    finance = Role.objects.get(code="finance")
    for i in range(15):
        u = make_user(f"more{i:02d}", unit=p.team_b)
        RoleGrant.objects.create(user=u, role=finance, unit=p.hq)
    with django_assert_max_num_queries(before):
        client.get(reverse("org:users"))


def test_user_create_via_page(client, personas):
    p = personas
    client.force_login(p.admin)
    data = {
        "username": "newbie",
        "name": "钱新人",
        "unit": p.team_b.pk,
        "job_title": "专员",
        "phone": "",
        "email": "",
        "password1": STRONG,
        "password2": STRONG,
    }
    resp = client.post(reverse("org:user_create"), data)
    user = User.objects.get(username="newbie")
    assert resp.status_code == 302 and resp.url == reverse("org:user_detail", args=[user.pk])
    assert user.check_password(STRONG) and user.unit == p.team_b


def test_user_create_errors_on_the_form(client, personas):
    client.force_login(personas.admin)
    base = {"username": "weak", "name": "", "unit": "", "job_title": "", "phone": "", "email": ""}
    resp = client.post(reverse("org:user_create"), {**base, "password1": STRONG, "password2": STRONG + "x"})
    assert resp.context["form"].errors.get("password2")
    resp = client.post(reverse("org:user_create"), {**base, "password1": "12345", "password2": "12345"})
    assert resp.status_code == 200 and resp.context["form"].errors.get("password1")
    resp = client.post(
        reverse("org:user_create"), {**base, "username": "sp1", "password1": STRONG, "password2": STRONG}
    )
    assert resp.context["form"].errors.get("username")
    assert not User.objects.filter(username="weak").exists()


def test_user_edit_via_detail_page(client, personas):
    p = personas
    client.force_login(p.admin)
    data = {"username": "sp2", "name": "李新名", "unit": p.team_b.pk, "job_title": "高级专员", "phone": "", "email": ""}
    resp = client.post(reverse("org:user_detail", args=[p.sp2.pk]), data)
    assert resp.status_code == 302
    p.sp2.refresh_from_db()
    assert (p.sp2.name, p.sp2.unit) == ("李新名", p.team_b)
    resp = client.post(reverse("org:user_detail", args=[p.sp2.pk]), {**data, "phone": "12"})
    assert resp.status_code == 200 and resp.context["form"].errors.get("phone")


def test_set_password_via_page(client, personas):
    p = personas
    client.force_login(p.admin)
    url = reverse("org:user_password", args=[p.sp2.pk])
    resp = client.post(url, {"password1": "abc", "password2": "abc"})
    assert resp.status_code == 200 and resp.context["form"].errors
    resp = client.post(url, {"password1": STRONG, "password2": STRONG})
    assert resp.status_code == 302
    p.sp2.refresh_from_db()
    assert p.sp2.check_password(STRONG)


def test_grant_add_and_remove_via_page(client, world):
    p = world.p
    client.force_login(p.admin)
    role = Role.objects.get(code="account_manager")
    url = reverse("org:grant_add", args=[p.outsider.pk])
    resp = client.post(url, {"role": role.pk, "unit": p.team_s.pk})
    assert resp.status_code == 302
    grant = RoleGrant.objects.get(user=p.outsider)
    # duplicate → the error is shown on the grant form
    resp = client.post(url, {"role": role.pk, "unit": p.team_s.pk})
    assert resp.status_code == 200
    assert resp.context["grant_form"].non_field_errors()
    assert "already holds" in resp.content.decode()
    assert RoleGrant.objects.filter(user=p.outsider).count() == 1
    # the new grant works at once: outsider sees the south customer on the home page
    client.force_login(p.outsider)
    assert world.c_south.name in client.get("/").content.decode()
    client.force_login(p.admin)
    resp = client.post(reverse("org:grant_remove", args=[grant.pk]))
    assert resp.status_code == 302 and not RoleGrant.objects.filter(pk=grant.pk).exists()


def test_admin_cannot_remove_own_last_grant_via_page(client, personas):
    p = personas
    client.force_login(p.admin)
    grant = RoleGrant.objects.get(user=p.admin)
    resp = client.post(reverse("org:grant_remove", args=[grant.pk]), follow=True)
    assert RoleGrant.objects.filter(pk=grant.pk).exists()
    assert resp.status_code == 200


def test_missing_objects_are_404(client, personas):
    client.force_login(personas.admin)
    assert client.get(reverse("org:unit_edit", args=[99999])).status_code == 404
    assert client.get(reverse("org:user_detail", args=[99999])).status_code == 404
    assert client.post(reverse("org:grant_remove", args=[99999])).status_code == 404


def test_django_admin_registrations(client, personas):
    """The Django admin lists the org models and edits roles (configuration); units, users' person
    data and grants are changed on the organisation pages, where the rules are (a superuser session)."""
    su = User.objects.create_superuser("root", password=STRONG, name="超级")
    client.force_login(su)
    for model in ("user", "orgunit", "role", "rolegrant"):
        resp = client.get(reverse(f"admin:org_{model}_changelist"))
        assert resp.status_code == 200, model
    html = client.get(reverse("admin:org_user_change", args=[personas.sp1.pk])).content.decode()
    assert "张专员" in html and "grants-" in html  # role grants inline
    role = Role.objects.get(code="finance")
    html = client.get(reverse("admin:org_role_change", args=[role.pk])).content.decode()
    assert 'value="customers.view"' in html and "checked" in html
    # units are read-only in the admin: moving one (here even under its own subtree) is refused
    resp = client.post(
        reverse("admin:org_orgunit_change", args=[personas.east_dept.pk]),
        {
            "name": "华东大客户部",
            "code": "east-kam",
            "kind": "department",
            "parent": personas.team_a.pk,
            "is_active": "on",
        },
    )
    assert resp.status_code == 403
    personas.east_dept.refresh_from_db()
    assert personas.east_dept.parent == personas.east
    assert client.get(reverse("admin:org_orgunit_add")).status_code == 403
    assert client.get(reverse("admin:org_user_add")).status_code == 403
    assert client.get(reverse("admin:org_rolegrant_add")).status_code == 403
    # a role's permissions are edited as a multiple choice and change-logged with source "admin"
    resp = client.post(
        reverse("admin:org_role_change", args=[role.pk]),
        {
            "code": "finance",
            "name_zh": "财务",
            "name_en": "Finance",
            "scope": "unit",
            "permissions": ["customers.view", "changelog.all"],
            "sort_order": 60,
        },
    )
    assert resp.status_code == 302
    role.refresh_from_db()
    assert role.permissions == ["customers.view", "changelog.all"]
    from kam.core.changes import ObjectChange

    change = ObjectChange.objects.filter(content_type__model="role", object_id=role.pk).latest("id")
    assert change.source == "admin" and change.actor == su
