"""Safe concurrent edits (issue 8 §6): every changeable record carries a version.

:class:`VersionedModel` is the abstract base of every record people edit (customers and contacts
first; later orders, visits, requests get it by inheriting). Its ``version`` starts at 1 and goes
up by one with every write that changes a logged field, whichever path the write takes:

* ``save()`` (services, admin, commands) — the instance is compared with the row it was loaded
  from (:meth:`~kam.core.changes.ChangeLoggedModel.change_log_old`), so a save that changes
  nothing leaves the version alone (no false conflicts for the next person); and the ``UPDATE``
  is conditional on the version the instance was read at (``WHERE version = …``), so a stale
  instance raises :class:`ConflictError` instead of writing over a newer row — one version
  number is one state of the record;
* :meth:`~kam.core.changes.ChangeLoggedQuerySet.logged_update`, the logged bulk ``UPDATE`` —
  it bumps exactly the rows whose values changed (``version = version + 1`` in the database);
* an unlogged ``QuerySet.update()``/``bulk_update()`` of a logged field is refused already, and
  ``version`` is a logged field, so nothing writes the version behind the log's back;
* :func:`bump_version` — a record whose *children* changed (a customer's yearly sales, replaced
  through the customer) moves on too, so a client holding the old version cannot overwrite them.

The version is logged with each change (``changes["version"] == [old, new]``), which makes "what
happened since the version I opened" a question for the change log (:func:`changes_since`); the
history pages hide the field itself (:attr:`ChangeLoggedModel.change_log_hidden`).

The check is the services' (:func:`check_version`, called on the row they have locked with
``select_for_update``): a stale ``expected_version`` raises :class:`ConflictError` — a
``ValidationError``, so every entry point refuses with nothing saved; the API answers it with
412 (:mod:`kam.core.etags`), the edit pages show who changed what.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .changes import ChangeLoggedModel, ObjectChange, log_bulk

VERSION_FIELD = "version"


class ConflictError(ValidationError):
    """Someone saved the record after the version the caller had read: nothing was saved.

    ``expected`` is the version the caller had, ``current`` the stored one, ``changes`` the
    change-log entries in between (:func:`changes_since`, oldest first)."""

    def __init__(self, *, instance: models.Model, expected: int, current: int, changes: Sequence[ObjectChange] = ()):
        super().__init__(
            {
                NON_FIELD_ERRORS: [
                    ValidationError(
                        gettext(
                            "Someone else saved this record after you opened it (version {expected}, now "
                            "{current}); nothing was saved."
                        ).format(expected=expected, current=current),
                        code="conflict",
                    )
                ]
            }
        )
        self.instance = instance
        self.expected = expected
        self.current = current
        self.changes = list(changes)

    def changed_fields(self) -> set[str]:
        """Names of the fields the other writers changed (the version left out), and the parts
        changed through the record (:func:`bump_version`'s ``part``, e.g. ``yearly_sales``)."""
        names = {name for entry in self.changes for name in entry.changes if name != VERSION_FIELD}
        return names | {str(entry.data["part"]) for entry in self.changes if (entry.data or {}).get("part")}


class VersionedModel(ChangeLoggedModel):
    """Abstract base of a changeable record: change-logged, with a version (see the module)."""

    versioned: ClassVar[bool] = True
    change_log_hidden: ClassVar[tuple[str, ...]] = (VERSION_FIELD,)

    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Goes up by one with every saved change; a write based on an older version is refused."),
    )

    class Meta:
        abstract = True

    def _changes_a_logged_field(self, update_fields: Iterable[str] | None) -> bool:
        old = self.change_log_old()
        if old is None:  # not loaded from the database: we cannot tell, so count it as a change
            return True
        new = self.change_log_raw()
        names = set(new) if update_fields is None else {self._meta.get_field(n).name for n in update_fields}
        return any(k in old and old[k] != new.get(k) for k in names - {VERSION_FIELD} if k in new)

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and self.pk is not None and self._changes_a_logged_field(update_fields):
            self.version = (self.version or 0) + 1
            if update_fields is not None and VERSION_FIELD not in update_fields:
                kwargs["update_fields"] = [*update_fields, VERSION_FIELD]
        super().save(*args, **kwargs)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        """Every ``UPDATE`` of a loaded instance is conditional on the version it was loaded at
        (``… WHERE id = %s AND version = %s``): an instance that went stale — someone saved the row
        since it was read — raises :class:`ConflictError` instead of writing its old values over
        theirs, whatever path saves it (a service, the admin, a shell, a later app). So a version
        number names one state of the record only, and the ETag built from it is a strong one."""
        old = self.change_log_old()
        expected = old.get(VERSION_FIELD) if old else None
        if expected is None:  # not loaded from the database: nothing to compare with
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        updated = super()._do_update(
            base_qs.filter(**{VERSION_FIELD: expected}), using, pk_val, values, update_fields, forced_update
        )
        if not updated:
            current = base_qs.filter(pk=pk_val).values_list(VERSION_FIELD, flat=True).first()
            if current is not None:  # the row is there, at another version
                raise ConflictError(
                    instance=self, expected=expected, current=current, changes=changes_since(self, expected)
                )
        return updated


def is_versioned(model: type[models.Model] | models.Model) -> bool:
    return bool(getattr(model, "versioned", False))


def check_version(instance: VersionedModel, expected_version: int | None) -> None:
    """Refuse a write based on an older version: ``instance`` is the row as locked by the caller
    (``select_for_update``); ``None`` means "no precondition" (accepted as before)."""
    if expected_version is None:
        return
    current = instance.version
    if int(expected_version) != current:
        raise ConflictError(
            instance=instance,
            expected=int(expected_version),
            current=current,
            changes=changes_since(instance, int(expected_version)),
        )


def changes_since(instance: models.Model, version: int, *, limit: int = 50) -> list[ObjectChange]:
    """The change-log entries of ``instance`` that made it go past ``version``, oldest first
    (at most ``limit``): each entry logs the version it produced."""
    entries = (
        ObjectChange.objects.of_object(instance).exclude(changes={}).select_related("content_type").order_by("-id")
    )
    picked = []
    for entry in entries[: limit * 2]:
        new = (entry.changes.get(VERSION_FIELD) or [None, None])[1]
        if isinstance(new, int) and new <= version:
            break
        if isinstance(new, int):
            picked.append(entry)
        if len(picked) >= limit:
            break
    picked.reverse()
    return picked


def bump_version(instance: VersionedModel, *, part: str) -> int:
    """Move ``instance`` to its next version without changing its own fields — for a record whose
    children were replaced through it (``part``: a customer's ``yearly_sales``). Logged like any
    change (the version only, which the history pages do not list; the children log their own
    rows), with ``data={"part": part}`` so a conflict can say what changed. Returns the new version."""
    model = type(instance)
    models.QuerySet.update(model._base_manager.filter(pk=instance.pk), version=F(VERSION_FIELD) + 1)
    new = model._base_manager.values_list(VERSION_FIELD, flat=True).get(pk=instance.pk)
    loaded = instance.change_log_old()  # what a later save is diffed against moves on too
    instance.version = new
    if loaded is not None:
        loaded[VERSION_FIELD] = new
    log_bulk([(instance, ObjectChange.Action.UPDATE, {VERSION_FIELD: [new - 1, new]}, {"part": part})])
    return new
