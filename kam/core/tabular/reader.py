"""Reading an uploaded spreadsheet safely (R2.3): .xlsx with python-calamine, .csv in UTF-8
(with or without a BOM) or GB18030.

Every check runs **before** a cell is parsed, so a hostile file costs bounded memory and time
and is refused with a message in the user's language (:class:`FileRefused`):

* over ``KAM_IMPORT_MAX_BYTES`` or empty;
* a name other than .xlsx / .csv (.xlsm and .xls are refused by name — macros);
* an .xlsx that is not a zip holding the OOXML parts, holds ``vbaProject.bin`` or a
  macro-enabled content type, unpacks to more than ``KAM_IMPORT_MAX_UNPACKED_BYTES`` or at a
  ratio no spreadsheet has (a zip bomb — the zip's own directory is read, nothing unpacked),
  or has an XML part with a DTD (external entities);
* a .csv that is a zip or binary, or decodes neither as UTF-8 nor as GB18030;
* more than ``KAM_IMPORT_MAX_ROWS`` data rows.

calamine holds the sheet in memory, which the unpacked-size cap bounds.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
MAX_RATIO = 200  # unpacked : packed of one part; real sheets stay far below, bombs far above
MAX_ZIP_ENTRIES = 10_000
HEAD_SCAN = 4096  # a DTD must come before the root element


class FileRefused(Exception):
    """The file cannot be imported; ``str(exc)`` says why, in the user's language."""


@dataclass
class Sheet:
    """The cells of the first sheet: ``rows`` yields lists of cell values (str, int, float,
    bool, date/datetime, "" for an empty cell); ``height`` is the number of rows if known."""

    rows: Iterator[list[Any]]
    height: int | None


def max_bytes() -> int:
    return settings.KAM_IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.KAM_IMPORT_MAX_ROWS


def kind_of(name: str) -> str:
    """``xlsx`` or ``csv`` from a file name, else :class:`FileRefused`."""
    suffix = Path(name or "").suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlsb", ".xlam"):
        raise FileRefused(_("Files with macros (.xlsm) are not accepted; save the workbook as .xlsx."))
    if suffix == ".xls":
        raise FileRefused(_("The old Excel format (.xls) is not accepted; save the workbook as .xlsx."))
    if suffix not in (".xlsx", ".csv"):
        raise FileRefused(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    return suffix[1:]


def check_size(size: int) -> None:
    if size <= 0:
        raise FileRefused(_("The file is empty."))
    if size > max_bytes():
        raise FileRefused(
            _("The file is larger than {limit} MB; split it into smaller files.").format(
                limit=round(max_bytes() / 1_000_000, 1)
            )
        )


def _not_xlsx() -> FileRefused:
    return FileRefused(_("The file is not an Excel workbook (.xlsx), whatever its name says."))


def check_xlsx(path: Path) -> None:
    """The zip checks of the module docstring, from the zip's directory (nothing unpacked but
    the heads of the XML parts)."""
    with path.open("rb") as fh:
        if fh.read(4) != ZIP_MAGIC:
            raise _not_xlsx()
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_xlsx() from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise FileRefused(_("The workbook has too many parts to be a spreadsheet."))
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise _not_xlsx()
        if any(
            n.lower().endswith("vbaproject.bin") or n.lower().endswith(".bin") and "vba" in n.lower() for n in names
        ):
            raise FileRefused(_("The workbook contains macros; save it as .xlsx without macros."))
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise FileRefused(_("The workbook unpacks to far more than its size (a zip bomb); it was not read."))
        if total > settings.KAM_IMPORT_MAX_UNPACKED_BYTES:
            raise FileRefused(
                _("The workbook unpacks to more than {limit} MB; split it into smaller files.").format(
                    limit=round(settings.KAM_IMPORT_MAX_UNPACKED_BYTES / 1_000_000)
                )
            )
        try:
            content_types = zf.read("[Content_Types].xml")
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            raise _not_xlsx() from None
        _check_xml(content_types)
        if b"macroenabled" in content_types.lower() or b"vbaproject" in content_types.lower():
            raise FileRefused(_("The workbook contains macros; save it as .xlsx without macros."))
        for info in infos:
            if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                try:
                    with zf.open(info) as part:
                        head = part.read(HEAD_SCAN)
                except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
                    raise _not_xlsx() from None
                if b"<!doctype" in head.lower() or b"<!entity" in head.lower():
                    raise FileRefused(_("The workbook's XML declares a DTD or entities, which are not accepted."))


def _check_xml(data: bytes) -> None:
    """Parse a small XML part with defusedxml: a DTD or entity declaration is refused."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    try:
        DET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise FileRefused(_("The workbook's XML declares a DTD or entities, which are not accepted.")) from None
    except Exception:  # a ParseError of any flavour: not an OOXML part
        raise _not_xlsx() from None


def read_xlsx(path: Path) -> Sheet:
    """The first sheet's cells (python-calamine)."""
    from python_calamine import CalamineWorkbook

    check_xlsx(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        if not wb.sheet_names:
            raise FileRefused(_("The workbook has no sheet."))
        sheet = wb.get_sheet_by_index(0)
        height = sheet.height
        if height - 1 > max_rows():
            raise FileRefused(_too_many_rows())
        rows = sheet.to_python(skip_empty_area=False)
    except FileRefused:
        raise
    except Exception:  # calamine's errors (CalamineError, XmlError, zip errors …): not readable
        raise FileRefused(_("The workbook could not be read; save it again from Excel as .xlsx.")) from None
    return Sheet(rows=iter(rows), height=len(rows))


def _too_many_rows() -> str:
    return _("The file has more than {limit} rows; split it into smaller files.").format(limit=f"{max_rows():,}")


def decode_csv(data: bytes) -> str:
    """UTF-8 (a BOM or none) or GB18030, else :class:`FileRefused`."""
    if data.startswith(ZIP_MAGIC):
        raise FileRefused(_("The file is not a CSV file, whatever its name says (it is a zip or a workbook)."))
    if b"\x00" in data[:65536]:
        raise FileRefused(_("The file is not a CSV text file, whatever its name says."))
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        encodings = ("utf-8",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused(_("The CSV file is neither UTF-8 nor GB18030 text; save it as “CSV UTF-8” from Excel."))


def read_csv(path: Path) -> Sheet:
    text = decode_csv(path.read_bytes())
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if len(rows) - 1 > max_rows():
        raise FileRefused(_too_many_rows())
    return Sheet(rows=iter(rows), height=len(rows))


def read(path: Path, kind: str) -> Sheet:
    """The sheet of the stored upload at ``path`` (``kind`` from :func:`kind_of`)."""
    check_size(path.stat().st_size)
    return read_xlsx(path) if kind == "xlsx" else read_csv(path)
