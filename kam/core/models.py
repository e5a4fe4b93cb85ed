"""Core models: the change log (see :mod:`kam.core.changes`) and number sequences."""

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from .changes import ObjectChange  # noqa: F401  (a model of this app)


class Sequence(models.Model):
    """A named counter for human-readable numbers (customer KH0000001, later orders, requests)."""

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    value = models.BigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


@transaction.atomic
def next_number(name: str) -> int:
    """The next value of sequence ``name``; safe under concurrent writers (row lock / SQLite
    write lock)."""
    Sequence.objects.get_or_create(name=name)
    Sequence.objects.filter(name=name).update(value=F("value") + 1)
    return Sequence.objects.values_list("value", flat=True).get(name=name)


def format_number(prefix: str, name: str, width: int = 7) -> str:
    """The next human number of sequence ``name``: ``KH0000001``."""
    return "{}{:0{}d}".format(prefix, next_number(name), width)


def bump_sequence(name: str, at_least: int) -> None:
    """Make sure the next number of ``name`` is above ``at_least`` (after bulk loads)."""
    seq, _created = Sequence.objects.get_or_create(name=name)
    if seq.value < at_least:
        Sequence.objects.filter(name=name).update(value=at_least)


class UserPreference(models.Model):
    """A user's remembered choice for a page (columns and page size of a list, …): UI state,
    not a domain record, so not change-logged."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=80)
    value = models.JSONField(_("value"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="uniq_user_preference")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class SavedFilter(models.Model):
    """A filter a user saved on a list (a name and the list's query string)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    list_key = models.CharField(_("list"), max_length=80)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "list_key", "name"], name="uniq_saved_filter")]

    def __str__(self) -> str:
        return self.name
