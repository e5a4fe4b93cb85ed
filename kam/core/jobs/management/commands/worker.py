"""``kam worker``: run background jobs — django-tasks-db's worker on the database backend, RQ's
worker when ``KAM_REDIS_URL`` is set — with the scheduler and the reaper ticking beside it
(``kam.core.jobs.scheduler``; each worker ticks, the unique constraint keeps every due run single).

``make run`` / ``make dev`` start one worker next to the web server (``--exit-with-parent``: it stops
when the process that started it is gone). At scale, run as many ``kam worker`` processes as you
like, on as many machines (README "Background jobs")."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time

from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.management.base import KamCommand

logger = logging.getLogger("kam.jobs.worker")


GRACE_SECONDS = 30


def _watch_parent(parent: int) -> None:
    """Stop this process once its parent ``parent`` is gone (we are not its child any more —
    also when it died while we were starting): SIGTERM (the worker finishes the job it is
    running), and a hard exit if still here after GRACE_SECONDS (the reaper fails that job)."""
    while os.getppid() == parent:
        time.sleep(1)
    logger.warning("the process that started this worker is gone; stopping")
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_SECONDS)
    os._exit(1)


class Command(KamCommand):
    help = gettext_lazy("Run background jobs, the scheduler of periodic jobs and the reaper of stuck ones.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-scheduler", action="store_true", help=gettext_lazy("Run jobs only: no scheduler, no reaper.")
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help=gettext_lazy("Seconds to wait for new jobs when the queue is empty (database backend)."),
        )
        parser.add_argument(
            "--batch", action="store_true", help=gettext_lazy("Run the jobs waiting now, then exit (no scheduler).")
        )
        parser.add_argument(
            "--exit-with-parent",
            nargs="?",
            type=int,
            const=0,
            default=None,
            metavar="PID",
            help=gettext_lazy(
                "Stop when the process that started the worker (or process PID, which must be its parent) exits "
                "(make run, make dev)."
            ),
        )

    def handle(self, *args, **options):
        from django_tasks import task_backends
        from django_tasks.backends.immediate import ImmediateBackend

        from kam.core.jobs.scheduler import scheduler_loop

        backend = task_backends["default"]
        if isinstance(backend, ImmediateBackend):
            raise CommandError(
                _("The task backend runs every job as it is enqueued: there is nothing for a worker to do.")
            )
        logging.getLogger("kam.jobs").setLevel(logging.INFO if options["verbosity"] else logging.WARNING)
        if options["exit_with_parent"] is not None:
            parent = options["exit_with_parent"] or os.getppid()
            threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="kam-parent").start()
        stop = threading.Event()
        if not (options["no_scheduler"] or options["batch"]):
            threading.Thread(target=scheduler_loop, args=(stop,), daemon=True, name="kam-scheduler").start()
        self.stdout.write(_("KAM worker started ({backend}).").format(backend=type(backend).__name__))
        self.stdout.flush()
        try:
            if type(backend).__module__.startswith("django_tasks_db"):
                self._run_database(options)
            else:
                call_command("rqworker", "default", job_class="django_tasks_rq.Job", burst=options["batch"])
        finally:
            stop.set()

    def _run_database(self, options) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=["default"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=not options["batch"],
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        except SystemExit as exc:  # the worker's signal handler exits this way
            sys.stdout.flush()
            if exc.code not in (0, None):
                raise
