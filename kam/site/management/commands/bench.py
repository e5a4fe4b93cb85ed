"""``kam bench``: load synthetic data into a scratch database, serve it, time the customer list."""

from __future__ import annotations

import argparse
import json

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.management.base import KamCommand
from kam.site import bench


class Command(KamCommand):
    help = gettext_lazy(
        "Benchmark the registered cases (the customer list page and API) on a scratch database filled by "
        "gen-data: a temporary SQLite file, or the PostgreSQL database --database-url names (created and "
        "afterwards dropped if it does not exist, used if it exists and is empty, refused if it holds tables; "
        "a URL without a database name gets a new uniquely named one). The configured database is never "
        "touched. Prints median and p95 milliseconds and SQL queries per case."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=100_000, help=gettext_lazy("Customers to generate."))
        parser.add_argument("--requests", type=int, default=300, help=gettext_lazy("Timed requests per case."))
        parser.add_argument("--warmup", type=int, default=3, help=gettext_lazy("Untimed requests per case first."))
        parser.add_argument("--seed", type=int, default=1, help=gettext_lazy("gen-data seed."))
        parser.add_argument("--workers", type=int, default=2, help=gettext_lazy("gunicorn workers."))
        parser.add_argument(
            "--database-url",
            default=None,
            help=gettext_lazy(
                "The PostgreSQL database to use, e.g. postgres://postgres@127.0.0.1:5432/kam_bench_1 (new or "
                "empty), or without a database name for a scratch one."
            ),
        )
        parser.add_argument(
            "--port", type=int, default=None, help=gettext_lazy("The server's port (default: a free one).")
        )
        parser.add_argument("--json", dest="json_path", default=None, help=gettext_lazy("Also write the report here."))
        parser.add_argument("--keep", action="store_true", help=gettext_lazy("Keep the scratch directory."))
        parser.add_argument("--prepare", default=None, help=argparse.SUPPRESS)  # internal: the child phase

    def handle(self, *args, **options):
        if options["customers"] < 1 or options["requests"] < 1 or options["warmup"] < 0:
            raise CommandError(_("--customers and --requests must be at least 1."))
        if options["port"] is not None and not 0 < options["port"] < 65536:
            raise CommandError(_("--port must be between 1 and 65535."))
        if options["prepare"]:
            bench.prepare(
                customers=options["customers"],
                seed=options["seed"],
                out_path=options["prepare"],
                log=lambda msg: self.stdout.write("  " + msg),
            )
            return
        try:
            report = bench.run(
                customers=options["customers"],
                requests=options["requests"],
                seed=options["seed"],
                database_url=options["database_url"],
                workers=options["workers"],
                warmup=options["warmup"],
                keep=options["keep"],
                port=options["port"],
                log=self.stdout.write,
            )
        except (ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        results = [bench.CaseResult(**c) for c in report["cases"]]
        self.stdout.write("")
        self.stdout.write(
            _(
                "{database}: {customers} customers, {contacts} contacts (gen-data {gen:.1f} s); {n} requests per "
                "case after {warmup} warm-up; search term “{q}” matches {share:.1%} of customers."
            ).format(
                database=report["database"],
                customers=report["customers"],
                contacts=report["contacts"],
                gen=report["gen_data_seconds"] or 0,
                n=report["requests_per_case"],
                warmup=report["warmup_per_case"],
                q=report["search_term"] or "-",
                share=report["search_share"] or 0,
            )
        )
        self.stdout.write(bench.format_table(results))
        bad = [r.name for r in results if r.status != 200]
        if bad:
            self.stderr.write(_("Cases not answering 200: {cases}").format(cases=", ".join(bad)))
        if options["json_path"]:
            with open(options["json_path"], "w", encoding="utf-8") as fh:
                json.dump(report, fh, ensure_ascii=False, indent=2)
            self.stdout.write(_("Report written to {path}.").format(path=options["json_path"]))
