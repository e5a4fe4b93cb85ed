"""``kam gen-data``: deterministic synthetic data at any scale (for load tests and the bench).

Each app contributes a step (registry key ``gendata_loaders``): its options and what it
generates; the steps run in order inside one transaction and share a context (the org step puts
the teams and owners on ``ctx.slots`` for the customer step)."""

from __future__ import annotations

import time
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.management.base import KamCommand
from kam.core.registry import registry


class Command(KamCommand):
    help = gettext_lazy(
        "Generate synthetic data with bulk inserts in one transaction: an org (existing teams, or --teams "
        "synthetic ones), customers, contacts, yearly sales and account-team seats. The same --seed gives the "
        "same data. Bulk inserts write NO change-log rows, so generated records have no history."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help=gettext_lazy("Random seed (same seed, same data)."))
        for loader in registry["gendata_loaders"]:
            if loader.add_arguments is not None:
                loader.add_arguments(parser)

    def handle(self, *args, **options):
        started = time.perf_counter()
        ctx = SimpleNamespace(
            options=options, stdout=self.stdout, started=started, summary=[], vacuum_tables=[], rate=None
        )
        timings = []
        with transaction.atomic():
            for loader in registry["gendata_loaders"]:
                t0 = time.perf_counter()
                loader.load(ctx)
                timings.append((loader.key, time.perf_counter() - t0))
        if ctx.vacuum_tables and connection.vendor == "postgresql" and not connection.in_atomic_block:
            # bulk-loaded tables: set the visibility map and statistics now rather than
            # whenever autovacuum gets round to it (index-only counts on the lists)
            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in ctx.vacuum_tables))
        total = time.perf_counter() - started
        for line in ctx.summary:
            self.stdout.write(line)
        steps = ", ".join(f"{key} {seconds:.2f} s" for key, seconds in timings)
        commit = max(0.0, total - sum(seconds for _key, seconds in timings))
        self.stdout.write(
            _("Timings: {steps}, commit {commit:.2f} s; {total:.1f} s in all.").format(
                steps=steps, commit=commit, total=total
            )
        )
        if ctx.rate and total:
            count, what = ctx.rate
            self.stdout.write(_("{rate:.0f} {what} per second.").format(rate=count / total, what=what))
