#!/usr/bin/env python
"""Translation catalogues without GNU gettext at install time.

    python scripts/messages.py compile   # locale/*/LC_MESSAGES/django.po -> .mo (run by `make venv`)
    python scripts/messages.py fill-en   # en: msgstr = msgid (English is the source language)
    python scripts/messages.py check     # fail if any zh_Hans/en entry is untranslated or fuzzy

Extraction (`make messages`) still uses Django's makemessages, which needs gettext.
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))


def compile_all() -> None:
    for po_path in CATALOGUES:
        po = polib.pofile(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"compiled {len(CATALOGUES)} catalogues")


def fill_en() -> None:
    """English is the msgid language: the en catalogue translates every entry to itself."""
    for po_path in CATALOGUES:
        if po_path.parts[-3] != "en":
            continue
        po = polib.pofile(str(po_path))
        for entry in po:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        po.save()


def check() -> int:
    problems = 0
    for po_path in CATALOGUES:
        po = polib.pofile(str(po_path))
        bad = [e for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
        for entry in bad[:50]:
            print(f"{po_path.relative_to(ROOT)}: untranslated or fuzzy: {entry.msgid!r}")
        problems += len(bad)
        print(f"{po_path.relative_to(ROOT)}: {len(po)} entries, {len(po) - len(bad)} translated")
    if not CATALOGUES:
        print("no catalogues found under locale/")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "check"
    if cmd == "compile":
        compile_all()
    elif cmd == "fill-en":
        fill_en()
    else:
        sys.exit(check())
