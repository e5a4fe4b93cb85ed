"""``kam bench``'s Excel cases (R2.3, issue 8 §2): import 100,000 customer rows (22 columns)
and then 100,000 contacts, end to end through the engine — reading the .xlsx, validating every
row through the services' clean step, the bulk write with its change log — and export 100,000
customers. Each figure is wall time; memory is the process's peak resident size
(``resource.getrusage``) and the import's own peak Python allocation (``tracemalloc`` is not
used: it slows the run several times over)."""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

ROWS = 100_000


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class AnonPeak:
    """The peak of the process's anonymous resident memory (``RssAnon`` of /proc/self/status,
    sampled every 0.2 s): the heap, without the SQLite memory map of the database file, which
    the peak RSS includes (``PRAGMA mmap_size``)."""

    def __init__(self) -> None:
        import threading

        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def now() -> int:
        try:
            with open("/proc/self/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("RssAnon:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self.now())

    def __enter__(self) -> AnonPeak:
        self.peak = self.now()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())

    @property
    def mb(self) -> float:
        return round(self.peak / 1e6, 1)


def write_files(tmp: Path, rows: int, *, owner: str, team: str, offset: int = 3_000_000) -> tuple[Path, Path]:
    """A customers file and a contacts file of ``rows`` rows (headings in zh-hans)."""
    import xlsxwriter

    from .testing import valid_uscc

    customers, contacts = tmp / "customers.xlsx", tmp / "contacts.xlsx"
    head = [
        "客户名称",
        "统一社会信用代码",
        "英文名称",
        "地址",
        "邮政编码",
        "电话",
        "电子邮箱",
        "网址",
        "省/市/区县",
        "公司性质",
        "同业地位",
        "行业",
        "主营业务",
        "员工人数",
        "年营业额（元）",
        "信用等级",
        "优势",
        "需求分析",
        "备注",
        "负责人",
        "团队",
        "城市",
    ]
    natures = ["私人有限公司", "上市公司", "国营公司", "中外合资"]
    ratings = ["AAA", "AA", "A", "BBB", "BB"]
    wb = xlsxwriter.Workbook(str(customers), {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet()
    for c, h in enumerate(head):
        ws.write_string(0, c, h)
    codes = []
    for i in range(rows):
        code = valid_uscc(offset + i)
        codes.append(code)
        values = [
            f"基准导入{i}号贸易有限公司",
            code,
            f"Bench Import {i} Trading Co., Ltd.",
            f"上海市浦东新区世纪大道{i % 999 + 1}号",
            "200120",
            f"021-6888{i % 10000:04d}",
            f"info{i}@example.com",
            f"https://www.example{i % 1000}.com",
            "310115",
            natures[i % 4],
            "中等",
            "批发和零售业",
            "进出口贸易与分销",
            10 + i % 5000,
            1_000_000 + i * 10.5,
            ratings[i % 5],
            "交付快、价格稳定",
            "希望缩短账期",
            "基准数据",
            owner,
            team,
            "上海市",
        ]
        for c, v in enumerate(values):
            if isinstance(v, int | float):
                ws.write_number(i + 1, c, v)
            else:
                ws.write_string(i + 1, c, v)
    wb.close()
    wb = xlsxwriter.Workbook(str(contacts), {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet()
    chead = ["统一社会信用代码", "姓名", "职位", "部门", "电话", "电子邮箱", "采购影响力", "对我方态度", "首要联系人"]
    for c, h in enumerate(chead):
        ws.write_string(0, c, h)
    for i, code in enumerate(codes):
        values = [code, f"联系人{i}", "采购经理", "采购部", f"139{i:08d}", f"c{i}@example.com"]
        values += ["决策者", "友好", "是"]
        for c, v in enumerate(values):
            ws.write_string(i + 1, c, v)
    wb.close()
    return customers, contacts


def run(*, actor, rows: int = ROWS) -> dict:
    """Time the three cases; returns the figures (seconds, MB)."""
    from django.db import transaction

    from kam.core.context import change_context
    from kam.core.tabular import engine
    from kam.org.models import OrgUnit

    from .models import Customer

    team = OrgUnit.objects.filter(is_active=True).order_by("depth", "pk").values_list("name", flat=True).first()
    facts: dict = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        offset = 3_000_000 + (Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
        cfile, kfile = write_files(tmp, rows, owner=actor.username, team=team or "", offset=offset)
        facts["import_files_written_s"] = round(time.perf_counter() - t0, 1)
        before = Customer.objects.count()
        heap = AnonPeak().__enter__()
        with change_context(source="import", actor=actor, request_id="bench"):
            t0 = time.perf_counter()
            with transaction.atomic():
                r1 = engine.run_import(
                    actor=actor, spec_key="customers", path=cfile, kind="xlsx", mode="upsert", dry_run=False
                )
            facts["import_customers_s"] = round(time.perf_counter() - t0, 1)
            t1 = time.perf_counter()
            with transaction.atomic():
                r2 = engine.run_import(
                    actor=actor, spec_key="contacts", path=kfile, kind="xlsx", mode="upsert", dry_run=False
                )
            facts["import_contacts_s"] = round(time.perf_counter() - t1, 1)
            facts["import_total_s"] = round(time.perf_counter() - t0, 1)
        facts["import_rows"] = rows
        facts["import_created"] = (r1["created"], r2["created"])
        assert Customer.objects.count() - before == rows == r1["created"], (r1, r2)
        heap.__exit__()
        facts["import_peak_rss_mb"] = _peak_mb()
        facts["import_peak_heap_mb"] = heap.mb
        t0 = time.perf_counter()
        out = tmp / "export.xlsx"
        with AnonPeak() as export_heap:
            res = engine.run_export(actor=actor, spec_key="customers", params={}, path=out)
        facts["export_s"] = round(time.perf_counter() - t0, 1)
        facts["export_peak_heap_mb"] = export_heap.mb
        facts["export_rows"] = res["rows"]
        facts["export_mb"] = round(out.stat().st_size / 1e6, 1)
        facts["peak_rss_mb"] = _peak_mb()
    return facts


def prepare(ctx) -> list[tuple[str, str, bool]]:
    """The bench case: runs the figures in the scratch database (no HTTP cases). The files have
    as many rows as the bench has customers (``kam bench --customers 100000``: 100,000), at most
    ``ROWS``, unless ``KAM_BENCH_IMPORT_ROWS`` says otherwise (0 skips the case)."""
    import os

    default = min(ROWS, getattr(ctx, "customers", ROWS))
    rows = int(os.environ.get("KAM_BENCH_IMPORT_ROWS", default))
    if rows > 0:
        ctx.facts.update(run(actor=ctx.user, rows=rows))
    return []
