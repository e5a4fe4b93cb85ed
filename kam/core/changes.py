"""The change log (R1/R2 history): who changed what, when, old → new (architecture rule 2).

Every model that inherits :class:`ChangeLoggedModel` is recorded on save and delete, whatever
path the write came through — page, API, Django admin or a management command — because the
recording hangs off model signals and the *who* comes from a context variable:

* :class:`kam.core.middleware.ChangeContextMiddleware` opens a context per request (source
  ``web``/``api``/``admin``, a request id, and the request so the user is read lazily — DRF
  authenticates tokens inside the view, after middleware has run);
* ``kam`` (the console command) opens a ``command`` context; services and tests can open their
  own with :func:`change_context`.

Each row stores the field-level diff as JSON ``{field: [old, new]}`` and the object it is
**filed under** — a generic parent (content type + id, NetBox's ``related_object``): a model
names it in ``change_log_parent`` (``"self"`` for a customer, ``"customer"`` for a contact), so
a customer's history shows its contacts' changes too and the log is scoped through the parent.

Three more ways to write the log, for what signals cannot see:

* **events** — a transition (archive, restore; later approve, redeem, close) is saved with
  :func:`save_with_event`, which records the diff under the event's name with its data, or
  logged without a save with :func:`log_event`; apps register the events' labels
  (registry key ``change_events``);
* **bulk writes** — :func:`log_bulk` writes many rows in one insert, and
  :meth:`ChangeLoggedQuerySet.logged_update` is the logged ``UPDATE``;
* a change-logged model **refuses an unlogged** ``QuerySet.update()`` (or ``bulk_update``) of
  any field it logs (:class:`UnloggedWriteError`); fields it does not log (derived columns such
  as a search text) may still be updated in bulk.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils.translation import gettext_lazy as _

from .context import ChangeContext, change_context, current_context  # noqa: F401
from .registry import registry

#: Sent after change-log rows are written, with ``entries`` (a list of :class:`ObjectChange`) —
#: one row from a signal or an event, many from :func:`log_bulk` (notifications listen).
changes_logged = Signal()


class UnloggedWriteError(RuntimeError):
    """A bulk write to logged fields of a change-logged model that would bypass the log."""


class ObjectChangeQuerySet(models.QuerySet):
    def filed_under(self, obj: models.Model) -> ObjectChangeQuerySet:
        """Changes filed under ``obj`` (its own and its children's)."""
        return self.filter(
            parent_type=ContentType.objects.get_for_model(obj, for_concrete_model=True), parent_id=obj.pk
        )

    def of_object(self, obj: models.Model) -> ObjectChangeQuerySet:
        """Changes of ``obj`` itself."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True), object_id=obj.pk
        )


class ObjectChange(models.Model):
    """One recorded change to one object (NetBox ``ObjectChange``)."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("changed by (name)"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=16)
    request_id = models.CharField(_("request id"), max_length=32, db_index=True)
    # create / update / delete, or a registered event ("archive", "restore", …)
    action = models.CharField(_("action"), max_length=32)
    content_type = models.ForeignKey(ContentType, verbose_name=_("object type"), on_delete=models.PROTECT)
    object_id = models.BigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200)
    parent_type = models.ForeignKey(
        ContentType,
        verbose_name=_("filed under (type)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    parent_id = models.BigIntegerField(_("filed under (id)"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict)
    data = models.JSONField(_("event data"), default=dict, blank=True)

    objects = ObjectChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("change log")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-time"], name="core_object_content_324bee_idx"),
            models.Index(fields=["parent_type", "parent_id", "-time"], name="core_change_parent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action_label} {self.object_repr}"

    @property
    def action_label(self) -> str:
        """The action in the reader's language: Created/Updated/Deleted or the event's label."""
        if self.action in self.Action.values:
            return str(self.Action(self.action).label)
        for event in registry["change_events"]:
            if event.action == self.action:
                return str(event.label)
        return self.action

    @property
    def is_event(self) -> bool:
        return self.action not in self.Action.values

    def field_changes(self) -> list[dict]:
        """The diff as a list of {field, label, old, new} in the reader's language: field labels
        and choice values (stored as their keys) are translated when read."""
        model = self.content_type.model_class()
        hidden = getattr(model, "change_log_hidden", ())
        rows = []
        for name, (old, new) in self.changes.items():
            if name in hidden:
                continue
            label, choices, kind = name, {}, ""
            if model is not None:
                try:
                    field = model._meta.get_field(name)
                except Exception:  # noqa: BLE001 — a field removed since the change was made
                    field = None
                if field is not None:
                    label = str(getattr(field, "verbose_name", name))
                    choices = dict(getattr(field, "flatchoices", None) or ())
                    kind = "decimal" if isinstance(field, models.DecimalField) else ""
            if choices:
                old, new = (str(choices.get(v, v)) if v not in (None, "") else v for v in (old, new))
            rows.append({"field": name, "label": label, "old": old, "new": new, "kind": kind})
        return rows


def _plain(value: Any) -> Any:
    """A JSON-safe, human-readable value for the log."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


class ChangeLoggedQuerySet(models.QuerySet):
    """Refuses bulk writes that would bypass the change log; offers the logged one."""

    def _logged_names(self, names: Iterable[str]) -> set[str]:
        model = self.model
        if not (isinstance(model, type) and issubclass(model, ChangeLoggedModel)):
            return set()
        logged = {f.name for f in model._change_log_field_list()} | {f.attname for f in model._change_log_field_list()}
        return {n for n in names if n in logged}

    def update(self, **kwargs):
        touched = self._logged_names(kwargs)
        if touched:
            raise UnloggedWriteError(
                f"{self.model.__name__}.objects.update() of logged fields {sorted(touched)} would bypass "
                "the change log: use logged_update(), or save the objects"
            )
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        touched = self._logged_names(fields)
        if touched:
            raise UnloggedWriteError(
                f"{self.model.__name__}.objects.bulk_update() of logged fields {sorted(touched)} would "
                "bypass the change log"
            )
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def logged_update(self, *, action: str = ObjectChange.Action.UPDATE, data: Mapping | None = None, **kwargs) -> int:
        """``UPDATE`` the rows and log one change per row whose values changed (two extra
        queries and one insert, whatever the number of rows). A versioned model's rows that
        changed go to their next version (``version = version + 1``, one more query), logged
        with the change (:mod:`kam.core.versioning`)."""
        model = cast(type[ChangeLoggedModel], self.model)
        names = [model._meta.get_field(k).name for k in kwargs]
        pks = list(self.values_list("pk", flat=True))
        if not pks:
            return 0
        versioned = bool(getattr(model, "versioned", False)) and "version" not in names
        fields = [cast(models.Field, model._meta.get_field(n)) for n in names]
        attnames = [f.attname for f in fields] + (["version"] if versioned else [])
        before = {row[0]: row[1:] for row in model._base_manager.filter(pk__in=pks).values_list("pk", *attnames)}
        count = models.QuerySet.update(model._base_manager.filter(pk__in=pks), **kwargs)
        objs = list(model._base_manager.filter(pk__in=pks))
        entries = []
        bumped = []
        for obj in objs:
            old = before.get(obj.pk, ())
            changes = {}
            for f, old_value in zip(fields, old, strict=False):
                new_value = obj.__dict__[f.attname]
                if f.name in obj.change_log_exclude or old_value == new_value:
                    continue
                changes[f.name] = [obj.change_log_display(f.name, old_value), obj.change_log_display(f.name, new_value)]
            if versioned and changes and old:
                bumped.append(obj)
                obj.version = old[-1] + 1  # type: ignore[attr-defined]
                changes["version"] = [old[-1], obj.version]  # type: ignore[attr-defined]
            if changes or action != ObjectChange.Action.UPDATE:
                entries.append((obj, str(action), changes, dict(data or {})))
        if bumped:
            models.QuerySet.update(
                model._base_manager.filter(pk__in=[o.pk for o in bumped]), version=models.F("version") + 1
            )
        log_bulk(entries)
        return count


class ChangeLoggedManager(models.Manager.from_queryset(ChangeLoggedQuerySet)):  # type: ignore[misc]
    pass


class ChangeLoggedModel(models.Model):
    """Abstract base: instances remember the values they were loaded with so a save can
    be diffed without a second query, and every save/delete writes an :class:`ObjectChange`.

    Subclasses may set ``change_log_exclude`` (field names never logged — derived columns,
    timestamps) and ``change_log_parent`` (``"self"`` or the name of the foreign key to the
    object their changes are filed under). Their default manager must be built on
    :class:`ChangeLoggedQuerySet` (a system check says so).
    """

    change_log_exclude: ClassVar[tuple[str, ...]] = ("updated_at", "created_at")
    change_log_parent: ClassVar[str | None] = None
    # logged, but not listed to people (a versioned model's version: kam.core.versioning)
    change_log_hidden: ClassVar[tuple[str, ...]] = ()
    # set on instances: the row as loaded (from_db), and its logged values once needed
    _loaded_row: tuple[list[str], tuple[Any, ...]]
    _loaded: dict[str, Any]

    objects = ChangeLoggedManager()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # keep a reference to the loaded row; it is turned into a dict only if the object is saved
        instance._loaded_row = (field_names, values)
        return instance

    @classmethod
    def _change_log_field_list(cls) -> list:
        return [f for f in cls._meta.concrete_fields if f.name not in cls.change_log_exclude and not f.primary_key]

    def change_log_old(self) -> dict[str, Any] | None:
        """The logged fields' values as loaded from the database (or as last saved)."""
        loaded = self.__dict__.get("_loaded")
        if loaded is not None:
            return loaded
        row = self.__dict__.get("_loaded_row")
        if row is None:
            return None
        by_attname = dict(zip(*row, strict=True))
        loaded = {f.name: by_attname[f.attname] for f in self._change_log_field_list() if f.attname in by_attname}
        self._loaded = loaded
        return loaded

    def change_log_raw(self) -> dict[str, Any]:
        """Raw stored values (FK ids, choice keys) of the logged fields — no queries."""
        return {f.name: self.__dict__[f.attname] for f in self._change_log_field_list() if f.attname in self.__dict__}

    def change_log_display(self, name: str, value: Any) -> Any:
        """A JSON-safe form of a raw value: choices keep their key (translated when read, see
        :meth:`ObjectChange.field_changes`), related objects are logged by name."""
        f = cast(models.Field, self._meta.get_field(name))
        if value in (None, ""):
            return value
        if f.is_relation:
            return self._change_log_related_repr(f, value)
        return _plain(value)

    def _change_log_related_repr(self, f, value):
        cached = f.get_cached_value(self, default=None) if f.is_cached(self) else None
        if cached is not None and cached.pk == value:
            return str(cached)
        try:
            return str(f.related_model._base_manager.get(pk=value))
        except f.related_model.DoesNotExist:
            return str(value)

    def change_log_parent_key(self) -> tuple[type[models.Model], int] | None:
        """(model, id) of the object this one's changes are filed under — no queries."""
        parent = self.change_log_parent
        if parent is None:
            return None
        if parent == "self":
            return type(self), cast(int, self.pk)
        f = cast(models.ForeignKey, self._meta.get_field(parent))
        parent_id = self.__dict__.get(f.attname)
        return (f.related_model, parent_id) if parent_id is not None else None  # type: ignore[return-value]


def _entry(instance: ChangeLoggedModel, action: str, changes: dict, data: dict | None, ctx, actor) -> ObjectChange:
    parent = instance.change_log_parent_key()
    return ObjectChange(
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        source=ctx.source,
        request_id=ctx.request_id,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        parent_type=ContentType.objects.get_for_model(parent[0], for_concrete_model=True) if parent else None,
        parent_id=parent[1] if parent else None,
        changes=changes,
        data=data or {},
    )


def record_change(instance: ChangeLoggedModel, action: str, changes: dict, data: dict | None = None) -> ObjectChange:
    """Write one change-log row for ``instance`` in the current change context."""
    ctx = current_context()
    entry = _entry(instance, action, changes, data, ctx, ctx.get_actor())
    entry.save()
    changes_logged.send(sender=ObjectChange, entries=[entry])
    return entry


def log_event(instance: ChangeLoggedModel, action: str, *, data: Mapping | None = None) -> ObjectChange:
    """Log a transition that changes no logged field (e.g. a form was printed, a reminder sent)."""
    return record_change(instance, action, {}, dict(data or {}))


def save_with_event(instance: ChangeLoggedModel, action: str, *, data: Mapping | None = None, **save_kwargs) -> None:
    """Save ``instance`` and log the save as the event ``action`` (its diff and ``data``)."""
    instance._change_event = (action, dict(data or {}))  # type: ignore[attr-defined]
    try:
        instance.save(**save_kwargs)
    finally:
        instance.__dict__.pop("_change_event", None)


def log_bulk(entries: Iterable[tuple[ChangeLoggedModel, str, dict, dict | None]]) -> list[ObjectChange]:
    """Log many changes with one insert: ``(instance, action, changes, data)`` per row — for
    bulk writes (imports, period closes) that bypass the per-object signals."""
    ctx = current_context()
    actor = ctx.get_actor()
    rows = [_entry(obj, action, changes, data, ctx, actor) for obj, action, changes, data in entries]
    if not rows:
        return []
    from .bulk import insert_many

    created = list(insert_many(ObjectChange, rows, batch_size=500))
    changes_logged.send(sender=ObjectChange, entries=created)
    return created


@receiver(post_save)
def _log_save(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, ChangeLoggedModel):
        return
    event = instance.__dict__.pop("_change_event", None)
    new = instance.change_log_raw()
    old = instance.change_log_old()
    if created or old is None:
        keys = [k for k, v in new.items() if v not in (None, "")] if created else list(new)
        changes = {k: [None, instance.change_log_display(k, new[k])] for k in keys}
        action = ObjectChange.Action.CREATE if created else ObjectChange.Action.UPDATE
    else:
        changes = {
            k: [instance.change_log_display(k, old.get(k)), instance.change_log_display(k, v)]
            for k, v in new.items()
            if k in old and old.get(k) != v
        }
        action = ObjectChange.Action.UPDATE
    if event is not None:
        record_change(instance, event[0], changes, event[1])
    elif changes:
        record_change(instance, action, changes)
    instance._loaded = new


@receiver(post_delete)
def _log_delete(sender, instance, **kwargs):
    if not isinstance(instance, ChangeLoggedModel):
        return
    old = instance.change_log_old() or instance.change_log_raw()
    changes = {k: [instance.change_log_display(k, v), None] for k, v in old.items() if v not in (None, "")}
    record_change(instance, ObjectChange.Action.DELETE, changes)
