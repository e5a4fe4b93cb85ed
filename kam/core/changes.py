"""The change log (R1/R2 history): who changed what, when, old → new.

Every model that inherits :class:`ChangeLoggedModel` is recorded on save and delete, whatever
path the write came through — page, API, Django admin or a management command — because the
recording hangs off model signals and the *who* comes from a context variable:

* :class:`kam.core.middleware.ChangeContextMiddleware` opens a context per request (source
  ``web``/``api``/``admin``, a request id, and the request so the user is read lazily — DRF
  authenticates tokens inside the view, after middleware has run);
* ``kam`` (the console command) opens a ``command`` context; services and tests can open their
  own with :func:`change_context`.

Each row stores the field-level diff as JSON ``{field: [old, new]}`` and, for objects that
belong to a customer (the customer itself, its contacts, …), the customer id so a customer's
history shows its contacts' changes too and the change log is scoped through the customer like
everything else.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from .context import ChangeContext, change_context, current_context  # noqa: F401


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
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, verbose_name=_("object type"), on_delete=models.PROTECT)
    object_id = models.BigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="changes",
    )
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("change log")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-time"]),
            models.Index(fields=["customer", "-time"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def field_changes(self) -> list[dict]:
        """The diff as a list of {field, label, old, new} in the reader's language: field labels
        and choice values (stored as their keys) are translated when read."""
        model = self.content_type.model_class()
        rows = []
        for name, (old, new) in self.changes.items():
            label, choices = name, {}
            if model is not None:
                try:
                    field = model._meta.get_field(name)
                except Exception:  # noqa: BLE001 — a field removed since the change was made
                    field = None
                if field is not None:
                    label = str(getattr(field, "verbose_name", name))
                    choices = dict(getattr(field, "flatchoices", None) or ())
            if choices:
                old, new = (str(choices.get(v, v)) if v not in (None, "") else v for v in (old, new))
            rows.append({"field": name, "label": label, "old": old, "new": new})
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


class ChangeLoggedModel(models.Model):
    """Abstract base: instances remember the values they were loaded with so a save can
    be diffed without a second query, and every save/delete writes an :class:`ObjectChange`.

    Subclasses may set ``change_log_exclude`` (field names never logged) and override
    :meth:`change_log_customer_id` to file the change under a customer.
    """

    change_log_exclude: tuple[str, ...] = ("updated_at", "created_at", "search_text", "completeness")
    # set on instances: the row as loaded (from_db), and its logged values once needed
    _loaded_row: tuple[list[str], tuple[Any, ...]]
    _loaded: dict[str, Any]

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # keep a reference to the loaded row; it is turned into a dict only if the object is saved
        instance._loaded_row = (field_names, values)
        return instance

    def change_log_old(self) -> dict[str, Any] | None:
        """The logged fields' values as loaded from the database (or as last saved)."""
        loaded = self.__dict__.get("_loaded")
        if loaded is not None:
            return loaded
        row = self.__dict__.get("_loaded_row")
        if row is None:
            return None
        by_attname = dict(zip(*row, strict=True))
        loaded = {f.name: by_attname[f.attname] for f in self._change_log_fields() if f.attname in by_attname}
        self._loaded = loaded
        return loaded

    def _change_log_fields(self):
        for f in self._meta.concrete_fields:
            if f.name in self.change_log_exclude or f.primary_key:
                continue
            yield f

    def change_log_raw(self) -> dict[str, Any]:
        """Raw stored values (FK ids, choice keys) of the logged fields — no queries."""
        return {f.name: self.__dict__[f.attname] for f in self._change_log_fields() if f.attname in self.__dict__}

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

    def change_log_customer_id(self) -> int | None:
        return None


def record_change(instance: ChangeLoggedModel, action: str, changes: dict) -> ObjectChange:
    ctx = current_context()
    actor = ctx.get_actor()
    return ObjectChange.objects.create(
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        source=ctx.source,
        request_id=ctx.request_id,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        customer_id=instance.change_log_customer_id(),
        changes=changes,
    )


@receiver(post_save)
def _log_save(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, ChangeLoggedModel):
        return
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
    if changes:
        record_change(instance, action, changes)
    instance._loaded = new


@receiver(post_delete)
def _log_delete(sender, instance, **kwargs):
    if not isinstance(instance, ChangeLoggedModel):
        return
    old = instance.change_log_old() or instance.change_log_raw()
    changes = {k: [instance.change_log_display(k, v), None] for k, v in old.items() if v not in (None, "")}
    record_change(instance, ObjectChange.Action.DELETE, changes)
