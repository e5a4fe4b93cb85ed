"""Attachments (R2.2): files any record can hold — customers first (business licence scans,
contracts), later contracts, visits, requests. The owner is a generic foreign key; the kinds of
owner are registered (registry key ``attachment_owners``) with the permissions that guard them.

The file is stored under ``MEDIA_ROOT/attachments/`` with a random name (never the user's name in
the path) and is only ever served by the download view, which checks the owner's scope. Changes
are change-logged and filed under the owner (a customer's 变更记录 shows its files' uploads and
removals). Removing is an archive (``removed_at``): the row, its file and its history stay; the
file leaves the lists and can no longer be downloaded.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core.changes import ChangeLoggedModel, ChangeLoggedQuerySet


def stored_name(instance: Attachment, filename: str) -> str:
    """``attachments/2026/12/<32 random hex>.<type>`` — the user's file name is kept in
    ``original_name`` only."""
    now = timezone.now()
    return "attachments/{:%Y/%m}/{}.{}".format(now, secrets.token_hex(16), instance.kind or "bin")


class AttachmentQuerySet(ChangeLoggedQuerySet):
    def current(self) -> AttachmentQuerySet:
        return self.filter(removed_at=None)

    def of(self, owner: models.Model) -> AttachmentQuerySet:
        return self.filter(
            owner_type=ContentType.objects.get_for_model(owner, for_concrete_model=True), owner_id=owner.pk
        )


class Attachment(ChangeLoggedModel):
    """A file attached to a record (R2.2)."""

    owner_type = models.ForeignKey(ContentType, verbose_name=_("record type"), on_delete=models.PROTECT)
    owner_id = models.BigIntegerField(_("record id"))
    owner = GenericForeignKey("owner_type", "owner_id")
    file = models.FileField(_("file"), upload_to=stored_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    description = models.CharField(_("description"), max_length=500, blank=True)
    size = models.BigIntegerField(_("size (bytes)"))
    kind = models.CharField(_("file type"), max_length=16)
    content_type = models.CharField(_("content type"), max_length=120)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, db_index=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True, db_index=True)

    objects = models.Manager.from_queryset(AttachmentQuerySet)()

    change_log_exclude: ClassVar[tuple[str, ...]] = ("file", "owner_type", "owner_id", "uploaded_at")
    change_log_parent: ClassVar[str | None] = "owner"  # the generic owner: see change_log_parent_key

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["owner_type", "owner_id", "-uploaded_at"], name="attachment_owner_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(size__gte=0), name="attachment_size_not_negative")]

    def __str__(self) -> str:
        return self.original_name

    def change_log_parent_key(self):
        """Filed under the owner (the generic foreign key) — no queries."""
        if self.owner_id is None or self.owner_type_id is None:
            return None
        model = ContentType.objects.get_for_id(self.owner_type_id).model_class()
        return (model, self.owner_id) if model is not None else None

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None
