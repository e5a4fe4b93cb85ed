"""Group robots (issue 8 §5): DingTalk's signature, webhook allow-list (SSRF), the per-robot
token bucket, and the HTTP call through a mocked transport (no real network)."""

from __future__ import annotations

import datetime as dt
import urllib.error

import pytest
from django.core.exceptions import ValidationError

from kam.core.notifications import robots
from kam.core.notifications.models import RobotBucket

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=tok456"
T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def test_dingtalk_signature_matches_the_hand_computed_value():
    # printf '1700000000000\nSECtest-secret' | openssl dgst -sha256 -hmac 'SECtest-secret' -binary | base64
    #   → LC7hxZ4wslL+P7j7gu1hoQ+wzByekL+yWgiUMekZs0g=  (then URL-encoded)
    assert (
        robots.dingtalk_sign("SECtest-secret", 1700000000000) == "LC7hxZ4wslL%2BP7j7gu1hoQ%2BwzByekL%2ByWgiUMekZs0g%3D"
    )


def test_dingtalk_url_appends_timestamp_and_sign():
    url = robots.dingtalk_url(DINGTALK, "SECtest-secret", 1700000000000)
    assert url == DINGTALK + "&timestamp=1700000000000&sign=LC7hxZ4wslL%2BP7j7gu1hoQ%2BwzByekL%2ByWgiUMekZs0g%3D"
    assert robots.dingtalk_url(DINGTALK, "", 1700000000000) == DINGTALK  # a robot without 加签


@pytest.mark.parametrize(
    ("url", "channel"),
    [
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "wecom"),  # not https
        ("https://127.0.0.1/robot/send", "dingtalk"),
        ("https://169.254.169.254/latest/meta-data/", "wecom"),
        ("https://qyapi.weixin.qq.com.evil.example/send", "wecom"),
        ("https://evil.example/?https://qyapi.weixin.qq.com/", "wecom"),
        ("https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send", "wecom"),
        ("https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send", "wecom"),
        ("https://oapi.dingtalk.com/robot/send?access_token=x", "wecom"),  # DingTalk's host for WeCom
        ("file:///etc/passwd", "dingtalk"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a\x00b", "wecom"),
        ("https://qyapi.weixin.qq.com:xyz/send", "wecom"),
    ],
)
def test_webhooks_off_the_allow_list_are_refused(url, channel):
    with pytest.raises(ValidationError):
        robots.validate_webhook(url, channel)


def test_allowed_webhooks_pass_and_the_allow_list_is_a_setting(settings):
    assert robots.validate_webhook(" " + WECOM + " ", "wecom") == WECOM
    assert robots.validate_webhook(DINGTALK, "dingtalk") == DINGTALK
    assert robots.validate_webhook("", "wecom") == ""
    settings.KAM_ROBOT_HOSTS = ["oapi.dingtalk.com"]
    with pytest.raises(ValidationError):
        robots.validate_webhook(WECOM, "wecom")


def test_messages_are_markdown_for_each_robot():
    wecom = robots.message("wecom", title="标题", body="正文", link="https://kam.example/c/1/")
    assert wecom["msgtype"] == "markdown"
    assert wecom["markdown"]["content"].startswith("**标题**\n\n正文\n\n[")
    assert "(https://kam.example/c/1/)" in wecom["markdown"]["content"]
    ding = robots.message("dingtalk", title="标题", body="", link="")
    assert ding == {"msgtype": "markdown", "markdown": {"title": "标题", "text": "**标题**"}}


@pytest.mark.django_db
def test_token_bucket_allows_a_burst_then_one_every_three_seconds():
    waits = [robots.take_token(WECOM, now=T0, per_minute=20) for _ in range(21)]
    assert waits[:20] == [0.0] * 20
    assert waits[20] == pytest.approx(3.0)  # 20 a minute: the next token in 60/20 s
    assert robots.take_token(WECOM, now=T0 + dt.timedelta(seconds=2), per_minute=20) == pytest.approx(1.0)
    assert robots.take_token(WECOM, now=T0 + dt.timedelta(seconds=3), per_minute=20) == 0.0
    # another robot has its own bucket; the URL (a credential) is stored only as a hash
    assert robots.take_token(DINGTALK, now=T0, per_minute=20) == 0.0
    assert RobotBucket.objects.count() == 2
    assert not RobotBucket.objects.filter(key__contains="abc-123").exists()


def test_send_posts_json_with_a_timeout_and_signs_dingtalk(monkeypatch, settings):
    calls = []

    def fake_post(url, payload, *, timeout):
        calls.append((url, payload, timeout))
        return {"errcode": 0, "errmsg": "ok"}

    monkeypatch.setattr(robots, "post_json", fake_post)
    settings.KAM_ROBOT_TIMEOUT = 4.5
    robots.send("dingtalk", url=DINGTALK, secret="SECtest-secret", payload={"msgtype": "text"}, now=T0)
    stamp = int(T0.timestamp() * 1000)
    assert calls == [(robots.dingtalk_url(DINGTALK, "SECtest-secret", stamp), {"msgtype": "text"}, 4.5)]


@pytest.mark.parametrize(
    ("answer", "retry_after"),
    [({"errcode": 45009, "errmsg": "api freq out of limit"}, 60.0), ({"errcode": 310000, "errmsg": "sign"}, None)],
)
def test_a_refusing_robot_raises_and_says_when_to_retry(monkeypatch, answer, retry_after):
    monkeypatch.setattr(robots, "post_json", lambda url, payload, *, timeout: answer)
    with pytest.raises(robots.RobotError) as info:
        robots.send("wecom", url=WECOM, secret="", payload={}, now=T0)
    assert info.value.retry_after == retry_after
    assert str(answer["errcode"]) in str(info.value)


def test_network_errors_become_robot_errors(monkeypatch):
    def down(url, payload, *, timeout):
        raise urllib.error.URLError("timed out")

    monkeypatch.setattr(robots, "post_json", down)
    with pytest.raises(robots.RobotError, match="timed out"):
        robots.send("wecom", url=WECOM, secret="", payload={}, now=T0)


def test_send_refuses_a_webhook_no_longer_allowed(monkeypatch, settings):
    monkeypatch.setattr(robots, "post_json", lambda *a, **k: pytest.fail("must not be called"))
    settings.KAM_ROBOT_HOSTS = ["oapi.dingtalk.com"]
    with pytest.raises(ValidationError):
        robots.send("wecom", url=WECOM, secret="", payload={}, now=T0)
