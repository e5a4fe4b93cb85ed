"""The role-specific home page (R1.2): every number shown is what the user's scope holds."""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from kam.customers.models import Customer
from kam.customers.testing import ContactFactory, CustomerFactory

ALL = {
    "c_sp1": "华东精密机械有限公司",
    "c_sp2": "上海明珠贸易有限公司",
    "c_team_b": "杭州西湖电子有限公司",
    "c_south": "广州南方物流有限公司",
    "c_shared": "苏州协作科技有限公司",
}


def get_home(client, user):
    client.force_login(user)
    resp = client.get("/")
    assert resp.status_code == 200
    return resp.content.decode()


def stat(html, name):
    m = re.search(rf'data-stat="{name}">([^<]*)<', html)
    return m.group(1).strip() if m else None


def nav(html):
    return html.split('id="main-nav"')[1].split("</ul>")[0]


def breakdown(html):
    return dict(re.findall(r'<tr data-breakdown="([^"]+)"><td>[^<]*</td><td class="text-end">(\d+)</td>', html))


@pytest.mark.parametrize(
    "persona, visible",
    [
        ("sp1", {"c_sp1", "c_shared"}),
        ("am", {"c_sp1", "c_sp2"}),
        ("dm", {"c_sp1", "c_sp2", "c_team_b", "c_shared"}),
        ("director", set(ALL)),
        ("finance", set(ALL)),
        ("admin", set(ALL)),
    ],
)
def test_customer_numbers_match_the_scope(client, world, persona, visible):
    html = get_home(client, getattr(world.p, persona))
    assert stat(html, "active") == str(len(visible))
    assert stat(html, "archived") == "0"
    assert stat(html, "contacts") == str(len(visible))  # one contact each
    avg = round(sum(getattr(world, k).completeness for k in visible) / len(visible))
    assert stat(html, "completeness") == f"{avg} %"
    for key, name in ALL.items():
        assert (name in html) == (key in visible), (persona, name)


def test_sp1_sees_own_and_account_team_customers_only(client, world):
    html = get_home(client, world.p.sp1)
    assert "华东精密机械有限公司" in html
    assert "苏州协作科技有限公司" in html  # via the account team
    assert "广州南方物流有限公司" not in html
    assert 'id="breakdown"' not in html  # a specialist gets no breakdown
    # links go to the customer detail page
    assert f'href="/customers/{world.c_sp1.pk}/"' in html
    assert "张专员" in html and "大客户专员 · 华东一组" in html


def test_archived_are_counted_apart(client, world):
    Customer.objects.filter(pk=world.c_sp2.pk).logged_update(status="archived")
    html = get_home(client, world.p.am)
    assert stat(html, "active") == "1" and stat(html, "archived") == "1"
    assert stat(html, "contacts") == "1"
    assert "上海明珠贸易有限公司" not in html  # not in the active lists


def test_manager_breakdown_is_by_owner(client, world):
    html = get_home(client, world.p.am)
    assert breakdown(html) == {"张专员": "1", "李专员": "1"}
    html = get_home(client, world.p.dm)
    assert breakdown(html) == {"赵部长": "2", "张专员": "1", "李专员": "1"}
    assert 'id="breakdown-data"' in html and "echarts.min.js" in html


@pytest.mark.parametrize("persona", ["director", "finance", "admin"])
def test_director_breakdown_is_by_team(client, world, persona):
    html = get_home(client, getattr(world.p, persona))
    assert breakdown(html) == {"华东一组": "2", "华东二组": "2", "华南一组": "1"}


def test_recent_and_incomplete_lists(client, world):
    Customer.objects.filter(pk=world.c_south.pk).update(completeness=95)
    html = get_home(client, world.p.director)
    recent = html.split('id="recent"')[1].split('id="incomplete"')[0]
    incomplete = html.split('id="incomplete"')[1].split('id="my-roles"')[0]
    assert recent.count("list-group-item-action") == 5
    assert "广州南方物流有限公司" in recent
    assert "广州南方物流有限公司" not in incomplete  # 95 % complete
    assert incomplete.count("list-group-item-action") == 4
    assert stat(html, "incomplete") == "4"


def test_shortcuts_follow_permissions(client, world):
    html = get_home(client, world.p.sp1)
    shortcuts = html.split('id="shortcuts"')[1].split("</div>")[0]
    assert "/customers/new/" in shortcuts or _reverse("customers:create") in shortcuts
    html = get_home(client, world.p.finance)
    shortcuts = html.split('id="shortcuts"')[1].split("</div>")[0]
    assert "/customers/new/" not in shortcuts  # finance may only view
    assert reverse("api-docs") in shortcuts


def _reverse(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return "<none>"


@pytest.mark.parametrize("persona", ["hr", "outsider"])
def test_users_without_customer_access(client, world, persona):
    html = get_home(client, getattr(world.p, persona))
    assert 'id="customer-stats"' not in html
    for name in ALL.values():
        assert name not in html
    assert "later release" not in html.lower()
    assert 'id="profile"' in html and reverse("api-docs") in html
    assert "/customers/" not in nav(html)
    assert "/org/" not in nav(html)


def test_hr_sees_role_unit_and_duties(client, world, en):
    html = get_home(client, world.p.hr)
    assert "HR · 总部" in html
    assert 'data-role="hr"' in html and "Staff appraisals and pay." in html
    assert "孙人事" in html and '<dd class="col-7" id="profile-unit">总部</dd>' in html


def test_outsider_is_told_to_ask_for_a_role(client, world, en):
    html = get_home(client, world.p.outsider)
    assert "You hold no role yet" in html


def test_nav_items_per_role(client, world):
    admin_nav = nav(get_home(client, world.p.admin))
    assert reverse("org:units") in admin_nav and reverse("org:users") in admin_nav
    sp1_nav = nav(get_home(client, world.p.sp1))
    assert reverse("org:units") not in sp1_nav
    if _reverse("customers:list") != "<none>":
        assert reverse("customers:list") in sp1_nav
        assert reverse("customers:list") in admin_nav
    hr_nav = nav(get_home(client, world.p.hr))
    assert "/customers/" not in hr_nav and reverse("home") in hr_nav


def test_admin_sees_org_stats(client, world):
    html = get_home(client, world.p.admin)
    assert stat(html, "units") == "8"
    assert stat(html, "users") == "14"  # 15 personas, one of them inactive
    assert stat(html, "grants") == "13"  # every active persona but the outsider holds one role
    org = html.split('id="org-admin"')[1]
    assert reverse("org:units") in org and reverse("org:users") in org
    assert 'id="org-admin"' not in get_home(client, world.p.director)


@pytest.mark.parametrize("persona", ["dm", "director", "sp1"])
def test_home_query_count_is_constant(client, world, persona, django_assert_max_num_queries):
    user = getattr(world.p, persona)
    client.force_login(user)
    client.get("/")
    with django_assert_max_num_queries(20) as ctx:
        client.get("/")
    before = len(ctx.captured_queries)
    for _i in range(20):
        c = CustomerFactory(owner=world.p.sp1, team=world.p.team_a)
        ContactFactory(customer=c)
    with django_assert_max_num_queries(before):
        html = client.get("/").content.decode()
    expected = {"dm": 24, "director": 25, "sp1": 22}[persona]
    assert stat(html, "active") == str(expected)


def test_language_switch_to_english(client, world):
    html = get_home(client, world.p.sp1)
    assert '<html lang="zh-hans">' in html
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert resp.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Welcome, 张专员" in html
    assert "Active customers" in html and "Recently updated customers" in html
    assert "Key-account specialist · 华东一组" in html  # role names follow the language


def test_anonymous_is_sent_to_login(client, db):
    resp = client.get("/")
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("login"))


def test_login_page_and_healthz_still_work(client, db):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("healthz")).json() == {"status": "ok"}
