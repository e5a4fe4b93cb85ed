"""Reads and writes of attachments (R2.2). Pages, API and the demo all go through these.

Access is the owner's: a kind of record registers (``attachment_owners``) the permission to
see its files and the one to add and remove them; without the permission → ``PermissionDenied``
(403), a record outside the user's scope (``Model.objects.restrict(user, code)``, duck-typed) →
``Http404`` — exactly as for the record itself.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kam.core.changes import save_with_event
from kam.core.context import attributed
from kam.core.perms import user_has
from kam.core.registry import AttachmentOwner, registry

from . import types
from .models import Attachment

REMOVE_EVENT = "attachment_remove"


# --- owners -------------------------------------------------------------------------------------


def owner_entry(model: type[models.Model] | models.Model | str) -> AttachmentOwner:
    """The registration of a kind of owner (KeyError when it takes no attachments)."""
    if isinstance(model, str):
        key = model.lower()
    else:
        key = f"{model._meta.app_label}.{model._meta.object_name}".lower()
    return registry.get("attachment_owners", key)


def _permission(entry: AttachmentOwner, change: bool) -> str:
    return entry.change_permission if change else entry.view_permission


def owner_get(*, user, model: str, pk: Any, change: bool = False) -> models.Model:
    """The owning record ``model`` (``"app_label.modelname"``) ``pk``, if ``user`` may see (or,
    with ``change``, add files to) it: 403 without the permission, 404 outside the scope."""
    try:
        entry = owner_entry(model)
    except KeyError as exc:
        raise Http404(_("No such record.")) from exc
    permission = _permission(entry, change)
    if not user_has(user, permission):
        raise PermissionDenied(_("You do not have permission to do this."))
    owner_model = apps.get_model(entry.model)
    try:
        return owner_model.objects.restrict(user, permission).get(pk=pk)
    except (owner_model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("No such record.")) from exc


def may_change(user, owner: models.Model) -> bool:
    """Whether ``user`` may add and remove ``owner``'s files (for showing the buttons)."""
    entry = owner_entry(owner)
    if not user_has(user, entry.change_permission):
        return False
    manager: Any = type(owner)._default_manager  # a RestrictedManager (duck-typed)
    return manager.restrict(user, entry.change_permission).filter(pk=owner.pk).exists()


def attachment_get(*, user, pk: Any, change: bool = False) -> Attachment:
    """A current attachment ``user`` may download (or, with ``change``, remove): 403 without the
    owner's permission, 404 when missing, removed, or its owner is outside the scope. The owner
    comes cached on ``attachment.owner``."""
    try:
        attachment = Attachment.objects.current().get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("No such attachment.")) from exc
    model = ContentType.objects.get_for_id(attachment.owner_type_id)
    attachment.owner = owner_get(
        user=user, model=f"{model.app_label}.{model.model}", pk=attachment.owner_id, change=change
    )
    return attachment


def attachments_of(owner: models.Model):
    """The owner's current files, newest first, with their uploaders (one query)."""
    return Attachment.objects.current().of(owner).select_related("uploaded_by")


def count_of(owner: models.Model) -> int:
    return Attachment.objects.current().of(owner).count()


# --- writes -------------------------------------------------------------------------------------


def clean_name(name: str) -> str:
    """The file's own name without any path, control characters or surrounding blanks (kept for
    display and the download's Content-Disposition; never used in a storage path)."""
    name = os.path.basename(str(name).replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) < 20 else name[:255]
    return name or "file"


def _refusal(uploaded, name: str) -> str | None:
    """Why the file cannot be attached, or None."""
    limit = settings.KAM_ATTACHMENT_MAX_BYTES
    if uploaded.size is None or uploaded.size > limit:
        return _("“{name}” is {size}; files may be at most {limit}.").format(
            name=name, size=filesizeformat(uploaded.size or 0), limit=filesizeformat(limit)
        )
    if uploaded.size == 0:
        return _("“{name}” is empty.").format(name=name)
    detected = types.detect(uploaded)
    if types.matches(detected, name) is not None:
        return None
    allowed = pgettext("between the items of a list", ", ").join(str(t.label) for t in types.allowed_types())
    if detected.key in {t.key for t in types.allowed_types()} or (
        detected.key in ("txt", "csv") and {"txt", "csv"} & {t.key for t in types.allowed_types()}
    ):
        return _("The content of “{name}” is {kind}, which its name does not say; rename it to its real type.").format(
            name=name, kind=detected.label
        )
    return _("The content of “{name}” is {kind}, which cannot be attached. Allowed: {allowed}.").format(
        name=name, kind=detected.label, allowed=allowed
    )


def _sha256(uploaded) -> str:
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


@attributed
@transaction.atomic
def attachments_add(*, actor, owner: models.Model, files: Sequence[Any], description: str = "") -> list[Attachment]:
    """Attach ``files`` (uploaded files) to ``owner`` with one ``description`` (R2.2): all of
    them or none — every file is checked (size limit ``KAM_ATTACHMENT_MAX_BYTES``, content type
    on the allow-list ``KAM_ATTACHMENT_TYPES`` and agreeing with the name) before anything is
    stored; a refusal names each bad file under ``file``. The caller has checked the owner is
    one ``actor`` may change (:func:`owner_get` with ``change=True``)."""
    owner_entry(owner)  # KeyError: this kind of record takes no attachments
    files = list(files)
    if not files:
        raise ValidationError({"file": _("Choose at least one file.")})
    limit = settings.KAM_ATTACHMENT_MAX_FILES
    if len(files) > limit:
        raise ValidationError({"file": _("At most {limit} files can be uploaded at once.").format(limit=limit)})
    description = (description or "").strip()
    names = [clean_name(getattr(f, "name", "") or "") for f in files]
    problems = [p for f, n in zip(files, names, strict=True) if (p := _refusal(f, n))]
    if problems:
        raise ValidationError({"file": problems})
    owner_type = ContentType.objects.get_for_model(owner, for_concrete_model=True)
    stored: list[Attachment] = []
    try:
        for uploaded, name in zip(files, names, strict=True):
            detected = types.matches(types.detect(uploaded), name)
            assert detected is not None  # checked above
            attachment = Attachment(
                owner_type=owner_type,
                owner_id=owner.pk,
                original_name=name,
                description=description,
                size=uploaded.size,
                kind=detected.key,
                content_type=detected.mime,
                sha256=_sha256(uploaded),
                uploaded_by=actor,
            )
            attachment.full_clean(exclude=["file"])
            attachment.file.save("upload", uploaded, save=False)  # the name comes from stored_name()
            stored.append(attachment)
            attachment.save()
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return stored


@attributed
@transaction.atomic
def attachment_remove(*, actor, attachment: Attachment) -> Attachment:
    """Remove a file from its record (an archive: it leaves the lists and downloads; the row,
    the stored file and the history stay). Logged as the event ``attachment_remove``, filed under
    the owner."""
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if attachment.is_removed:
        raise ValidationError(_("This file was already removed."))
    attachment.removed_at = timezone.now()
    save_with_event(attachment, REMOVE_EVENT, data={"file": attachment.original_name})
    return attachment
