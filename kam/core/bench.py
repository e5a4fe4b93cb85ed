"""The performance benchmark behind ``kam bench``.

It never touches the configured database: it loads ``gen-data`` into a *scratch* database
(a SQLite file in a temporary directory, or a ``kam_bench`` database created next to a given
PostgreSQL URL and dropped afterwards), starts ``kam serve`` on a free port against it and
times sequential requests to the customer list page and API.

Two processes share the work:

* :func:`prepare` runs in a child ``kam bench --prepare FILE`` with the scratch environment:
  migrate, gen-data, a bench director (director role at the root) with a random password, the
  search term and — in-process, with Django's test client and ``CaptureQueriesContext`` — the
  SQL queries each case issues. It writes what the parent needs to FILE as JSON.
* :func:`run` (the parent) builds the environment, starts the server, logs in over HTTP (session
  cookie from the login form, token from ``/api/v1/auth/token/``) and measures with
  ``http.client``.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit, urlunsplit

SCRATCH_PG_NAME = "kam_bench"
BENCH_USERNAME = "bench_director"
# 2-character substrings of generated names, tried in order; the one matching closest to 3 %
# of the customers is searched.
SEARCH_CANDIDATES = (
    "机械",
    "电子",
    "科技",
    "物流",
    "贸易",
    "化工",
    "医药",
    "食品",
    "纺织",
    "环保",
    "包装",
    "家具",
    "光电",
    "置业",
    "实业",
    "电器",
    "软件",
    "建设",
    "恒泰",
    "宏达",
)


# ---------------------------------------------------------------------------------------------
# Pure helpers


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0–100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * p / 100
    lo = math.floor(k)
    hi = math.ceil(k)
    if lo == hi:
        return ordered[lo]
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def scratch_pg_url(url: str, name: str = SCRATCH_PG_NAME) -> str:
    """``url`` with its database name replaced by ``name`` (host, user, options kept)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise ValueError(f"not a PostgreSQL URL: {parts.scheme or url}")
    if parts.path.strip("/") == name:
        raise ValueError(f"the --database-url must not name the scratch database {name} itself")
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def scratch_env(base: dict[str, str], *, workdir: str, database_url: str | None = None) -> dict[str, str]:
    """The environment of the bench's child processes: a scratch database, production mode
    (no KAM_DEBUG, so a secret key: the caller's, else a random one), no login lockout, and
    nothing written outside ``workdir``."""
    env = dict(base)
    env.pop("KAM_DEBUG", None)
    if not (env.get("KAM_SECRET_KEY") or env.get("KAM_SECRET_KEY_FILE")):
        env["KAM_SECRET_KEY"] = secrets.token_urlsafe(50)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["KAM_AXES_ENABLED"] = "0"
    env["KAM_DATA_DIR"] = workdir
    env["KAM_STATIC_ROOT"] = os.path.join(workdir, "static")
    env["KAM_MEDIA_ROOT"] = os.path.join(workdir, "media")
    env["KAM_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    env["KAM_API_LOGIN_RATE"] = "1000/min"
    env.pop("KAM_HTTPS", None)
    env.pop("KAM_REDIS_URL", None)  # a shared cache could mix with the real site's
    if database_url:
        env["DATABASE_URL"] = database_url
        env.pop("KAM_SQLITE_PATH", None)
    else:
        env.pop("DATABASE_URL", None)
        env["KAM_SQLITE_PATH"] = os.path.join(workdir, "bench.sqlite3")
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Case:
    name: str
    path: str
    api: bool


def build_cases(*, q: str, province: str, rating: str) -> list[Case]:
    flt = urlencode({"province": province, "credit_rating": rating})
    search = urlencode({"q": q})
    cases = []
    for api, base in ((False, "/customers/"), (True, "/api/v1/customers/")):
        kind = "api" if api else "html"
        cases += [
            Case(f"{kind} list", base, api),
            Case(f"{kind} filter", f"{base}?{flt}", api),
            Case(f"{kind} search", f"{base}?{search}", api),
        ]
    return cases


# ---------------------------------------------------------------------------------------------
# Child: prepare the scratch database


def prepare(*, customers: int, seed: int, out_path: str, log: Callable[[str], None] = print) -> dict:
    """Migrate and fill the scratch database, create the bench director, count each case's
    queries in-process; write and return the facts the parent needs."""
    import io

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from kam.customers.models import Contact, Customer

    # the in-process query count renders pages too: they need the static manifest
    call_command("collectstatic", interactive=False, verbosity=0)
    from kam.org.models import OrgUnit, Role, RoleGrant, User

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    t_migrate = time.perf_counter() - t0
    log(f"migrated in {t_migrate:.1f} s")
    t0 = time.perf_counter()
    out = io.StringIO()
    call_command("gen_data", customers=customers, seed=seed, stdout=out)
    t_gen = time.perf_counter() - t0
    for line in out.getvalue().strip().splitlines():
        log(line)

    root = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    password = secrets.token_urlsafe(16)
    user, _created = User.objects.get_or_create(
        username=BENCH_USERNAME, defaults={"name": "基准测试总监", "unit": root}
    )
    user.set_password(password)
    user.is_active = True
    user.save()
    RoleGrant.objects.get_or_create(user=user, role=Role.objects.get(code="director"), unit=root)
    token, _created = Token.objects.get_or_create(user=user)

    total = Customer.objects.count()
    best, best_share = SEARCH_CANDIDATES[0], -1.0
    for cand in SEARCH_CANDIDATES:
        share = Customer.objects.filter(search_text__contains=cand).count() / max(total, 1)
        if best_share < 0 or abs(share - 0.03) < abs(best_share - 0.03):
            best, best_share = cand, share
    province, rating = "上海市", "A"
    if not Customer.objects.filter(province=province).exists():
        first = Customer.objects.exclude(province="").values_list("province", flat=True).first()
        province = first or province

    cases = build_cases(q=best, province=province, rating=rating)
    os.makedirs(settings.STATIC_ROOT, exist_ok=True)  # whitenoise warns about a missing root
    client = Client()
    client.force_login(user)
    queries: dict[str, dict] = {}
    for case in cases:
        extra = {"HTTP_AUTHORIZATION": f"Token {token.key}"} if case.api else {}
        client.get(case.path, **extra)  # warm caches (content types, translations)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(case.path, **extra)
        queries[case.name] = {"queries": len(ctx.captured_queries), "status": response.status_code}

    facts = {
        "database": connection.vendor,
        "customers": total,
        "contacts": Contact.objects.count(),
        "migrate_seconds": round(t_migrate, 2),
        "gen_data_seconds": round(t_gen, 2),
        "username": BENCH_USERNAME,
        "password": password,
        "search_term": best,
        "search_share": round(best_share, 4),
        "province": province,
        "credit_rating": rating,
        "queries": queries,
    }
    with open(out_path, "w", encoding="utf-8") as fh:
        json.dump(facts, fh, ensure_ascii=False)
    return facts


# ---------------------------------------------------------------------------------------------
# Parent: HTTP side


class HttpClient:
    """Sequential requests with a tiny cookie jar (http.client; no keep-alive assumed)."""

    def __init__(self, host: str, port: int, timeout: float = 60) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        hdrs = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        hdrs.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            for value in resp.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(value)
                for key, morsel in jar.items():
                    self.cookies[key] = morsel.value
            return resp.status, dict(resp.getheaders()), data
        finally:
            conn.close()

    def get(self, path: str, headers: dict | None = None):
        return self.request("GET", path, headers=headers)

    def timed_get(self, path: str, headers: dict | None = None) -> tuple[int, float]:
        t = time.perf_counter()
        status, _h, _body = self.get(path, headers)
        return status, (time.perf_counter() - t) * 1000

    def login(self, username: str, password: str) -> None:
        """Session login through the login form (CSRF cookie + form token)."""
        self.get("/login/")
        csrf = self.cookies.get("csrftoken", "")
        body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": csrf}).encode()
        status, _h, _b = self.request(
            "POST",
            "/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{self.host}:{self.port}/login/",
            },
        )
        if status not in (302, 303) or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed (HTTP {status})")

    def api_token(self, username: str, password: str) -> str:
        conn = HttpClient(self.host, self.port, self.timeout)  # no session cookie
        status, _h, body = conn.request(
            "POST",
            "/api/v1/auth/token/",
            body=json.dumps({"username": username, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        if status != 200:
            raise RuntimeError(f"token login failed (HTTP {status}): {body[:200]}")
        return json.loads(body)["token"]


def wait_until_up(host: str, port: int, *, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    client = HttpClient(host, port, timeout=5)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        try:
            status, _h, _b = client.get("/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f} s")


@dataclass
class CaseResult:
    name: str
    path: str
    status: int
    statuses: dict[str, int]
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float
    queries: int | None
    samples_ms: list[float] = field(default_factory=list, repr=False)


def measure(
    client: HttpClient, cases: list[Case], *, token: str, requests: int, warmup: int, queries: dict
) -> list[CaseResult]:
    results = []
    for case in cases:
        headers = {"Authorization": f"Token {token}", "Accept": "application/json"} if case.api else {}
        saved = dict(client.cookies)
        if case.api:
            client.cookies = {}  # the API case authenticates by token only
        for _i in range(warmup):
            client.get(case.path, headers)
        samples, statuses = [], {}
        for _i in range(requests):
            status, ms = client.timed_get(case.path, headers)
            samples.append(ms)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        client.cookies = saved
        main_status = int(max(statuses, key=statuses.get)) if statuses else 0
        results.append(
            CaseResult(
                name=case.name,
                path=case.path,
                status=main_status,
                statuses=statuses,
                median_ms=round(percentile(samples, 50), 2),
                p95_ms=round(percentile(samples, 95), 2),
                min_ms=round(min(samples), 2) if samples else math.nan,
                max_ms=round(max(samples), 2) if samples else math.nan,
                queries=(queries.get(case.name) or {}).get("queries"),
                samples_ms=[round(s, 3) for s in samples],
            )
        )
    return results


def format_table(results: list[CaseResult]) -> str:
    headers = ("case", "status", "median ms", "p95 ms", "queries", "path")
    rows = [headers] + [
        (
            r.name,
            str(r.status),
            f"{r.median_ms:.1f}",
            f"{r.p95_ms:.1f}",
            "-" if r.queries is None else str(r.queries),
            r.path,
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers) - 1)]
    lines = []
    for i, row in enumerate(rows):
        cells = [row[j].rjust(widths[j]) if j else row[j].ljust(widths[j]) for j in range(len(widths))]
        lines.append("  ".join(cells + [row[-1]]))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  ----")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# PostgreSQL scratch database


def pg_create(url: str, name: str = SCRATCH_PG_NAME) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def pg_drop(url: str, name: str = SCRATCH_PG_NAME) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        except psycopg.Error:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


# ---------------------------------------------------------------------------------------------
# Parent: the whole run


def kam_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kam", *args]


def run(
    *,
    customers: int,
    requests: int,
    seed: int = 1,
    database_url: str | None = None,
    workers: int = 2,
    warmup: int = 3,
    keep: bool = False,
    log: Callable[[str], None] = print,
) -> dict:
    """The full benchmark; returns a JSON-able report."""
    workdir = tempfile.mkdtemp(prefix="kam-bench-")
    scratch_url = scratch_pg_url(database_url) if database_url else None
    env = scratch_env(os.environ, workdir=workdir, database_url=scratch_url)
    server: subprocess.Popen | None = None
    server_log = os.path.join(workdir, "server.log")
    try:
        if database_url:
            log(f"creating scratch database {SCRATCH_PG_NAME}")
            pg_create(database_url)
        facts_path = os.path.join(workdir, "facts.json")
        log(f"preparing the scratch database ({customers} customers)…")
        subprocess.run(
            kam_command("bench", "--prepare", facts_path, "--customers", str(customers), "--seed", str(seed)),
            env=env,
            check=True,
        )
        with open(facts_path, encoding="utf-8") as fh:
            facts = json.load(fh)
        port = free_port()
        with open(server_log, "wb") as out:
            server = subprocess.Popen(
                kam_command("serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        t0 = time.perf_counter()
        wait_until_up("127.0.0.1", port, process=server)
        log(f"server up on port {port} in {time.perf_counter() - t0:.1f} s")
        client = HttpClient("127.0.0.1", port)
        client.login(facts["username"], facts["password"])
        token = client.api_token(facts["username"], facts["password"])
        cases = build_cases(q=facts["search_term"], province=facts["province"], rating=facts["credit_rating"])
        results = measure(client, cases, token=token, requests=requests, warmup=warmup, queries=facts["queries"])
        report = {
            "database": facts["database"],
            "customers": facts["customers"],
            "contacts": facts["contacts"],
            "requests_per_case": requests,
            "warmup_per_case": warmup,
            "workers": workers,
            "gen_data_seconds": facts["gen_data_seconds"],
            "migrate_seconds": facts["migrate_seconds"],
            "search_term": facts["search_term"],
            "search_share": facts["search_share"],
            "cases": [asdict(r) for r in results],
        }
        return report
    except Exception:
        if os.path.exists(server_log):
            with open(server_log, encoding="utf-8", errors="replace") as fh:
                tail = fh.read()[-3000:]
            if tail.strip():
                log("server log (tail):\n" + tail)
        raise
    finally:
        if server is not None and server.poll() is None:
            server.terminate()  # gunicorn master (kam serve exec'd it): graceful stop
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if database_url:
            try:
                pg_drop(database_url)
            except Exception as exc:  # noqa: BLE001 — report, keep the original error
                log(f"could not drop scratch database {SCRATCH_PG_NAME}: {exc}")
        if keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
