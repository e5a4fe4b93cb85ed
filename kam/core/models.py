"""Core models: the change log (see :mod:`kam.core.changes`) and number sequences."""

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
