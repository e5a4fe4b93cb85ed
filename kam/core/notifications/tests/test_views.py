"""Notification pages and API (issue 8 §5): only your own notifications (others → 404), the
list (all / unread, newest first, paginated), mark one / all read, open → marks read and follows
the link, the bell's count, preferences — with query counts and refused input changing nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from kam.core.notifications.jobs import FAILED, FINISHED
from kam.core.notifications.models import Notification, NotificationPreference, RobotWebhooks

pytestmark = pytest.mark.django_db


def _make(user, n=1, *, read=False, link="/customers/", actor=None, start=0):
    now = timezone.now()
    rows = [
        Notification(
            recipient=user,
            kind=FINISHED,
            title=f"通知{start + i}",
            link=link,
            actor=actor,
            created_at=now - dt.timedelta(minutes=start + i),
            read_at=now if read else None,
        )
        for i in range(n)
    ]
    return Notification.objects.bulk_create(rows)


def login(client, user, lang="zh-hans"):
    client.force_login(user)
    client.cookies["django_language"] = lang
    return client


def test_list_shows_only_your_own_newest_first(client, personas):
    _make(personas.sp1, 3, actor=personas.dm)
    _make(personas.sp2, 2, start=10)
    r = login(client, personas.sp1).get(reverse("notifications:list"))
    assert r.status_code == 200
    titles = [n.title for n in r.context["page"]]
    assert titles == ["通知0", "通知1", "通知2"]
    assert "赵部长" in r.content.decode()


def test_unread_filter_and_pagination(client, personas, settings):
    settings.KAM_PAGE_SIZE = 5
    _make(personas.sp1, 7)
    _make(personas.sp1, 3, read=True, start=20)
    login(client, personas.sp1)
    r = client.get(reverse("notifications:list"), {"show": "unread"})
    assert r.context["page"].paginator.count == 7
    r = client.get(reverse("notifications:list"), {"page": 2})
    assert [n.title for n in r.context["page"]] == ["通知5", "通知6", "通知20", "通知21", "通知22"]


def test_list_query_count_is_constant(client, personas, django_assert_max_num_queries):
    login(client, personas.sp1)
    _make(personas.sp1, 2, actor=personas.dm)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("notifications:list"))
    _make(personas.sp1, 20, actor=personas.am, start=5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("notifications:list"))


def test_the_bell_counts_unread_with_one_query(client, personas, django_assert_num_queries):
    _make(personas.sp1, 4)
    _make(personas.sp1, 2, read=True, start=10)
    _make(personas.sp2, 5, start=20)
    login(client, personas.sp1)
    client.get(reverse("notifications:bell"))  # warm the session
    with django_assert_num_queries(3):  # session, user, the COUNT
        r = client.get(reverse("notifications:bell"))
    body = r.content.decode()
    assert 'data-unread="4"' in body and ">4</span>" in body
    # every page carries the bell's slot (loaded by HTMX: no query in the page itself)
    page = client.get(reverse("home")).content.decode()
    assert 'hx-get="{}"'.format(reverse("notifications:bell")) in page


def test_mark_one_read_and_only_your_own(client, personas):
    [mine] = _make(personas.sp1)
    [theirs] = _make(personas.sp2)
    login(client, personas.sp1)
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    r = client.post(reverse("notifications:read", args=[mine.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r["HX-Trigger"] == "kam:notifications"
    assert 'id="unread-tab-count" hx-swap-oob="true"></span>' in r.content.decode()  # none unread left
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_all_read_touches_only_yours(client, personas):
    _make(personas.sp1, 3)
    _make(personas.sp2, 2)
    r = login(client, personas.sp1).post(reverse("notifications:read-all"), {"next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == reverse("notifications:list")
    assert not Notification.objects.filter(recipient=personas.sp1, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=personas.sp2, read_at__isnull=True).count() == 2


def test_open_marks_read_and_follows_only_local_links(client, personas):
    [local] = _make(personas.sp1, link="/customers/?owner=1")
    [external] = _make(personas.sp1, link="https://evil.example/phish")
    login(client, personas.sp1)
    r = client.get(reverse("notifications:open", args=[local.pk]))
    assert r.status_code == 302 and r["Location"] == "/customers/?owner=1"
    r = client.get(reverse("notifications:open", args=[external.pk]))
    assert r["Location"] == reverse("notifications:list")
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_preferences_page_saves_switches_and_webhooks(client, personas):
    login(client, personas.sp1)
    r = client.get(reverse("notifications:preferences"))
    assert r.status_code == 200
    body = r.content.decode()
    assert 'name="jobs-failed__email" class="form-check-input" id="id_jobs-failed__email" checked' in body
    assert 'name="jobs-finished__email" class="form-check-input" id="id_jobs-finished__email">' in body
    data = {
        "jobs-finished__in_app": "on",
        "jobs-finished__wecom": "on",
        "jobs-failed__in_app": "on",
        "wecom_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1",
        "dingtalk_url": "",
        "dingtalk_secret": "",
    }
    r = client.post(reverse("notifications:preferences"), data)
    assert r.status_code == 302
    pref = NotificationPreference.objects.get(user=personas.sp1, kind=FINISHED)
    assert (pref.in_app, pref.email, pref.wecom) == (True, False, True)
    assert not NotificationPreference.objects.get(user=personas.sp1, kind=FAILED).email
    assert RobotWebhooks.objects.get(user=personas.sp1).wecom_url.endswith("key=k1")


def test_preferences_page_refuses_a_foreign_webhook_with_nothing_changed(client, personas):
    login(client, personas.sp1, lang="en")
    r = client.post(
        reverse("notifications:preferences"),
        {"jobs-finished__in_app": "on", "jobs-finished__email": "on", "wecom_url": "https://10.0.0.1/hook"},
    )
    assert r.status_code == 400
    assert "webhook address on qyapi.weixin.qq.com" in r.content.decode()
    assert not NotificationPreference.objects.exists()
    assert not RobotWebhooks.objects.exists()


# --- the API ------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_lists_your_own_with_the_unread_filter(personas):
    _make(personas.sp1, 2, actor=personas.dm)
    _make(personas.sp1, 1, read=True, start=5)
    _make(personas.sp2, 4)
    r = api(personas.sp1).get("/api/v1/notifications/")
    assert r.status_code == 200 and r.data["count"] == 3
    assert r.data["results"][0]["actor_name"] == "赵部长"
    r = api(personas.sp1).get("/api/v1/notifications/", {"unread": "true"})
    assert r.data["count"] == 2 and all(not n["is_read"] for n in r.data["results"])
    assert api(personas.sp1).get("/api/v1/notifications/", {"unread": "false"}).data["count"] == 1
    assert api(personas.sp1).get("/api/v1/notifications/", {"unread": "maybe"}).status_code == 400


def test_api_list_query_count_is_constant(personas, django_assert_max_num_queries):
    _make(personas.sp1, 2, actor=personas.dm)
    client = api(personas.sp1)
    with django_assert_max_num_queries(4) as few:
        client.get("/api/v1/notifications/")
    _make(personas.sp1, 30, actor=personas.am, start=5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/api/v1/notifications/")


def test_api_read_one_and_all(personas):
    [mine] = _make(personas.sp1)
    [theirs] = _make(personas.sp2)
    client = api(personas.sp1)
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    r = client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert r.status_code == 200 and r.data["is_read"] is True
    _make(personas.sp1, 3, start=10)
    r = client.post("/api/v1/notifications/read-all/")
    assert r.data == {"marked": 3}
    assert Notification.objects.filter(recipient=personas.sp2, read_at__isnull=True).count() == 1


def test_api_preferences_round_trip_and_secret_never_returned(personas):
    client = api(personas.sp1)
    r = client.get("/api/v1/notifications/preferences/")
    kinds = {k["kind"]: k for k in r.data["kinds"]}
    assert kinds[FAILED]["email"] is True and r.data["dingtalk_secret_set"] is False
    r = client.put(
        "/api/v1/notifications/preferences/",
        {
            "kinds": [{"kind": FAILED, "email": False, "dingtalk": True}],
            "dingtalk_url": "https://oapi.dingtalk.com/robot/send?access_token=t",
            "dingtalk_secret": "SEC123",
        },
        format="json",
    )
    assert r.status_code == 200, r.data
    kinds = {k["kind"]: k for k in r.data["kinds"]}
    assert (kinds[FAILED]["email"], kinds[FAILED]["dingtalk"]) == (False, True)
    assert r.data["dingtalk_secret_set"] is True and "dingtalk_secret" not in r.data


@pytest.mark.parametrize(
    "body",
    [
        {"wecom_url": "https://metadata.google.internal/"},
        {"kinds": [{"kind": "no.such", "email": True}]},
        {"kinds": [{"kind": FINISHED, "wecom": True}]},  # no webhook
        {"kinds": "all"},
    ],
)
def test_api_refused_preferences_change_nothing(personas, body):
    client = api(personas.sp1)
    r = client.put("/api/v1/notifications/preferences/", body, format="json")
    assert r.status_code == 400
    assert not NotificationPreference.objects.exists() and not RobotWebhooks.objects.exists()


def test_anonymous_gets_401_and_login_redirect(client):
    assert APIClient().get("/api/v1/notifications/").status_code == 401
    r = client.get(reverse("notifications:list"))
    assert r.status_code == 302 and "/login/" in r["Location"]
