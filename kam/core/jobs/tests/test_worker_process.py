"""``kam worker --exit-with-parent`` as a real process (issue 8 §1, `make run` / `make dev`): it
runs a queued job, and stops by itself once the process that started it is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kam.core.jobs.management.commands.worker import GRACE_SECONDS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[4]


def _env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KAM_", "DATABASE_URL"))}
    env.update(KAM_DEBUG="1", KAM_DATA_DIR=str(tmp_path), KAM_SCHEDULER_SECONDS="1")
    return env


def _kam(env, *args, **kw):
    return subprocess.run([sys.executable, "-m", "kam", *args], env=env, cwd=ROOT, check=True, **kw)


WAIT_FOR_SUCCESS = """
import time
from kam.core.jobs.models import Job
for _ in range(100):
    if Job.objects.filter(status="succeeded").exists():
        break
    time.sleep(0.3)
print(Job.objects.get().status)
"""
WORKER = "{python} -m kam worker --exit-with-parent $$ --interval 0.2 & echo $! > {pidfile}; sleep 8"


def test_worker_runs_a_job_and_exits_with_its_parent(tmp_path):
    env = _env(tmp_path)
    _kam(env, "migrate", "-v0", timeout=300)
    _kam(
        env,
        "shell",
        "-c",
        "from kam.core.jobs.services import job_start; job_start(actor=None, kind='jobs.prune', params={})",
        timeout=120,
        capture_output=True,
    )
    pidfile = tmp_path / "worker.pid"
    # a parent shell that starts the worker, then ends after a few seconds (like make dev's shell)
    parent = subprocess.Popen(
        ["sh", "-c", WORKER.format(python=sys.executable, pidfile=pidfile)],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while not pidfile.exists() or not pidfile.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.2)
    worker = int(pidfile.read_text())
    out = _kam(
        env,
        "shell",
        "-c",
        WAIT_FOR_SUCCESS,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "succeeded"
    parent.wait(timeout=60)
    # graceful stop (SIGTERM) within a second or two when idle; the hard exit after the grace
    # period at the latest
    deadline = time.monotonic() + GRACE_SECONDS + 15
    while Path(f"/proc/{worker}").exists() and "zombie" not in _state(worker):
        assert time.monotonic() < deadline, "the worker outlived its parent: " + _state(worker)[:300]
        time.sleep(0.3)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"
