#!/usr/bin/env python
"""Rebuild kam/core/data/divisions.json — China's administrative divisions (GB/T 2260 codes:
provinces, prefecture-level cities, counties/districts) — from the npm package @vant/area-data.

    python scripts/divisions.py                  # npm pack @vant/area-data@PINNED, rebuild the JSON
    python scripts/divisions.py --version 2.2.0  # another release (then update the pin below,
                                                 # static/vendor/README.md via scripts/vendor.sh)
    python scripts/divisions.py --tarball x.tgz  # from a tarball already on disk

Why this package: it is maintained with Vant (vant-ui/vant, MIT, © Youzan), follows the
Ministry of Civil Affairs' and the statistics bureau's yearly changes (it has the counties of
December 2024), and is small (a 70 KB tarball of three flat code → name maps).

What is kept and what is dropped, so that every code in the JSON is a GB/T 2260 code:

* provinces (XX0000) and cities (XXXX00) as they are — the levels the standard has without a place of
  their own keep their standard names: 市辖区 (XX0100 of a municipality), 县 (500200), 省直辖县级行政区划
  (XX9000; Vant writes 「省直辖县」, and 「北京市」 for the municipalities' 110100);
* counties (the last two digits 01–99) except
  - the statistics bureau's own units that GB/T 2260 does not have: last two digits 71–80
    (经济技术开发区, 新区, 管理区 …) and 90–99 outside an XX90 city (「经济技术开发区」,「高新区」 …);
  - the towns Vant lists under the four cities without counties (东莞市 441900, 中山市 442000,
    儋州市 460400, 嘉峪关市 620200): their codes are Vant's, not the standard's;
  - anything below 台湾省, 香港 and 澳门 (GB/T 2260 codes them 710000, 810000, 820000 only).

The output is ``{"source": …, "divisions": [[code, name], …]}`` sorted by code; the parent of
a code follows from the code itself (kam/core/divisions.py).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@vant/area-data"
VERSION = "2.1.0"
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "kam" / "core" / "data" / "divisions.json"
NO_COUNTIES = {"441900", "442000", "460400", "620200"}
SPECIAL_REGIONS = ("71", "81", "82")
STANDARD_NAMES = {"500200": "县"}
MUNICIPALITIES = ("11", "12", "31", "50")


def read_lists(source: str) -> dict[str, dict[str, str]]:
    """province_list / city_list / county_list of Vant's dist/index.cjs (a JS object literal)."""
    out: dict[str, dict[str, str]] = {}
    for name in ("province_list", "city_list", "county_list"):
        block = re.search(name + r":\s*\{(.*?)\n\s*\}", source, re.S)
        if block is None:
            raise SystemExit(f"{name} not found: has the package's layout changed?")
        out[name] = {
            code: json.loads(f'"{text}"') for code, text in re.findall(r'(\d{6}):\s*"((?:[^"\\]|\\.)*)"', block[1])
        }
    return out


def keep_county(code: str) -> bool:
    city, tail = code[:4] + "00", int(code[4:])
    if code.startswith(SPECIAL_REGIONS) or city in NO_COUNTIES:
        return False
    if 71 <= tail <= 80:
        return False
    return not (tail >= 90 and code[2:4] != "90")


def build(lists: dict[str, dict[str, str]]) -> list[list[str]]:
    rows: dict[str, str] = dict(lists["province_list"])
    for code, name in lists["city_list"].items():
        if code.startswith(SPECIAL_REGIONS):
            continue
        if code[2:4] == "90":
            name = "省直辖县级行政区划" if code[:2] != "65" else "自治区直辖县级行政区划"
        elif code[:2] in MUNICIPALITIES and code[2:] == "0100":
            name = "市辖区"
        rows[code] = STANDARD_NAMES.get(code, name)
    rows.update({code: name for code, name in lists["county_list"].items() if keep_county(code)})
    # a city must have its province, a county its city
    for code in rows:
        parent = code[:2] + "0000" if code.endswith("00") else code[:4] + "00"
        if code != parent and parent not in rows:
            raise SystemExit(f"{code} {rows[code]}: no parent {parent}")
    return [[code, rows[code]] for code in sorted(rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--tarball", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball
        if tarball is None:
            name = subprocess.run(
                ["npm", "pack", "--silent", f"{PACKAGE}@{args.version}"],
                cwd=tmp,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            tarball = Path(tmp) / name.splitlines()[-1]
        with tarfile.open(tarball) as tar:
            meta = json.load(tar.extractfile("package/package.json"))  # type: ignore[arg-type]
            source = tar.extractfile("package/dist/index.cjs").read().decode()  # type: ignore[union-attr]
    rows = build(read_lists(source))
    data = {
        "source": {
            "package": meta["name"],
            "version": meta["version"],
            "license": meta["license"],
            "repository": meta["repository"]["url"],
            "rebuilt_by": "scripts/divisions.py",
        },
        "divisions": rows,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # one division a line: small diffs when the data is refreshed
    text = text.replace('],["', '],\n["').replace('"divisions":[[', '"divisions":[\n[')
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"{meta['name']} {meta['version']}: {len(rows)} divisions → {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
