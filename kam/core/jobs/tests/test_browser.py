"""Browser test (issue 8 §1; Playwright + Debian's chromium): a job of a test-registered kind runs
while its page is open; the progress bar, polled by HTMX every second, moves through
intermediate values to 100 %, the polling stops and the page shows the result.

The job runs in this (the test's) thread while the live server answers the browser's polls."""

from __future__ import annotations

import time

import pytest

from kam.core.jobs.models import Job
from kam.core.jobs.services import job_start, run_job
from kam.core.registry import JobKind, registry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEPS = 8
PASSWORD = "browser-pass-2026"


def _slow(run):
    for i in range(1, STEPS + 1):
        time.sleep(0.5)
        run.progress(i, STEPS)
    return {"rows": STEPS, "message": "全部完成"}


def test_progress_bar_reaches_100_and_shows_the_result(chromium, live_server, settings, django_user_model, screenshots):
    settings.KAM_JOB_PROGRESS_SECONDS = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # we run it below
    user = django_user_model.objects.create_user(username="runner", password=PASSWORD, name="跑任务的人")
    with registry.temporary("job_kinds", JobKind("t.slow", "慢任务", _slow)):
        job = job_start(actor=user, kind="t.slow", params={}, title="浏览器里的慢任务")
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20000)
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", "runner")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(live_server.url + "/")

        page.goto(live_server.url + f"/jobs/{job.pk}/")
        assert page.locator("#job-status").get_attribute("data-status") == "queued"
        assert page.locator("#job-status").get_attribute("hx-trigger") == "every 1s"
        # record every value the bar shows (each poll swaps the status part)
        page.evaluate(
            """() => { window.kamSeen = [];
                document.body.addEventListener('htmx:afterSwap', () => {
                  const bar = document.getElementById('job-progress');
                  window.kamSeen.push(bar && bar.hasAttribute('value') ? Number(bar.value) : null); }); }"""
        )
        run_job(job.pk)  # ~4 s; the browser keeps polling meanwhile
        page.wait_for_selector('#job-status[data-status="succeeded"]')
        page.screenshot(path=str(screenshots / "jobs-01-finished.png"), full_page=True)
        seen = page.evaluate("window.kamSeen")
        assert page.locator("#job-progress").get_attribute("value") == "100"
        assert page.locator("#job-percent").inner_text().strip() == "100 %"
        assert any(v is not None and 0 < v < 100 for v in seen), seen  # it moved, not jumped
        assert page.locator("#job-status").get_attribute("hx-trigger") is None  # polling stopped
        assert "全部完成" in page.locator("#job-result").inner_text()
        assert page.locator("#job-cancel").count() == 0
        polls = len(seen)
        page.wait_for_timeout(2500)
        assert page.evaluate("window.kamSeen.length") == polls  # no more requests after the end
        assert errors == []
        # the list shows it finished
        page.goto(live_server.url + "/jobs/")
        assert "已完成" in page.locator(f"tr[data-job='{job.pk}']").inner_text()
        context.close()
    assert Job.objects.get(pk=job.pk).result == {"rows": STEPS, "message": "全部完成"}
