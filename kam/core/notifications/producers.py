"""Where notifications come from (issue 8 §5): change-log writes and finished jobs.

**Changes.** Every change-log write (:data:`kam.core.changes.changes_logged` — one row from a
save, many from :func:`~kam.core.changes.log_bulk`) is collected per database transaction, and
when the transaction commits the apps' notifiers (registry key ``change_notifiers``) get all of
its changes filed under their model at once, as light :class:`LoggedChange` records, and answer
with drafts — one per recipient, so an import of 100,000 customers assigned to one person is one
notification ("导入任务把 350 个客户分配给了你"), not 100,000. A rolled-back transaction notifies
nobody (its commit callback, and so its collection, is discarded with it). Core knows nothing of
customers: the customer app registers its notifier in ``kam/customers/registrations.py``.

**Jobs.** A user-visible job that ends (``kam.core.jobs``' ``job_finished`` signal) notifies the
user who started it, with a link to the job.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, transaction

from ..registry import registry

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LoggedChange:
    """What a notifier needs of one change-log row (no model instances, so 100,000 stay small)."""

    model: str  # "app_label.modelname" of the changed object
    object_id: int
    parent_id: int | None  # the object it is filed under (a contact's customer)
    action: str
    fields: tuple[str, ...]
    actor_id: int | None
    source: str
    data: dict


class _Collected:
    """The changes of one transaction, by the content type they are filed under."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.index = 0  # its place in the connection's commit callbacks
        self.by_parent: dict[int, list[LoggedChange]] = {}

    def flush(self) -> None:
        connection = transaction.get_connection(self.using)
        if getattr(connection, "_kam_notify_collected", None) is self:
            connection._kam_notify_collected = None
        deliver_changes(self.by_parent)


def _collector(using: str) -> _Collected:
    connection = transaction.get_connection(using)
    current = getattr(connection, "_kam_notify_collected", None)
    # still registered? (a rollback discards the transaction's commit callbacks, and the changes);
    # looked up where it was put first, so 100,000 single saves do not scan the list each time
    callbacks = connection.run_on_commit
    if current is not None:
        at = current.index
        if at < len(callbacks) and callbacks[at][1] == current.flush:
            return current
        if any(entry[1] == current.flush for entry in callbacks):
            return current
    current = _Collected(using)
    connection._kam_notify_collected = current
    current.index = len(callbacks)
    transaction.on_commit(current.flush, using=using)
    return current


def forget_pending(using: str = DEFAULT_DB_ALIAS) -> None:
    """Forget the changes collected for a transaction that will never commit — for tests: the
    test's own transaction is rolled back, so what its fixtures logged is never flushed, and
    ``django_capture_on_commit_callbacks`` runs only callbacks registered inside it."""
    transaction.get_connection(using)._kam_notify_collected = None


def _watched_types() -> dict[int, list]:
    watched: dict[int, list] = {}
    for notifier in registry["change_notifiers"]:
        ct = ContentType.objects.get_for_model(apps.get_model(notifier.model), for_concrete_model=True)
        watched.setdefault(ct.pk, []).append(notifier)
    return watched


def _on_changes(sender, entries, **kwargs) -> None:
    notifiers = registry["change_notifiers"]
    if not notifiers or not entries:
        return
    watched = _watched_types()
    records: dict[int, list[LoggedChange]] = {}
    for e in entries:
        type_id = e.parent_type_id or e.content_type_id
        if type_id not in watched:
            continue
        ct = ContentType.objects.get_for_id(e.content_type_id)
        records.setdefault(type_id, []).append(
            LoggedChange(
                model=f"{ct.app_label}.{ct.model}",
                object_id=e.object_id,
                parent_id=e.parent_id if e.parent_type_id else e.object_id,
                action=e.action,
                fields=tuple(e.changes),
                actor_id=e.actor_id,
                source=e.source,
                data=dict(e.data or {}),
            )
        )
    if not records:
        return
    connection = transaction.get_connection(DEFAULT_DB_ALIAS)
    if not connection.in_atomic_block:
        deliver_changes(records)
        return
    collected = _collector(DEFAULT_DB_ALIAS)
    for type_id, rows in records.items():
        collected.by_parent.setdefault(type_id, []).extend(rows)


_batch: contextvars.ContextVar[dict[int, list[LoggedChange]] | None] = contextvars.ContextVar(
    "kam_notify_batch", default=None
)


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Hold back the notifications of every transaction committed inside the block and make
    them at its end, together: a request that saves 50 customers one transaction each (a bulk
    transfer) still sends each owner **one** notification. The middleware wraps every request
    in one; a job may too. Rolled-back transactions still notify nobody."""
    if _batch.get() is not None:  # already batching (a job started inside a request …)
        yield
        return
    token = _batch.set({})
    try:
        yield
    finally:
        held = _batch.get() or {}
        _batch.reset(token)
        deliver_changes(held)


class BatchMiddleware:
    """One :func:`batch` per request (issue 8 §5: one notification per recipient per request)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        with batch():
            return self.get_response(request)


def deliver_changes(by_parent: dict[int, list[LoggedChange]]) -> None:
    """Hand the collected changes to their notifiers and write what they draft (or add them to
    the current :func:`batch`)."""
    from .services import notify_many

    if not by_parent:
        return
    held = _batch.get()
    if held is not None:
        for type_id, rows in by_parent.items():
            held.setdefault(type_id, []).extend(rows)
        return
    watched = _watched_types()
    drafts = []
    for type_id, rows in by_parent.items():
        for notifier in watched.get(type_id, ()):
            try:
                drafts.extend(notifier.produce(rows))
            except Exception:  # a notifier's bug must not break the write that was committed
                log.exception("change notifier %s failed", notifier.key)
    if drafts:
        notify_many(drafts)


# --- jobs -----------------------------------------------------------------------------------


def _on_job_finished(sender, job, **kwargs) -> None:
    from .jobs import job_draft
    from .services import notify_many

    draft = job_draft(job)
    if draft is not None:
        transaction.on_commit(lambda: notify_many([draft]))


def connect() -> None:
    from ..changes import changes_logged

    changes_logged.connect(_on_changes, dispatch_uid="kam.notifications.changes")
    try:
        from ..jobs.signals import job_finished
    except ImportError:  # kam.core.jobs not there (yet)
        return
    job_finished.connect(_on_job_finished, dispatch_uid="kam.notifications.jobs")
