"""Search text for customers: one lower-cased column that a substring LIKE searches.

It holds the Chinese and English names, customer number, credit code, the name's pinyin in
full and as initials (so "hdjm" finds 华东精密, architecture.md), city, and every contact's
name (and its pinyin) and phone digits. Kept current by the customer services.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

_NON_DIGIT = re.compile(r"\D+")


def pinyin_forms(text: str) -> tuple[str, str]:
    """("huadongjingmi", "hdjm") for 华东精密; ASCII is kept as is."""
    if not text:
        return "", ""
    full = lazy_pinyin(text, errors="default")
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(full).lower().replace(" ", ""), "".join(initials).lower().replace(" ", "")


def build_search_text(
    *,
    name: str,
    name_en: str = "",
    code: str = "",
    credit_code: str = "",
    city: str = "",
    contacts: list[tuple[str, str]] = (),
) -> str:
    parts = [name, name_en, code, credit_code, city]
    full, initials = pinyin_forms(name)
    parts += [full, initials]
    for contact_name, phone in contacts:
        parts.append(contact_name)
        c_full, c_initials = pinyin_forms(contact_name)
        parts += [c_full, c_initials]
        if phone:
            parts.append(_NON_DIGIT.sub("", phone))
    return "|".join(p.strip().lower() for p in parts if p and p.strip())


def normalize_query(q: str) -> str:
    """The form of a user's query that matches :func:`build_search_text` (phones by digits)."""
    q = (q or "").strip().lower()
    stripped = re.sub(r"[\s\-()+]", "", q)
    if stripped.isdigit():
        return stripped
    return q
