"""Download headers shared by every file the server hands out (attachments, printed PDFs, exports)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch if (ch.isalnum() or ch in "-_.() ") else "_" for ch in folded).strip(" ._")


def ascii_fallback(name: str, pk: int) -> str:
    """An ASCII stand-in for the file name (old clients): accents folded, anything else that is
    not a plain printable character → ``_``; ``download-<id>.<ext>`` when nothing is left of the
    name (a Chinese name: the UTF-8 ``filename*`` carries it)."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem, ext = _fold(stem), _fold(ext)
    if not stem.strip("_- ") or len(stem) < len(name.rpartition(".")[0] or name) // 2:
        stem = f"download-{pk}"
    return stem + ("." + ext if ext else "")


def content_disposition(name: str, pk: int) -> str:
    """``attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>`` (RFC 6266/5987)."""
    return "attachment; filename=\"{}\"; filename*=UTF-8''{}".format(ascii_fallback(name, pk), quote(name, safe=""))
