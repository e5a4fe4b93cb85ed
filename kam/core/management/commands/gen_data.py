"""``kam gen-data``: deterministic synthetic customers at any scale (for load tests and the bench)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core import gendata


class Command(BaseCommand):
    help = gettext_lazy(
        "Generate synthetic customers, contacts, yearly sales and a few account-team seats with bulk "
        "inserts in one transaction. The same --seed gives the same data. Bulk inserts write NO "
        "change-log rows, so generated customers have no history. Customers go to the existing teams "
        "that have specialists or account managers; with --teams (or when there are none) a synthetic "
        "org of that many teams (codes gen-…, users gen_… without usable passwords) is created or reused."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=1000, help=gettext_lazy("Number of customers."))
        parser.add_argument(
            "--contacts-per-customer", type=int, default=3, help=gettext_lazy("Contacts for each customer.")
        )
        parser.add_argument("--seed", type=int, default=1, help=gettext_lazy("Random seed (same seed, same data)."))
        parser.add_argument(
            "--teams",
            type=int,
            default=None,
            help=gettext_lazy("Use a synthetic org with this many teams (default: existing teams, else 20)."),
        )
        parser.add_argument("--batch-size", type=int, default=5000, help=gettext_lazy("Rows built per batch."))

    def handle(self, *args, **options):
        n = options["customers"]
        per = options["contacts_per_customer"]
        if n < 0 or per < 0:
            raise CommandError(_("--customers and --contacts-per-customer must not be negative."))
        if options["teams"] is not None and options["teams"] < 1:
            raise CommandError(_("--teams must be at least 1."))
        started = time.perf_counter()
        with transaction.atomic():
            t0 = time.perf_counter()
            slots = [] if options["teams"] is not None else gendata.existing_org_slots()
            if not slots:
                slots = gendata.ensure_synthetic_org(options["teams"] or 20)
            t_org = time.perf_counter() - t0
            step = max(options["batch_size"], n // 10 or 1)
            marks = {"next": step}

            def progress(done):
                if done >= marks["next"] and options["verbosity"] >= 2:
                    self.stdout.write(
                        _("  {done} customers ({seconds:.1f} s)").format(
                            done=done, seconds=time.perf_counter() - started
                        )
                    )
                    marks["next"] += step

            try:
                result = gendata.generate(
                    customers=n,
                    contacts_per_customer=per,
                    seed=options["seed"],
                    slots=slots,
                    batch_size=options["batch_size"],
                    progress=progress,
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        if result.customers and connection.vendor == "postgresql" and not connection.in_atomic_block:
            # bulk-loaded tables: set the visibility map and statistics now rather than
            # whenever autovacuum gets round to it (index-only counts on the customer list)
            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE customers_customer, customers_contact, customers_accountteammember")
        total = time.perf_counter() - started
        self.stdout.write(
            _(
                "Generated {customers} customers ({first}–{last}), {contacts} contacts, {sales} yearly sales rows "
                "and {seats} account-team seats over {teams} teams in {seconds:.1f} s."
            ).format(
                customers=result.customers,
                first=result.first_code or "-",
                last=result.last_code or "-",
                contacts=result.contacts,
                sales=result.yearly_sales,
                seats=result.seats,
                teams=len([s for s in slots if s.owner_ids]),
                seconds=total,
            )
        )
        self.stdout.write(
            _(
                "Timings: org {org:.2f} s, build rows {build:.2f} s, insert {insert:.2f} s, commit {commit:.2f} s."
            ).format(
                org=t_org,
                build=result.timings.get("build", 0.0),
                insert=result.timings.get("insert", 0.0),
                commit=max(0.0, total - t_org - result.timings.get("total", 0.0)),
            )
        )
        rate = result.customers / total if total else 0
        self.stdout.write(_("{rate:.0f} customers per second.").format(rate=rate))
