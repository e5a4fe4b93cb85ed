"""The workbench (工作台, R1.2): panels registered by the apps, every number what the user's scope
holds and a link to the matching list; the navigation shell (sidebar groups, phone tab bar, user
menu); the Me page."""

import re

import pytest
from django.urls import reverse

from kam.customers.models import Customer
from kam.customers.testing import EXPECTED_SCOPE, ContactFactory, CustomerFactory

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


def stat_link(html, name):
    m = re.search(rf'href="([^"]*)" data-stat-link="{name}"', html)
    return m.group(1).replace("&amp;", "&") if m else None


def nav(html):
    return html.split('id="main-nav"')[1].split("</ul>")[0]


def breakdown(html):
    return dict(
        re.findall(
            r'<tr data-breakdown="([^"]+)"><td><a href="[^"]*">[^<]*</a></td><td class="text-end"><a[^>]*>(\d+)</a>',
            html,
        )
    )


def panel(html, key):
    return html.split(f'data-panel="{key}"')[1].split('data-panel="')[0]


@pytest.mark.parametrize("persona", ["sp1", "am", "dm", "director", "finance", "admin"])
def test_customer_numbers_match_the_scope(client, world, persona):
    visible = EXPECTED_SCOPE[persona]
    html = get_home(client, getattr(world.p, persona))
    assert stat(html, "active") == str(len(visible))
    assert stat(html, "archived") == "0"
    avg = round(sum(getattr(world, k).completeness for k in visible) / len(visible))
    assert stat(html, "completeness") == f"{avg} %"
    assert f"{len(visible)} 个联系人" in html or f"{len(visible)} contact" in html  # one contact each
    for key, name in ALL.items():
        assert (name in html) == (key in visible), (persona, name)


@pytest.mark.parametrize(
    "persona, label",
    [("sp1", "本人"), ("am", "本团队"), ("dm", "本部门"), ("director", "全公司"), ("finance", "全公司")],
)
def test_figures_are_labelled_by_their_scope(client, world, persona, label):
    html = get_home(client, getattr(world.p, persona))
    assert re.search(rf'id="figures-scope"[^>]*>{label}<', html), persona


def test_every_figure_opens_the_matching_list(client, world):
    p = world.p
    html = get_home(client, p.am)
    for name, filtered in (
        ("active", {}),
        ("archived", {"status": "archived"}),
        ("incomplete", {"completeness_max": "59"}),
    ):
        url = stat_link(html, name)
        assert url and url.startswith(reverse("customers:list")), name
        listed = client.get(url)
        assert listed.status_code == 200
        shown = {c.pk for c in listed.context["customers"]}
        expected = Customer.objects.restrict(p.am, "customers.view")
        expected = expected.filter(status=filtered.get("status", "active"))
        if "completeness_max" in filtered:
            expected = expected.filter(completeness__lte=59)
        assert shown == set(expected.values_list("pk", flat=True)), name
    # the chart's bars and the table's rows open the owner's customers
    chart = re.search(r'<script id="breakdown-data" type="application/json">(.*?)</script>', html).group(1)
    assert reverse("customers:list") + f"?owner={p.sp1.pk}" in chart
    assert f'href="{reverse("customers:list")}?owner={p.sp1.pk}"' in html


def test_sp1_sees_own_and_account_team_customers_only(client, world):
    html = get_home(client, world.p.sp1)
    assert "广州南方物流有限公司" not in html
    assert 'id="breakdown"' not in html  # a specialist gets no breakdown
    assert "张专员" in html and "大客户专员 · 华东一组" in html
    # the shortcut is 「我负责的客户」 for someone who sees their own customers only
    shortcuts = html.split('id="shortcuts"')[1].split("</div>")[0]
    assert "view=mine" in shortcuts and "我的客户" in shortcuts


def test_directors_shortcut_is_all_customers_not_mine(client, world):
    for persona in ("director", "finance"):
        shortcuts = get_home(client, getattr(world.p, persona)).split('id="shortcuts"')[1].split("</div>")[0]
        assert "全部客户" in shortcuts and "我的客户" not in shortcuts and "view=mine" not in shortcuts
    assert "/customers/new/" not in get_home(client, world.p.finance).split('id="shortcuts"')[1].split("</div>")[0]


def test_archived_are_counted_apart(client, world):
    Customer.objects.filter(pk=world.c_sp2.pk).logged_update(status="archived")
    html = get_home(client, world.p.am)
    assert stat(html, "active") == "1" and stat(html, "archived") == "1"


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


def test_incomplete_files_show_five_and_view_all(client, world):
    for i in range(7):
        CustomerFactory(name=f"补全客户{i}", owner=world.p.sp1, team=world.p.team_a, completeness=10 + i)
    Customer.objects.filter(pk=world.c_south.pk).update(completeness=95)
    html = get_home(client, world.p.director)
    incomplete = panel(html, "customers-incomplete")
    assert incomplete.count("list-group-item-action") == 5
    assert "补全客户0" in incomplete and "广州南方物流有限公司" not in incomplete
    total = Customer.objects.filter(status="active", completeness__lt=60).count()
    assert f"查看全部 {total}" in incomplete and stat(html, "incomplete") == str(total)
    url = re.search(r'href="([^"]+)" id="incomplete-all"', incomplete).group(1).replace("&amp;", "&")
    listed = client.get(url + "&page_size=100")
    assert listed.context["page"].paginator.count == total


def test_untouched_customers(client, world, settings):
    settings.KAM_UNTOUCHED_DAYS = 30
    import datetime as dt

    from django.utils import timezone

    old = timezone.now() - dt.timedelta(days=45)
    Customer.objects.filter(pk__in=[world.c_sp1.pk, world.c_south.pk]).update(updated_at=old)
    html = get_home(client, world.p.am)
    untouched = panel(html, "customers-untouched")
    assert "华东精密机械有限公司" in untouched and "广州南方物流有限公司" not in untouched  # not in am's scope
    assert "30 天未更新" in untouched and "查看全部 1" in untouched
    url = re.search(r'href="([^"]+)" id="untouched-all"', untouched).group(1).replace("&amp;", "&")
    assert [c.pk for c in client.get(url).context["customers"]] == [world.c_sp1.pk]


def test_recent_changes_panel_is_scoped(client, world):
    from kam.customers import services

    services.customer_update(actor=world.p.sp_other, customer=world.c_south, data={"notes": "华南新备注"})
    services.customer_update(actor=world.p.sp1, customer=world.c_sp1, data={"notes": "华东新备注"})
    recent = panel(get_home(client, world.p.am), "recent-changes")
    assert "华东精密机械有限公司" in recent and "广州南方物流有限公司" not in recent
    assert reverse("history") in recent
    assert 'data-panel="recent-changes"' not in get_home(client, world.p.hr)


@pytest.mark.parametrize("persona", ["hr", "outsider", "gift_admin", "office"])
def test_users_without_customer_access(client, world, persona):
    html = get_home(client, getattr(world.p, persona))
    assert 'id="customer-stats"' not in html
    for name in ALL.values():
        assert name not in html
    assert 'id="nothing-to-do"' in html and reverse("me") in html
    assert "/customers/" not in nav(html) and "/org/" not in nav(html)


def test_outsider_is_told_to_ask_for_a_role(client, world, en):
    html = get_home(client, world.p.outsider)
    assert "You hold no role yet" in html


def test_me_page_has_roles_profile_language_and_developer_entry(client, world, en):
    client.force_login(world.p.hr)
    html = client.get(reverse("me")).content.decode()
    assert 'data-role="hr"' in html and "Staff appraisals and pay." in html
    assert '<dd class="col-7" id="profile-unit">总部</dd>' in html
    assert reverse("api-docs") in html
    # language names in their own language (not 「英语」 in a Chinese page)
    assert ">English<" in html and ">简体中文<" in html


def test_sidebar_groups_and_tab_bar_per_role(client, world):
    admin = get_home(client, world.p.admin)
    groups = re.findall(r'data-group="([a-z]+)"', nav(admin))
    assert groups == ["workbench", "customers", "settings"]
    assert reverse("org:units") in nav(admin) and reverse("org:users") in nav(admin)
    sp1 = get_home(client, world.p.sp1)
    assert re.findall(r'data-group="([a-z]+)"', nav(sp1)) == ["workbench", "customers"]
    assert reverse("org:units") not in nav(sp1)
    tabs = sp1.split('id="tabbar"')[1].split("</nav>")[0]
    assert [reverse("home"), reverse("customers:list"), reverse("me")] == re.findall(
        r'class="kam-tab[^"]*" href="([^"]+)"', tabs
    )
    hr = get_home(client, world.p.hr)
    assert "/customers/" not in nav(hr) and reverse("home") in nav(hr)
    # the API docs moved to the user menu's developer entry
    assert reverse("api-docs") not in nav(admin) and 'id="api-docs-link"' in admin


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
    with django_assert_max_num_queries(30) as ctx:
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
    assert "Active customers" in html and "Recent changes" in html
    assert "Key-account specialist · 华东一组" in html  # role names follow the language


def test_anonymous_is_sent_to_login(client, db):
    resp = client.get("/")
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("login"))


def test_login_page_and_healthz_still_work(client, db):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("healthz")).json() == {"status": "ok"}
