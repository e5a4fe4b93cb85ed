"""What an uploaded file really is (R2.2): its type is read from its **content** — magic bytes
(the ``filetype`` library), the OOXML structure of zip-based Office files, and a text check for
.txt/.csv — never from its name or the browser's Content-Type. A file is accepted only when its
content is of a type on the allow-list (``KAM_ATTACHMENT_TYPES``) **and** its name's extension
belongs to that type: an .exe named .pdf, a .pdf whose bytes are HTML, a PNG named .pdf and a
macro-enabled workbook named .xlsx are all refused.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

HEAD_BYTES = 8192  # filetype reads at most this many bytes


@dataclass(frozen=True)
class FileType:
    key: str
    extensions: tuple[str, ...]
    mime: str
    label: object  # lazy translation


_OOXML_MIME = "application/vnd.openxmlformats-officedocument."
KNOWN: dict[str, FileType] = {
    t.key: t
    for t in (
        FileType("pdf", ("pdf",), "application/pdf", _("PDF document")),
        FileType("jpg", ("jpg", "jpeg"), "image/jpeg", _("JPEG image")),
        FileType("png", ("png",), "image/png", _("PNG image")),
        FileType("webp", ("webp",), "image/webp", _("WebP image")),
        FileType("docx", ("docx",), _OOXML_MIME + "wordprocessingml.document", _("Word document (.docx)")),
        FileType("xlsx", ("xlsx",), _OOXML_MIME + "spreadsheetml.sheet", _("Excel workbook (.xlsx)")),
        FileType("pptx", ("pptx",), _OOXML_MIME + "presentationml.presentation", _("PowerPoint (.pptx)")),
        FileType("txt", ("txt",), "text/plain", _("text file")),
        FileType("csv", ("csv",), "text/csv", _("CSV file")),
    )
}
DEFAULT_TYPES = ("pdf", "jpg", "png", "webp", "docx", "xlsx", "pptx", "txt", "csv")
# what a file may be that is never accepted, named in the refusal
_OTHER_LABELS = {
    "html": _("HTML or other markup"),
    "macro": _("Office file with macros"),
    "zip": _("zip archive"),
    "ooxml": _("damaged Office file"),
    "binary": _("binary data"),
}
_TEXT_FAMILY = ("txt", "csv")  # a text file's content cannot tell .txt from .csv
_OOXML_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}


@dataclass(frozen=True)
class Detected:
    """What the content is: a key of :data:`KNOWN` or of the never-accepted kinds."""

    key: str
    extension: str = ""  # filetype's extension for kinds outside KNOWN (exe, gif …)
    mime: str = "application/octet-stream"

    @property
    def label(self) -> str:
        if self.key in KNOWN:
            return str(KNOWN[self.key].label)
        if self.key in _OTHER_LABELS:
            return str(_OTHER_LABELS[self.key])
        return f".{self.extension or self.key}"


def allowed_types() -> tuple[FileType, ...]:
    """The allow-list of the setting ``KAM_ATTACHMENT_TYPES`` (keys of :data:`KNOWN`)."""
    keys = getattr(settings, "KAM_ATTACHMENT_TYPES", DEFAULT_TYPES)
    unknown = [k for k in keys if k not in KNOWN]
    if unknown:
        raise ImproperlyConfigured(
            "KAM_ATTACHMENT_TYPES names unknown types {}; the known ones are {}".format(
                ", ".join(unknown), ", ".join(KNOWN)
            )
        )
    return tuple(KNOWN[k] for k in keys)


def _ooxml(data: bytes | None, fileobj) -> Detected:
    """A zip: which Office document it is, by its parts (``[Content_Types].xml`` and the main
    part), and whether it carries macros (``vbaProject.bin`` / a macroEnabled content type)."""
    try:
        with zipfile.ZipFile(fileobj if data is None else io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "[Content_Types].xml" not in names:
                return Detected("zip", mime="application/zip")
            info = z.getinfo("[Content_Types].xml")
            if info.file_size > 1_000_000:  # a content-types part is a few kB
                return Detected("ooxml")
            content_types = z.read("[Content_Types].xml").lower()
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        return Detected("ooxml")
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroenabled" in content_types:
        return Detected("macro")
    for key, part in _OOXML_PARTS.items():
        if part in names:
            return Detected(key, mime=KNOWN[key].mime)
    return Detected("ooxml")


def _text(head: bytes) -> Detected:
    """Plain text (UTF-8 or GB18030, no NUL bytes) that is not markup."""
    if b"\x00" in head:
        return Detected("binary")
    sample = head
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = sample.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            # the head may end inside a multi-byte character
            if exc.start >= len(sample) - 4:
                try:
                    text = sample[: exc.start].decode(encoding)
                    break
                except UnicodeDecodeError:
                    pass
    else:
        return Detected("binary")
    if text.lstrip().startswith("<"):  # <!DOCTYPE html>, <html>, <svg>, <?xml …, <script>
        return Detected("html", mime="text/html")
    return Detected("txt", mime="text/plain")


def detect(fileobj) -> Detected:
    """Read ``fileobj`` (an uploaded file, rewound afterwards) and say what it is."""
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    try:
        kind = filetype.guess(head)
        if kind is not None and kind.extension in ("zip", "docx", "xlsx", "pptx"):
            fileobj.seek(0)
            return _ooxml(None, fileobj)
        if kind is not None:
            return Detected(
                kind.extension if kind.extension in KNOWN else "other", extension=kind.extension, mime=kind.mime
            )
        return _text(head)
    finally:
        fileobj.seek(0)


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def matches(detected: Detected, name: str) -> FileType | None:
    """The allowed type the content is, when the file's name agrees with it; None otherwise."""
    ext = extension_of(name)
    for t in allowed_types():
        same = detected.key == t.key or (detected.key in _TEXT_FAMILY and t.key in _TEXT_FAMILY)
        if same and ext in t.extensions:
            return t
    return None
