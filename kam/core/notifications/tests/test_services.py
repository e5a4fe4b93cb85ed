"""Notification services and delivery (issue 8 §5): preferences decide the channels, e-mail by
Django's in-memory outbox, robots through a mocked transport, throttling delays (never drops),
failures are retried a bounded number of times and recorded, nothing is sent twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks import default_task_backend

from kam.core.notifications import robots, services, tasks
from kam.core.notifications.jobs import FAILED, FINISHED
from kam.core.notifications.models import Delivery, Notification, NotificationPreference, RobotWebhooks

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=tok"

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """The robots' transport, recorded (no network)."""
    calls = []

    def fake_post(url, payload, *, timeout):
        calls.append((url, payload))
        return {"errcode": 0, "errmsg": "ok"}

    monkeypatch.setattr(robots, "post_json", fake_post)
    return calls


def _draft(user, kind=FINISHED, title="你的导入任务已完成", **kw):
    return services.Draft(recipient_id=user.pk, kind=kind, title=title, **kw)


def test_default_channels_make_an_in_app_row_and_nothing_else(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = services.notify_many([_draft(personas.sp1), _draft(personas.sp2, body="新建 3")])
    assert [n.recipient for n in made] == [personas.sp1, personas.sp2]
    assert Notification.objects.filter(in_app=True).count() == 2
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_email_is_sent_from_the_task_after_commit(personas, django_capture_on_commit_callbacks, settings):
    settings.KAM_BASE_URL = "https://kam.example.com"
    user = personas.sp1
    user.email = "sp1@example.com"
    user.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify_many([_draft(user, FAILED, "你的导入任务失败", body="第 7 行", link="/jobs/7/")])
    assert mail.outbox == []  # nothing sent inside the transaction (the request)
    assert Delivery.objects.get().status == Delivery.Status.PENDING
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sp1@example.com"]
    assert message.subject == "你的导入任务失败"
    assert "第 7 行" in message.body and "https://kam.example.com/jobs/7/" in message.body
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)
    # run again (a task retried by its backend): nothing is sent twice
    tasks.deliver.call([delivery.pk])
    assert len(mail.outbox) == 1


def test_a_kind_switched_off_sends_nothing_on_that_channel(personas, django_capture_on_commit_callbacks):
    user = personas.sp1
    user.email = "sp1@example.com"
    user.save()
    NotificationPreference.objects.create(user=user, kind=FAILED, in_app=True, email=False)
    NotificationPreference.objects.create(user=personas.sp2, kind=FAILED, in_app=False, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_many([_draft(user, FAILED), _draft(personas.sp2, FAILED)])
    assert mail.outbox == []
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["sp1"]


def test_email_only_leaves_the_row_out_of_the_app(personas, django_capture_on_commit_callbacks):
    user = personas.sp1
    user.email = "sp1@example.com"
    user.save()
    NotificationPreference.objects.create(user=user, kind=FINISHED, in_app=False, email=True)
    with django_capture_on_commit_callbacks(execute=True):
        made = services.notify_many([_draft(user)])
    assert made == []
    assert len(mail.outbox) == 1
    assert not Notification.objects.for_user(user).exists()


def test_inactive_users_and_unknown_kinds(personas):
    assert services.notify_many([_draft(personas.inactive)]) == []
    assert not Notification.objects.exists()
    with pytest.raises(ValueError, match="unregistered"):
        services.notify_many([_draft(personas.sp1, kind="no.such.kind")])


def test_notify_many_is_a_constant_number_of_queries(personas, django_assert_max_num_queries):
    users = [personas.sp1, personas.sp2, personas.am, personas.dm, personas.director]
    with django_assert_max_num_queries(5):  # users, preferences, one insert, savepoint + release
        services.notify_many([_draft(u) for u in users] * 10)
    assert Notification.objects.count() == 50


def _robots(user, **prefs):
    RobotWebhooks.objects.create(user=user, wecom_url=WECOM, dingtalk_url=DINGTALK, dingtalk_secret="SECx")
    NotificationPreference.objects.create(user=user, kind=FINISHED, in_app=True, **prefs)


def test_robot_messages_go_through_the_transport(personas, sent, django_capture_on_commit_callbacks):
    _robots(personas.sp1, wecom=True, dingtalk=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_many([_draft(personas.sp1, title="导出完成", link="/jobs/1/")])
    urls = [url for url, _payload in sent]
    assert urls[0] == WECOM
    assert urls[1].startswith(DINGTALK + "&timestamp=") and "&sign=" in urls[1]
    assert sent[0][1]["markdown"]["content"].startswith("**导出完成**")
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_a_throttled_robot_delays_the_message_not_drops_it(personas, sent, settings):
    settings.KAM_ROBOT_PER_MINUTE = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    _robots(personas.sp1, wecom=True)
    services.notify_many([_draft(personas.sp1, title=f"第{i}条") for i in range(3)])
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    result = tasks.deliver.call(ids)
    assert result == {"sent": 2, "delayed": 1, "done": 0}
    assert len(sent) == 2
    late = Delivery.objects.get(pk=ids[2])
    assert late.status == Delivery.Status.PENDING and late.attempts == 0
    assert late.not_before > timezone.now() + dt.timedelta(seconds=20)  # 2 a minute: ~30 s
    # re-enqueued to run then (the backend can defer)
    queued = default_task_backend.results
    assert [(r.args, r.task.run_after is not None) for r in queued] == [([[ids[2]]], True)]
    # when its time has come it goes
    tasks.deliver_one(late, now=late.not_before + dt.timedelta(seconds=1))
    late.refresh_from_db()
    assert late.status == Delivery.Status.SENT and len(sent) == 3


def test_failures_are_retried_a_bounded_number_of_times_and_recorded(personas, monkeypatch, settings):
    settings.KAM_NOTIFY_MAX_ATTEMPTS = 3
    _robots(personas.sp1, wecom=True)

    def down(url, payload, *, timeout):
        raise OSError("connection refused")

    monkeypatch.setattr(robots, "post_json", down)
    services.notify_many([_draft(personas.sp1)])
    delivery = Delivery.objects.get()
    now = timezone.now()
    retry_times = []
    for _attempt in range(5):
        when = tasks.deliver_one(delivery, now=now)
        delivery.refresh_from_db()
        if when is None:
            break
        retry_times.append((when - now).total_seconds())
        now = when
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 3
    assert "connection refused" in delivery.last_error
    assert retry_times == [60.0, 120.0]  # backing off, then given up


def test_a_delivery_not_yet_due_is_not_sent(personas, sent):
    _robots(personas.sp1, wecom=True)
    services.notify_many([_draft(personas.sp1)])
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(not_before=timezone.now() + dt.timedelta(minutes=5))
    assert tasks.deliver_one(delivery) is None
    assert sent == []
    assert tasks.deliver_due.call() == {"sent": 0, "delayed": 0, "done": 0}


def _snapshot(user):
    hooks = RobotWebhooks.objects.filter(user=user).values_list("wecom_url", "dingtalk_url", "dingtalk_secret")
    return list(NotificationPreference.objects.filter(user=user).values_list("kind", "in_app", "email")), list(hooks)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"wecom_url": "https://example.com/hook"}, "wecom_url"),
        ({"dingtalk_url": "http://oapi.dingtalk.com/robot/send?access_token=x"}, "dingtalk_url"),
        ({"kinds": {FINISHED: {"wecom": True}}}, "wecom_url"),  # a robot channel needs its webhook
        ({"kinds": {"no.such": {"email": True}}}, "kinds"),
        ({"kinds": {FINISHED: {"fax": True}}}, "kinds"),
        ({"kinds": {FINISHED: {"email": "yes"}}}, "kinds"),
        ({"dingtalk_secret": "SEC with spaces"}, "dingtalk_secret"),
    ],
)
def test_bad_preferences_are_refused_with_nothing_changed(personas, kwargs, field):
    user = personas.sp1
    services.preferences_set(actor=user, kinds={FINISHED: {"email": True}})
    before = _snapshot(user)
    with pytest.raises(ValidationError) as info:
        services.preferences_set(actor=user, **{"wecom_url": None, **kwargs})
    assert field in info.value.message_dict
    assert _snapshot(user) == before


def test_preferences_are_saved_and_read_back(personas):
    user = personas.sp1
    rows = {r["kind"]: r for r in services.preferences(user)}
    assert rows[FAILED]["email"] is True and rows[FINISHED]["email"] is False  # the kinds' defaults
    services.preferences_set(
        actor=user, kinds={FAILED: {"email": False, "dingtalk": True}}, dingtalk_url=DINGTALK, dingtalk_secret="SECabc"
    )
    rows = {r["kind"]: r for r in services.preferences(user)}
    assert (rows[FAILED]["in_app"], rows[FAILED]["email"], rows[FAILED]["dingtalk"]) == (True, False, True)
    assert rows[FAILED]["customised"] and not rows[FINISHED]["customised"]
    hooks = RobotWebhooks.objects.get(user=user)
    assert (hooks.dingtalk_url, hooks.dingtalk_secret) == (DINGTALK, "SECabc")
