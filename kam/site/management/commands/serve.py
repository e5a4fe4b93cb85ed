"""``kam serve``: the production web server — collect static files, then replace this process
with gunicorn serving ``config.wsgi:application`` (whitenoise serves the static files).

``--with-worker`` (what ``make run`` uses) first starts one ``kam worker --exit-with-parent`` as a
child: gunicorn takes over this process id, so Ctrl-C (sent to both) stops both, and the worker
stops by itself if gunicorn goes away. In production run the workers as their own services."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.management.base import KamCommand


def default_workers() -> int:
    """2 × cores + 1, at most 8 (each worker holds its own database connection)."""
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def gunicorn_command() -> list[str]:
    """The gunicorn of this Python environment (beside ``sys.executable``), else ``python -m gunicorn``."""
    candidate = Path(sys.executable).parent / "gunicorn"
    if candidate.exists():
        return [str(candidate)]
    found = shutil.which("gunicorn")
    return [found] if found else [sys.executable, "-m", "gunicorn"]


def gunicorn_argv(
    *,
    bind: str,
    workers: int,
    threads: int = 1,
    timeout: int = 60,
    access_log: bool = False,
) -> list[str]:
    argv = gunicorn_command() + [
        "config.wsgi:application",
        "--pythonpath",
        str(settings.BASE_DIR),
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "20",
        "--max-requests",
        "5000",
        "--max-requests-jitter",
        "500",
        "--error-logfile",
        "-",
        "--no-control-socket",  # one fixed socket path per host would clash between instances
    ]
    if access_log:
        argv += ["--access-logfile", "-"]
    return argv


class Command(KamCommand):
    help = gettext_lazy(
        "Run KAM in production: collectstatic, then gunicorn with config.wsgi:application. "
        "Put a TLS-terminating proxy in front and set KAM_HTTPS=1, KAM_ALLOWED_HOSTS, KAM_SECRET_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            default=os.environ.get("KAM_BIND", "127.0.0.1:8000"),
            help=gettext_lazy("Address to listen on, host:port or unix:/path (default KAM_BIND or 127.0.0.1:8000)."),
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.environ.get("KAM_WORKERS") or None,  # a string default is parsed by `type`
            help=gettext_lazy("Worker processes (default KAM_WORKERS, else 2 × cores + 1, at most 8)."),
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=os.environ.get("KAM_THREADS") or "1",
            help=gettext_lazy("Threads per worker (default KAM_THREADS or 1)."),
        )
        parser.add_argument("--timeout", type=int, default=60, help=gettext_lazy("Worker timeout in seconds."))
        parser.add_argument("--access-log", action="store_true", help=gettext_lazy("Log every request to stdout."))
        parser.add_argument(
            "--no-collectstatic", action="store_true", help=gettext_lazy("Do not run collectstatic first.")
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help=gettext_lazy("Also start one background-job worker (kam worker) that stops with the server."),
        )

    def handle(self, *args, **options):
        workers = default_workers() if options["workers"] is None else options["workers"]
        if workers < 1 or options["threads"] < 1:
            raise CommandError(_("--workers and --threads must be at least 1."))
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = gunicorn_argv(
            bind=options["bind"],
            workers=workers,
            threads=options["threads"],
            timeout=options["timeout"],
            access_log=options["access_log"],
        )
        self.stdout.write(
            _("Serving KAM on {bind} with {workers} workers × {threads} threads.").format(
                bind=options["bind"], workers=workers, threads=options["threads"]
            )
        )
        self.stdout.flush()
        sys.stderr.flush()
        from django.db import connections

        connections.close_all()
        if options["with_worker"]:
            start_worker()
        os.execv(argv[0], argv)


def worker_argv() -> list[str]:
    # our own pid: gunicorn keeps it after the exec, and a worker slow to start still knows it
    return [sys.executable, "-m", "kam", "worker", "--exit-with-parent", str(os.getpid())]


def start_worker() -> subprocess.Popen:
    """One ``kam worker`` child of this process (kept by gunicorn after the exec)."""
    return subprocess.Popen(worker_argv(), cwd=str(settings.BASE_DIR))
