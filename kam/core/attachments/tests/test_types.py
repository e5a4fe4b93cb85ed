"""What a file is, read from its content (R2.2): magic bytes, the OOXML structure, plain text."""

import io

import pytest

from kam.core.attachments import samples, types


def _detect(data: bytes) -> types.Detected:
    return types.detect(io.BytesIO(data))


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (samples.pdf(), "pdf"),
        (samples.png(), "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "jpg"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64, "webp"),
        (samples.ooxml("docx"), "docx"),
        (samples.ooxml("xlsx"), "xlsx"),
        (samples.ooxml("pptx"), "pptx"),
        ("客户名称,电话\n华东精密,021-1234\n".encode(), "txt"),
        ("客户名称,电话\n".encode("gb18030"), "txt"),
        (b"MZ\x90\x00\x03" + b"\x00" * 64, "other"),  # a Windows executable
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "html"),
        (b"  <svg xmlns='http://www.w3.org/2000/svg'/>", "html"),
        (samples.ooxml("xlsm"), "macro"),
        (samples.ooxml("xlsx", macros=True), "macro"),
        (b"PK\x03\x04" + b"\x00" * 64, "ooxml"),  # a broken zip
        (b"\x00\x01\x02binary", "binary"),
    ],
)
def test_detect_reads_the_content(data, key):
    assert _detect(data).key == key


def test_a_plain_zip_is_a_zip():
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "hello")
    assert _detect(buf.getvalue()).key == "zip"


def test_detect_rewinds_the_file():
    f = io.BytesIO(samples.pdf())
    types.detect(f)
    assert f.tell() == 0


@pytest.mark.parametrize(
    ("data", "name", "ok"),
    [
        (samples.pdf(), "合同.pdf", "pdf"),
        (samples.pdf(), "合同.PDF", "pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "scan.jpeg", "jpg"),
        (b"a,b\n", "list.csv", "csv"),
        (b"a,b\n", "notes.txt", "txt"),
        (samples.png(), "licence.pdf", None),  # a PNG named .pdf
        (samples.pdf(), "report.docx", None),
        (b"MZ\x90\x00" + b"\x00" * 64, "invoice.pdf", None),  # an .exe named .pdf
        (b"<html><body>hi</body></html>", "invoice.pdf", None),  # a .pdf whose bytes are HTML
        (samples.ooxml("xlsm"), "book.xlsx", None),
        (samples.pdf(), "noextension", None),
    ],
)
def test_matches_needs_content_and_name_to_agree(data, name, ok):
    found = types.matches(_detect(data), name)
    assert (found.key if found else None) == ok


def test_the_allow_list_is_a_setting(settings):
    settings.KAM_ATTACHMENT_TYPES = ["pdf"]
    assert types.matches(_detect(samples.png()), "a.png") is None
    assert types.matches(_detect(samples.pdf()), "a.pdf").key == "pdf"


def test_an_unknown_type_in_the_setting_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.KAM_ATTACHMENT_TYPES = ["pdf", "exe"]
    with pytest.raises(ImproperlyConfigured, match="exe"):
        types.allowed_types()
