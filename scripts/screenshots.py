"""Screenshots of each demo persona's home, first list and first record, at phone and laptop width.

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots/x]
                                            [--lang zh-hans|en] [--roles admin,sp_east1] [--format jpeg|png]

Needs a running KAM with the demo company (`make run`) and Debian's chromium. Writes JPEGs named
``<role>-<page>-<width>.jpg`` (or .png) (the first screen, what a user sees before scrolling) and prints
what it saved. Used for the closing notes of UI issues.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from urllib.parse import urljoin

from playwright.sync_api import sync_playwright

ROLES = ("admin", "vp", "director", "finance", "hr", "gift_admin", "office", "mgr_east", "am_east", "sp_east1")
WIDTHS = {"390": (390, 844), "1366": (1366, 900)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="http://127.0.0.1:8000")
    ap.add_argument("--out", default="screenshots/personas")
    ap.add_argument("--lang", default="zh-hans", choices=("zh-hans", "en"))
    ap.add_argument("--roles", default=",".join(ROLES))
    ap.add_argument("--format", default="jpeg", choices=("jpeg", "png"))
    ap.add_argument("--password", default=os.environ.get("KAM_DEMO_PASSWORD", "kam-demo-2026"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    suffix = ("" if args.lang == "zh-hans" else "-en") + (".jpg" if args.format == "jpeg" else ".png")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for role in args.roles.split(","):
            for width, (w, h) in WIDTHS.items():
                context = browser.new_context(
                    viewport={"width": w, "height": h},
                    is_mobile=w < 600,
                    locale="zh-CN" if args.lang == "zh-hans" else "en-US",
                )
                context.add_cookies([{"name": "django_language", "value": args.lang, "url": args.base}])
                page = context.new_page()
                page.goto(args.base + "/login/")
                page.fill("#id_username", role)
                page.fill("#id_password", args.password)
                page.click("button[type=submit]")
                page.wait_for_url(args.base + "/")
                pages = [("home", "/")]
                if page.locator("#main-nav a[href='/customers/']").count():
                    pages.append(("list", "/customers/"))
                for name, path in pages:
                    page.goto(args.base + path)
                    page.wait_for_load_state("networkidle")
                    _shot(page, out / f"{role}-{name}-{width}{suffix}")
                    if name == "list":
                        first = page.locator("a.kam-title[href]").first
                        if first.count():
                            page.goto(urljoin(args.base, first.get_attribute("href")))
                            page.wait_for_load_state("networkidle")
                            _shot(page, out / f"{role}-detail-{width}{suffix}")
                context.close()
        browser.close()


def _shot(page, path: Path) -> None:
    if path.suffix == ".jpg":
        page.screenshot(path=str(path), type="jpeg", quality=70)
    else:
        page.screenshot(path=str(path))
    print(path)


if __name__ == "__main__":
    main()
