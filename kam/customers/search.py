"""Search text for customers: one lower-cased column that a substring LIKE searches.

It holds the Chinese and English names, customer number, credit code, the name's pinyin in
full and as initials (so "hdjm" finds 华东精密, architecture.md), city, and every contact's
name (and its pinyin) and phone digits. Kept current by the customer services.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import RE_HANS

_NON_DIGIT = re.compile(r"\D+")


def pinyin_forms(text: str) -> tuple[str, str]:
    """("huadongjingmi", "hdjm") for 华东精密; ASCII is kept as is."""
    if not text:
        return "", ""
    full = lazy_pinyin(text, errors="default")
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(full).lower().replace(" ", ""), "".join(initials).lower().replace(" ", "")


# ---------------------------------------------------------------------------------------------
# The pinyin sort key (R2 customer list: names in the order Chinese users expect).
#
# Sorting by character code puts 上海 (U+4E0A) before 三亚 (U+4E09)… and 华 before 广; a
# dictionary orders by pinyin, syllable by syllable. The key is the full tone-less pinyin,
# lower case, one space between syllables: 三亚 "san ya" < 上海 "shang hai", and 西安 "xi an"
# < 先锋 "xian feng" (the space sorts before any letter, so a syllable that is a prefix of
# another comes first). ASCII runs are kept (lower case, NFKC-folded: "Ａ" → "a"), so Latin
# names sort among the Chinese ones by their letters; punctuation and symbols count as spaces
# (「（上海）」 or quotes do not pull a name to the top). Ties are broken by id in the queries.
# Migration 0006 carries a copy of this function: change both together (a test compares them).
# ---------------------------------------------------------------------------------------------

NAME_SORT_MAX = 800  # 100 characters of name × ("zhuang" + a space) fits
_NOT_A_WORD = re.compile(r"[\W_]+")  # punctuation, symbols, spaces: one space each run


def sort_syllables(text: str) -> list[str]:
    """The pieces of :func:`name_sort_key` for ``text`` (pinyin syllables, other runs as typed)."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return lazy_pinyin(folded, errors="default") if folded else []


def join_sort_key(pieces: Iterable[str]) -> str:
    """The sort key from the pieces of one or more parts of a name (punctuation and symbols
    dropped, spaces collapsed)."""
    return " ".join(_NOT_A_WORD.sub(" ", " ".join(pieces)).split())[:NAME_SORT_MAX]


def name_sort_key(name: str) -> str:
    """The stored sort key of a name: "shang hai ming zhu mao yi you xian gong si" for
    上海明珠贸易有限公司 (see the block comment above)."""
    return join_sort_key(sort_syllables(name))


_MARK = "\x00"
# pypinyin converts a text run by run (Han characters, then the rest), so the pinyin of a name
# is the pinyin of its runs in order; runs repeat across names (「贸易有限公司」), each is
# converted once per process (a test compares this with converting the whole text).
_HAN_RUNS = re.compile("((?:{})+)".format(RE_HANS.pattern.lstrip("^").rstrip("$").rstrip("+")))


def _mark(chars: str) -> str:
    return _MARK + chars


@functools.lru_cache(maxsize=50_000)
def _piece_pinyin(piece: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(piece, errors=_mark))


def name_pinyin(text: str) -> tuple[str, str, str]:
    """(full, initials, sort key) of ``text`` — exactly :func:`pinyin_forms` and
    :func:`name_sort_key` — from **one** pass of pypinyin instead of three (the importer
    computes them for 100,000 names; a test compares both ways). Text that NFKC folding would
    change takes the slow path."""
    if not text:
        return "", "", ""
    if unicodedata.normalize("NFKC", text) != text:
        full, initials = pinyin_forms(text)
        return full, initials, name_sort_key(text)
    items = [item for piece in _HAN_RUNS.split(text) if piece for item in _piece_pinyin(piece)]
    plain = [i[1:] if i.startswith(_MARK) else i for i in items]
    full = "".join(plain).lower().replace(" ", "")
    initials = "".join(i[1:] if i.startswith(_MARK) else i[:1] for i in items).lower().replace(" ", "")
    return full, initials, join_sort_key(p.lower() for p in plain)


def build_search_text(
    *,
    name: str,
    name_en: str = "",
    code: str = "",
    credit_code: str = "",
    city: str = "",
    contacts: Sequence[tuple[str, str]] = (),
    forms=None,
) -> str:
    """``forms(text)`` → (full, initials): :func:`pinyin_forms` unless the caller has a faster
    equal one (the importer's cache of :func:`name_pinyin`)."""
    forms = forms or pinyin_forms
    parts = [name, name_en, code, credit_code, city]
    full, initials = forms(name)
    parts += [full, initials]
    for contact_name, phone in contacts:
        parts.append(contact_name)
        c_full, c_initials = forms(contact_name)
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


# --------------------------------------------------------------------------------------------
# The substring index (SQLite): overlapping bigrams in an FTS5 table.
#
# A LIKE '%精密%' over 100,000 customers scans every row (~190 ms on SQLite). Instead each
# customer's search text is cut into runs of letters/digits and every run into overlapping
# two-character tokens plus its last character: "华东精密" → "华东 东精 精密 密". A query of
# length ≥ 2 becomes the FTS5 *phrase* of its own bigrams — adjacent bigrams are exactly a
# substring — and a one-character query the prefix query "c*". So "any part of a name" stays
# exact substring search, for Chinese, pinyin, codes and phone digits alike, answered from an
# index. PostgreSQL does the same with a SQL function ``kam_grams``, a stored generated tsvector
# column ``search_vector`` and a GIN index on it (migration 0003); a substring query there is a
# tsquery phrase ('华东' <-> '东精').
# --------------------------------------------------------------------------------------------

FTS_TABLE = "customers_customer_search"
_RUN = re.compile(r"[^\W_]+", re.UNICODE)


def _runs(text: str) -> list[str]:
    return _RUN.findall((text or "").lower())


def grams(search_text: str) -> str:
    """The token string indexed for one customer (see the block comment above)."""
    out: list[str] = []
    for run in _runs(search_text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
        out.append(run[-1])
    return " ".join(out)


def fts_query(q: str) -> str | None:
    """An FTS5 MATCH expression equivalent to "``q`` is a substring" (per run of letters/digits;
    several runs must all occur). ``None`` when ``q`` has no letters or digits."""
    parts = []
    for run in _runs(q):
        if len(run) == 1:
            parts.append(f'"{run}" *')
        else:
            parts.append('"{}"'.format(" ".join(run[i : i + 2] for i in range(len(run) - 1))))
    return " AND ".join(parts) if parts else None


def pg_tsquery(q: str) -> str | None:
    """The PostgreSQL tsquery twin of :func:`fts_query`."""
    parts = []
    for run in _runs(q):
        if len(run) == 1:
            parts.append(f"'{run}':*")
        else:
            parts.append(" <-> ".join(f"'{run[i : i + 2]}'" for i in range(len(run) - 1)))
    return " & ".join(f"({p})" for p in parts) if parts else None


def uses_fts(connection) -> bool:
    return connection.vendor == "sqlite"


def index_customers(rows, *, using: str = "default", fresh: bool = False) -> None:
    """(Re)index ``rows`` of (customer id, search_text). SQLite only; a no-op elsewhere.
    ``fresh``: the ids are new (bulk loads), skip removing their old entries."""
    from django.db import connections

    connection = connections[using]
    if not uses_fts(connection):
        return
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cur:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            if not fresh:
                cur.execute(
                    "DELETE FROM {} WHERE rowid IN ({})".format(FTS_TABLE, ",".join("%s" for _ in chunk)),
                    [pk for pk, _text in chunk],
                )
            cur.executemany(
                f"INSERT INTO {FTS_TABLE}(rowid, grams) VALUES (%s, %s)",
                [(pk, grams(text)) for pk, text in chunk],
            )


def unindex_customer(pk: int, *, using: str = "default") -> None:
    from django.db import connections

    connection = connections[using]
    if uses_fts(connection):
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [pk])


def search_filter(queryset, q: str):
    """Limit a customer queryset to those whose search text contains ``q`` (R2 find customers)."""
    from django.db import connections
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    value = normalize_query(q)
    if not value:
        return queryset
    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        match = fts_query(value)
        if match is not None:
            return queryset.filter(pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match]))
    elif vendor == "postgresql":
        tsq = pg_tsquery(value)
        if tsq is not None:
            return queryset.filter(
                RawSQL(
                    '"customers_customer"."search_vector" @@ to_tsquery(\'simple\'::regconfig, %s)',
                    [tsq],
                    output_field=BooleanField(),
                )
            )
    # punctuation only, or another database: the plain substring test
    return queryset.filter(search_text__contains=value)
