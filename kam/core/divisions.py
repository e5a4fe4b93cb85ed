"""China's administrative divisions by their GB/T 2260 codes (省 · 地级市 · 县级) — the data of
``kam/core/data/divisions.json``, vendored from the npm package @vant/area-data by
``scripts/divisions.py`` (its docstring says what is kept and why).

A code is six digits, ``PPCCDD``: ``PP0000`` a province, ``PPCC00`` a prefecture-level city,
``PPCCDD`` a district or county, whose parent follows from the code. GB/T 2260 has levels that
are not places a person would pick:

* the four municipalities (北京 天津 上海 重庆) file their districts under ``PP0100`` 「市辖区」
  (重庆 its counties under 500200 「县」). The picker shows the municipality itself at the city
  level — 上海市 → 上海市 → 浦东新区 — with every district and county of 重庆 under 500100;
* ``PP9000`` 「省直辖县级行政区划」 holds county-level cities under a province (河南 济源市,
  湖北 仙桃市 …); it stays a choice at the city level, as in the standard;
* a few cities have no counties (东莞市, 中山市, 儋州市, 嘉峪关市): the city is the last level.

:func:`full_name` leaves the placeholders out: 「上海市 浦东新区」, 「河南省 济源市」.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "divisions.json"
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})
# GB/T 2260's grouping levels, not places: left out of full names
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

PROVINCE, CITY, DISTRICT = 1, 2, 3


@dataclass(frozen=True)
class Division:
    code: str
    name: str

    @property
    def level(self) -> int:
        """1 province, 2 city, 3 district/county."""
        if self.code.endswith("0000"):
            return PROVINCE
        if self.code.endswith("00"):
            return CITY
        return DISTRICT

    @property
    def parent_code(self) -> str | None:
        if self.level == PROVINCE:
            return None
        if self.level == CITY:
            return self.code[:2] + "0000"
        return self.code[:4] + "00"

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def is_placeholder(self) -> bool:
        return self.level == CITY and self.name in PLACEHOLDERS


@dataclass(frozen=True)
class _Data:
    source: dict
    by_code: dict[str, Division]
    children: dict[str | None, tuple[Division, ...]]


@lru_cache(maxsize=1)
def _data() -> _Data:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    by_code = {code: Division(code, name) for code, name in raw["divisions"]}
    children: dict[str | None, list[Division]] = {}
    for d in by_code.values():  # sorted by code in the file
        children.setdefault(d.parent_code, []).append(d)
    return _Data(raw["source"], by_code, {k: tuple(v) for k, v in children.items()})


def source() -> dict:
    """Where the data comes from: ``{"package", "version", "license", "repository", …}``."""
    return dict(_data().source)


def get(code: str | None) -> Division | None:
    return _data().by_code.get(code or "")


def is_valid(code: str | None) -> bool:
    """Whether ``code`` is a division of the data (six digits, any level)."""
    return isinstance(code, str) and code in _data().by_code


def name(code: str | None) -> str:
    """The division's own name (「浦东新区」), "" for an unknown code."""
    d = get(code)
    return d.name if d else ""


def path(code: str | None) -> list[tuple[str, str]]:
    """[(code, name)] from the province down to ``code`` as GB/T 2260 files it — placeholders
    included: 310115 → [(310000, 上海市), (310100, 市辖区), (310115, 浦东新区)]. [] if unknown."""
    d = get(code)
    if d is None:
        return []
    chain = [d]
    while (parent := get(chain[-1].parent_code)) is not None:
        chain.append(parent)
    return [(x.code, x.name) for x in reversed(chain)]


def full_name(code: str | None, sep: str = " ") -> str:
    """「上海市 浦东新区」, 「广东省 深圳市 南山区」, 「河南省 济源市」 — the path without GB/T 2260's
    placeholder levels; "" for an empty or unknown code."""
    by_code = _data().by_code
    return sep.join(n for c, n in path(code) if not by_code[c].is_placeholder)


def province_name(code: str | None) -> str:
    """The name of the code's province (「上海市」), "" for an unknown code."""
    d = get(code)
    return name(d.province_code) if d else ""


def city_name(code: str | None) -> str:
    """The city a person would name for ``code``: the prefecture-level city (「深圳市」), the
    municipality itself (「上海市」), a county-level city directly under the province
    (「济源市」); "" for a province or an unknown code."""
    d = get(code)
    if d is None or d.level == PROVINCE:
        return ""
    if d.province_code in MUNICIPALITIES:
        return name(d.province_code)
    city = d if d.level == CITY else get(d.parent_code)
    if city is None:
        return ""
    if city.is_placeholder:
        return d.name if d.level == DISTRICT else ""
    return city.name


# --- the picker's tree: what a person chooses from --------------------------------------


def _picker_city(code: str) -> str:
    """The city the picker shows for a city-level code: a municipality's 市辖区 (PP0100) stands
    for the whole municipality — 重庆's 500200 「县」 folds into 500100."""
    if code[:2] + "0000" in MUNICIPALITIES:
        return code[:2] + "0100"
    return code


def children(code: str | None = None) -> list[tuple[str, str]]:
    """[(code, label)] to choose from under ``code`` in the picker (None: the provinces).

    A municipality has one city, labelled with its own name (310000 → [(310100, 上海市)]), whose
    districts are all the municipality's districts and counties (500100 → 500101 … 500243)."""
    data = _data()
    if code is None:
        return [(d.code, d.name) for d in data.children.get(None, ())]
    d = get(code)
    if d is None or d.level == DISTRICT:
        return []
    if d.code in MUNICIPALITIES:
        return [(d.code[:2] + "0100", d.name)]
    if d.level == CITY and d.province_code in MUNICIPALITIES:
        cities = data.children.get(d.province_code, ())
        return [(x.code, x.name) for c in cities for x in data.children.get(c.code, ())]
    return [(x.code, x.name) for x in data.children.get(d.code, ())]


def picker_path(code: str | None) -> tuple[str, str, str]:
    """(province, city, district) codes the picker shows selected for a stored ``code``; ""
    where nothing is chosen. 500229 (城口县, filed under 500200 「县」) → (500000, 500100, 500229)."""
    d = get(code)
    if d is None:
        return ("", "", "")
    if d.level == PROVINCE:
        return (d.code, "", "")
    if d.level == CITY:
        return (d.province_code, _picker_city(d.code), "")
    return (d.province_code, _picker_city(d.code[:4] + "00"), d.code)


def tree() -> dict[str, list[list[str]]]:
    """The picker's whole tree, ``{parent code ("" for the top): [[code, label], …]}`` — what
    ``static/kam/divisions.js`` reads to fill the next select."""
    return _tree()


@lru_cache(maxsize=1)
def _tree() -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {"": [[c, n] for c, n in children(None)]}
    for province, _n in children(None):
        cities = children(province)
        if cities:
            out[province] = [[c, n] for c, n in cities]
        for city, _m in cities:
            districts = children(city)
            if districts:
                out[city] = [[c, n] for c, n in districts]
    return out


def find(province: str = "", city: str = "") -> str:
    """The most specific code that the names ``province`` and ``city`` (as old records and API
    clients write them: 「上海」/「上海市」, 「苏州」/「苏州市」, 「浦东新区」 for a municipality) denote
    unambiguously; "" if the province is unknown. Used for records written before the codes."""
    province, city = (province or "").strip(), (city or "").strip()
    if not province:
        return ""
    matches = [c for c, n in children(None) if n == province or _short(n) == _short(province)]
    if len(matches) != 1:
        return ""
    prov = matches[0]
    if not city:
        return prov
    if prov in MUNICIPALITIES:
        if _short(city) == _short(name(prov)):
            return prov[:2] + "0100"
        found = [c for c, n in children(prov[:2] + "0100") if n == city or _short(n) == _short(city)]
    else:
        found = [c for c, n in children(prov) if n == city or _short(n) == _short(city)]
        if not found:  # a county-level city directly under the province: 济源
            found = [
                x
                for c, n in children(prov)
                if n in PLACEHOLDERS
                for x, m in children(c)
                if m == city or _short(m) == _short(city)
            ]
    return found[0] if len(found) == 1 else prov


_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市", "地区", "盟", "区", "县")


def _short(text: str) -> str:
    """「广西壮族自治区」 → 「广西」, 「苏州市」 → 「苏州」: names compared without their suffix."""
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            return text[: -len(suffix)]
    return text
