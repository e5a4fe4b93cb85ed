"""The performance benchmark behind ``kam bench``.

It never touches the configured database: it loads ``gen-data`` into a *scratch* database and
starts ``kam serve`` against it, then times sequential requests to the cases the apps register
(registry key ``bench_cases``: the customer list page and API today).

The scratch database is a SQLite file in a temporary directory, or — with ``--database-url`` —
the PostgreSQL database that URL names: created by the bench if it does not exist (and then
dropped afterwards), used as it is if it exists and is empty, refused if it holds tables. A URL
without a database name gets a new database with a unique name (``kam_bench_<random>``), dropped
afterwards. Two benches on one server never touch each other's data.

Two processes share the work:

* :func:`prepare` runs in a child ``kam bench --prepare FILE`` with the scratch environment:
  migrate, gen-data, a bench director (director role at the root) with a random password, the
  registered cases and — in-process, with Django's test client and ``CaptureQueriesContext`` —
  the SQL queries each case issues. It writes what the parent needs to FILE as JSON.
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
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit, urlunsplit

BENCH_USERNAME = "bench_director"
SCRATCH_PREFIX = "kam_bench_"


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


@dataclass(frozen=True)
class PgTarget:
    """The PostgreSQL database a bench runs on: ``url`` names it; ``admin_url`` the server's
    maintenance database (for CREATE/DROP DATABASE); ``name`` the database."""

    url: str
    admin_url: str
    name: str


def pg_target(url: str) -> PgTarget:
    """The database ``url`` names, or a new unique ``kam_bench_…`` name when it names none."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise ValueError(f"not a PostgreSQL URL: {parts.scheme or url}")
    name = parts.path.strip("/") or SCRATCH_PREFIX + secrets.token_hex(4)
    db_url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))
    return PgTarget(url=db_url, admin_url=admin_url, name=name)


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


# ---------------------------------------------------------------------------------------------
# Child: prepare the scratch database


def prepare(*, customers: int, seed: int, out_path: str, log: Callable[[str], None] = print) -> dict:
    """Migrate and fill the scratch database, create the bench director, collect the registered
    cases and count each case's queries in-process; write and return the facts the parent needs."""
    import io

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from kam.core.registry import registry
    from kam.org.models import OrgUnit, Role, RoleGrant, User

    # the in-process query count renders pages too: they need the static manifest
    call_command("collectstatic", interactive=False, verbosity=0)
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

    ctx = SimpleNamespace(facts={}, user=user, customers=customers)
    cases = [Case(*c) for entry in registry["bench_cases"] for c in entry.prepare(ctx)]
    os.makedirs(settings.STATIC_ROOT, exist_ok=True)  # whitenoise warns about a missing root
    client = Client()
    client.force_login(user)
    queries: dict[str, dict] = {}
    for case in cases:
        extra = {"HTTP_AUTHORIZATION": f"Token {token.key}"} if case.api else {}
        client.get(case.path, **extra)  # warm caches (content types, translations)
        with CaptureQueriesContext(connection) as ctx_queries:
            response = client.get(case.path, **extra)
        queries[case.name] = {"queries": len(ctx_queries.captured_queries), "status": response.status_code}

    facts = {
        "customers": 0,
        "contacts": 0,
        **ctx.facts,
        "database": connection.vendor,
        "migrate_seconds": round(t_migrate, 2),
        "gen_data_seconds": round(t_gen, 2),
        "username": BENCH_USERNAME,
        "password": password,
        "cases": [asdict(c) for c in cases],
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


def _pg_connect(url: str):
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        parts = urlsplit(url)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RuntimeError(
            f"cannot reach PostgreSQL at {parts.hostname or 'localhost'}:{parts.port or 5432}: {first}"
        ) from exc


def pg_prepare(target: PgTarget) -> bool:
    """Make sure the target database exists and is empty; True if the bench created it (and
    so must drop it). A database that already holds tables is refused."""
    from psycopg import sql

    with _pg_connect(target.admin_url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target.name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.name)))
            return True
    with _pg_connect(target.url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()[0]
    if tables:
        raise ValueError(
            f"the database {target.name} already holds {tables} tables; the bench needs a new or an empty "
            "database (give a new name, or a URL without a database name for a scratch one)"
        )
    return False


def pg_drop(target: PgTarget) -> None:
    import psycopg
    from psycopg import sql

    with _pg_connect(target.admin_url) as conn:
        try:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target.name)))
        except psycopg.Error:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(target.name)))


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


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
    port: int | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """The full benchmark; returns a JSON-able report. ``ValueError``/``RuntimeError`` carry a
    one-line message for the user (unreachable server, a database in use, a busy port)."""
    if port is not None and not port_free(port):
        raise RuntimeError(f"port {port} is already in use on 127.0.0.1; choose another with --port")
    target = pg_target(database_url) if database_url else None
    created = False
    workdir = tempfile.mkdtemp(prefix="kam-bench-")
    server: subprocess.Popen | None = None
    server_log = os.path.join(workdir, "server.log")
    try:
        if target is not None:
            created = pg_prepare(target)
            log(f"{'created' if created else 'using the empty'} database {target.name}")
        env = scratch_env(os.environ, workdir=workdir, database_url=target.url if target else None)
        facts_path = os.path.join(workdir, "facts.json")
        log(f"preparing the scratch database ({customers} customers)…")
        subprocess.run(
            kam_command("bench", "--prepare", facts_path, "--customers", str(customers), "--seed", str(seed)),
            env=env,
            check=True,
        )
        with open(facts_path, encoding="utf-8") as fh:
            facts = json.load(fh)
        port = port or free_port()
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
        cases = [Case(**c) for c in facts["cases"]]
        results = measure(client, cases, token=token, requests=requests, warmup=warmup, queries=facts["queries"])
        report = {
            key: facts.get(key)
            for key in (
                "database",
                "customers",
                "contacts",
                "gen_data_seconds",
                "migrate_seconds",
                "search_term",
                "search_share",
            )
        }
        report.update(
            {
                "database_name": target.name if target else None,
                "requests_per_case": requests,
                "warmup_per_case": warmup,
                "workers": workers,
                "port": port,
                "cases": [asdict(r) for r in results],
            }
        )
        return report
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"preparing the scratch database failed (exit code {exc.returncode}; see above)") from exc
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
        if target is not None and created:
            try:
                pg_drop(target)
            except Exception as exc:  # noqa: BLE001 — report, keep the original error
                log(f"could not drop the scratch database {target.name}: {exc}")
        if keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
