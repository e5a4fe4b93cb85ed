"""The scheduler and the reaper (issue 8 §1), on a frozen clock (time-machine): due times of cron
expressions in Asia/Shanghai, two workers ticking for the same due time → one run, stuck jobs and
runs reaped, default schedules synced from the registry."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kam.core.jobs import scheduler
from kam.core.jobs.models import Job, JobStatus, ScheduledJob, ScheduledRun
from kam.core.jobs.services import job_start, run_job
from kam.core.jobs.signals import job_finished
from kam.core.registry import JobKind, ScheduledJobSpec, registry

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
CALLS: list[dict] = []


def count_calls(**params):
    CALLS.append(params)


from django_tasks import task  # noqa: E402

counting_task = task()(count_calls)


@pytest.fixture(autouse=True)
def _no_default_schedules(db):
    """The defaults synced after migrate (jobs.prune) would tick too: these tests own the table."""
    ScheduledJob.objects.all().delete()


@pytest.fixture
def kind():
    calls = []

    def run(r):
        calls.append(r.params)
        # while it runs, its scheduled run says so
        assert all(run.status == JobStatus.RUNNING for run in ScheduledRun.objects.filter(job=r.job))
        return {"ok": 1}

    with registry.temporary("job_kinds", JobKind("t.nightly", "Nightly", run)):
        yield calls


def _schedule(**kw):
    defaults = {
        "name": "nightly",
        "kind": "t.nightly",
        "cron": "0 2 * * *",
        "created_at": datetime(2026, 12, 1, tzinfo=SH),
    }
    defaults.update(kw)
    return ScheduledJob.objects.create(**defaults)


def test_latest_due_in_shanghai_time(kind):
    s = _schedule(created_at=datetime(2026, 12, 1, 0, 0, tzinfo=SH))
    # 01:59 Shanghai: nothing due yet; 02:00 exactly: due; 02:00 is 18:00 UTC the day before
    assert scheduler.latest_due(s, datetime(2026, 12, 1, 1, 59, tzinfo=SH)) is None
    due = scheduler.latest_due(s, datetime(2026, 12, 1, 2, 0, tzinfo=SH))
    assert due == datetime(2026, 12, 1, 2, 0, tzinfo=SH)
    assert due == datetime(2026, 11, 30, 18, 0, tzinfo=ZoneInfo("UTC"))
    # a worker that was down for three days runs the latest missed one once
    assert scheduler.latest_due(s, datetime(2026, 12, 4, 9, 0, tzinfo=SH)) == datetime(2026, 12, 4, 2, 0, tzinfo=SH)
    s.last_due_at = datetime(2026, 12, 4, 2, 0, tzinfo=SH)
    assert scheduler.latest_due(s, datetime(2026, 12, 4, 23, 59, tzinfo=SH)) is None
    assert scheduler.next_due(s, datetime(2026, 12, 4, 9, 0, tzinfo=SH)) == datetime(2026, 12, 5, 2, 0, tzinfo=SH)


def test_tick_on_a_frozen_clock_enqueues_and_runs_once(kind, django_capture_on_commit_callbacks):
    _schedule(params={"days": 7})
    with time_machine.travel(datetime(2026, 12, 1, 1, 0, tzinfo=SH), tick=False):
        assert scheduler.tick() == []
    with time_machine.travel(datetime(2026, 12, 1, 2, 0, 5, tzinfo=SH), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            runs = scheduler.tick()
        assert len(runs) == 1
        assert scheduler.tick() == []  # same minute, later tick: nothing new
    assert kind == [{"days": 7}]
    run = ScheduledRun.objects.get()
    assert run.due_at == datetime(2026, 12, 1, 2, 0, tzinfo=SH)
    assert run.job.status == JobStatus.SUCCEEDED and str(run.job) == "Nightly"
    assert run.status == JobStatus.SUCCEEDED  # mirrored from its job
    assert ScheduledJob.objects.get().last_due_at == run.due_at
    with time_machine.travel(datetime(2026, 12, 2, 2, 0, tzinfo=SH), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert len(scheduler.tick()) == 1
    assert len(kind) == 2


def test_two_workers_same_due_time_one_run(kind):
    """Two workers that both read the schedule before either inserted: the second insert hits
    the unique constraint and enqueues nothing."""
    s = _schedule()
    now = datetime(2026, 12, 1, 2, 0, 1, tzinfo=SH)
    stale_copy = ScheduledJob.objects.get(pk=s.pk)  # what worker B read
    due_a = scheduler.latest_due(s, now)
    due_b = scheduler.latest_due(stale_copy, now)
    assert due_a == due_b
    assert scheduler._claim(s, due_a) is not None
    assert scheduler._claim(stale_copy, due_b) is None
    assert ScheduledRun.objects.count() == 1
    assert Job.objects.count() == 1


def test_unique_constraint_itself():
    s = _schedule(kind="", task="x")
    due = timezone.now()
    ScheduledRun.objects.create(scheduled=s, due_at=due)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledRun.objects.create(scheduled=s, due_at=due)


@pytest.mark.django_db(transaction=True)
def test_two_worker_threads_tick_concurrently(kind):
    """Two real connections ticking at the same instant (threads): exactly one run and one job.
    PostgreSQL only: the test database of SQLite is in memory with a shared cache, whose table
    locks are not the file database's (there, IMMEDIATE transactions serialise the two ticks)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("two connections to the in-memory test database lock tables; run on PostgreSQL")
    _schedule()
    now = datetime(2026, 12, 1, 2, 0, 1, tzinfo=SH)
    barrier = threading.Barrier(2)
    made = []
    errors = []

    def worker():
        from django.db import connection

        try:
            barrier.wait()
            made.extend(scheduler.tick(now))
        except Exception as exc:  # pragma: no cover - shown on failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(made) == 1
    assert ScheduledRun.objects.count() == 1
    assert Job.objects.count() == 1


def test_disabled_schedule_does_nothing(kind):
    _schedule(enabled=False)
    assert scheduler.tick(datetime(2026, 12, 1, 2, 0, tzinfo=SH)) == []


def test_task_path_schedule(django_capture_on_commit_callbacks):
    CALLS.clear()
    _schedule(kind="", task=f"{__name__}.counting_task", params={"n": 1}, cron="*/5 * * * *")
    with django_capture_on_commit_callbacks(execute=True):
        runs = scheduler.tick(datetime(2026, 12, 1, 0, 10, 30, tzinfo=SH))
    assert CALLS == [{"n": 1}]
    run = ScheduledRun.objects.get(pk=runs[0].pk)
    assert run.status == JobStatus.SUCCEEDED and run.due_at == datetime(2026, 12, 1, 0, 10, tzinfo=SH)
    scheduler.run_scheduled(run.pk)  # a second delivery: nothing
    assert CALLS == [{"n": 1}]


def test_validation(kind, en):
    with pytest.raises(ValidationError) as exc:
        ScheduledJob(name="x", kind="t.nightly", cron="61 * * * *", timezone="Mars/Base").full_clean()
    assert set(exc.value.message_dict) >= {"cron", "timezone"}
    with pytest.raises(ValidationError) as exc:
        ScheduledJob(name="x", kind="t.nightly", task="a.b", cron="0 2 * * *").full_clean()
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ScheduledJob(name="x", task="os.path.join", cron="0 2 * * *").full_clean()
    assert "task" in exc.value.message_dict
    ScheduledJob(name="x", kind="t.nightly", cron="0 2 * * 1-5").full_clean()


def test_stuck_job_is_reaped(kind, settings, en):
    settings.KAM_JOB_STUCK_SECONDS = 600
    ended = []
    receiver = lambda sender, job, **kw: ended.append(job.status)  # noqa: E731
    job_finished.connect(receiver)
    try:
        with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=SH), tick=False):
            job = job_start(actor=None, kind="t.nightly", params={})
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
            )
            alive = job_start(actor=None, kind="t.nightly", params={})
        with time_machine.travel(datetime(2026, 12, 1, 10, 9, tzinfo=SH), tick=False):
            Job.objects.filter(pk=alive.pk).update(
                status=JobStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
            )
            assert scheduler.reap() == (0, 0)  # 9 minutes: not yet
        with time_machine.travel(datetime(2026, 12, 1, 10, 11, tzinfo=SH), tick=False):
            assert scheduler.reap() == (1, 0)
            assert scheduler.reap() == (0, 0)  # idempotent
    finally:
        job_finished.disconnect(receiver)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "no sign of life since 2026-12-01 10:00:00" in job.error
    assert Job.objects.get(pk=alive.pk).status == JobStatus.RUNNING
    assert ended == [JobStatus.FAILED]
    # the dead worker's run coming back later does not resurrect the job
    assert run_job(job.pk).status == JobStatus.FAILED


def test_stuck_scheduled_run_is_reaped(settings):
    settings.KAM_JOB_STUCK_SECONDS = 60
    s = _schedule(kind="", task=f"{__name__}.counting_task")
    old = timezone.now() - timedelta(minutes=5)
    stuck = ScheduledRun.objects.create(scheduled=s, due_at=old, status=JobStatus.RUNNING, heartbeat_at=old)
    fresh = ScheduledRun.objects.create(
        scheduled=s, due_at=timezone.now(), status=JobStatus.RUNNING, heartbeat_at=timezone.now()
    )
    assert scheduler.reap() == (0, 1)
    assert ScheduledRun.objects.get(pk=stuck.pk).status == JobStatus.FAILED
    assert ScheduledRun.objects.get(pk=fresh.pk).status == JobStatus.RUNNING


def test_defaults_synced_once_and_admin_edits_kept(kind):
    spec = ScheduledJobSpec("t.default", "30 3 * * *", kind="t.nightly", params={"a": 1})
    with registry.temporary("scheduled_jobs", spec):
        assert "t.default" in scheduler.sync_scheduled_jobs()
        ScheduledJob.objects.filter(name="t.default").update(cron="0 4 * * *", enabled=False)
        assert scheduler.sync_scheduled_jobs() == []
    row = ScheduledJob.objects.get(name="t.default")
    assert (row.cron, row.enabled, row.params) == ("0 4 * * *", False, {"a": 1})


def test_scheduler_loop_stops(kind):
    stop = threading.Event()
    stop.set()
    scheduler.scheduler_loop(stop, interval=0)  # returns at once when asked to stop


@pytest.mark.parametrize("beating", [True, False])
def test_a_silent_long_step_is_kept_alive_by_the_heartbeat(settings, monkeypatch, beating):
    """A kind that reports nothing for a long step: the run's heartbeat thread (jobs cache) keeps
    the reaper away while the worker lives; without it the same job would be reaped."""
    import time

    from kam.core.jobs import services

    settings.KAM_JOB_STUCK_SECONDS = 5  # heartbeat every second
    if not beating:
        monkeypatch.setattr(services, "_beat", lambda job, stop: None)
    reaped = []

    def run(r):
        long_ago = timezone.now() - timedelta(minutes=10)
        Job.objects.filter(pk=r.job.pk).update(heartbeat_at=long_ago, started_at=long_ago)
        time.sleep(1.5)
        reaped.append(scheduler.reap())
        return {"done": True}

    with registry.temporary("job_kinds", JobKind("t.silent", "Silent", run)):
        job = run_job(job_start(actor=None, kind="t.silent", params={}).pk)
    if beating:
        assert reaped == [(0, 0)] and job.status == JobStatus.SUCCEEDED
    else:
        assert reaped == [(1, 0)] and job.status == JobStatus.FAILED  # the late finish changes nothing
