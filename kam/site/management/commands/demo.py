"""``kam demo``: load the demo company (idempotent) and print its logins."""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.management.base import KamCommand
from kam.site.demo import load_demo


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(KamCommand):
    help = gettext_lazy(
        "Load the demo company: org tree, a login for every role and about 300 customer files with "
        "contacts and history. Safe to run again: only what is missing is created, and the demo "
        "passwords are reset to KAM_DEMO_PASSWORD."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        result = load_demo()
        seconds = time.perf_counter() - started
        self.stdout.write(
            _(
                "Demo company loaded in {seconds:.1f} s: {units} org units, {users} users and {customers} "
                "customers created ({existing} customers were already there), {edits} later edits, "
                "{reset} passwords reset."
            ).format(
                seconds=seconds,
                units=result.units_created,
                users=result.users_created,
                customers=result.customers_created,
                existing=result.customers_existing,
                edits=result.edits,
                reset=result.passwords_reset,
            )
        )
        headers = (_("Username"), _("Name"), _("Role"), _("Unit"))
        rows = [headers] + list(result.logins)
        widths = [max(_width(str(r[i])) for r in rows) for i in range(len(headers))]
        self.stdout.write("")
        for i, row in enumerate(rows):
            self.stdout.write("  ".join(_pad(str(cell), w) for cell, w in zip(row, widths, strict=True)).rstrip())
            if i == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(
            _("Password for every demo login: {password} (set KAM_DEMO_PASSWORD to change it)").format(
                password=settings.KAM_DEMO_PASSWORD
            )
        )
