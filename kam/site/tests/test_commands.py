"""``kam serve`` and ``kam bench``: argv, scratch environment and databases, percentiles, one tiny
real bench — and ``--help`` of every ``kam`` command."""

import io
import math
import os
import socket
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import ManagementUtility, call_command, get_commands
from django.core.management.base import CommandError

from kam.customers.bench import build_cases
from kam.site import bench
from kam.site.management.commands import serve


# --- kam <command> --help
def _kam_commands() -> list[str]:
    """Every command the ``kam`` entry point offers: Django's and KAM's own."""
    return sorted(get_commands())


@pytest.mark.parametrize("name", _kam_commands())
def test_help_of_every_command(name, capsys):
    """Lazy translated help texts used to crash argparse (TypeError … '__proxy__')."""
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["kam", name, "--help"]).execute()
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage:" in out and name in out


@pytest.mark.parametrize("name", ["demo", "gen_data", "bench", "serve"])
def test_kam_commands_show_their_own_help(name, capsys):
    with pytest.raises(SystemExit):
        ManagementUtility(["kam", name, "--help"]).execute()
    out = capsys.readouterr().out
    assert {"demo": "--help", "gen_data": "--customers", "bench": "--database-url", "serve": "--bind"}[name] in out


# --- kam serve
def test_gunicorn_argv_defaults():
    argv = serve.gunicorn_argv(bind="127.0.0.1:8123", workers=3)
    assert "config.wsgi:application" in argv
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert argv[argv.index("--workers") + 1] == "3"
    assert "--access-logfile" not in argv  # access log off by default
    assert "--access-logfile" in serve.gunicorn_argv(bind="x:1", workers=1, access_log=True)
    assert os.path.basename(argv[0]).startswith(("gunicorn", "python"))


def test_default_workers_is_capped():
    assert 3 <= serve.default_workers() <= 8


def test_serve_collects_static_then_execs_gunicorn(monkeypatch):
    calls = []
    monkeypatch.setattr(serve, "call_command", lambda *a, **kw: calls.append(("call", a, kw)))
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: calls.append(("exec", path, argv)))
    call_command("serve", "--bind", "127.0.0.1:9999", "--workers", "2", stdout=io.StringIO())
    assert calls[0][0] == "call" and calls[0][1] == ("collectstatic",)
    kind, path, argv = calls[1]
    assert kind == "exec" and path == argv[0]
    assert argv[argv.index("--workers") + 1] == "2"
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:9999"


@pytest.mark.parametrize("flag", [True, False])
def test_serve_with_worker_starts_one_worker_before_the_exec(monkeypatch, flag):
    """issue 8 §1: `make run` = `kam serve --with-worker`: one `kam worker --exit-with-parent`
    child, started before gunicorn takes over the process (so it stays gunicorn's child)."""
    calls = []
    monkeypatch.setattr(serve, "call_command", lambda *a, **kw: None)
    monkeypatch.setattr(serve, "start_worker", lambda: calls.append("worker"))
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: calls.append("exec"))
    args = ["serve", "--workers", "1"] + (["--with-worker"] if flag else [])
    call_command(*args, stdout=io.StringIO())
    assert calls == (["worker", "exec"] if flag else ["exec"])
    assert serve.worker_argv()[-4:] == ["kam", "worker", "--exit-with-parent", str(os.getpid())]


def test_serve_rejects_zero_workers(monkeypatch):
    monkeypatch.setattr(serve.os, "execv", lambda *a: pytest.fail("must not start"))
    with pytest.raises(CommandError):
        call_command("serve", "--workers", "0", "--no-collectstatic", stdout=io.StringIO())


# --- kam bench pieces
def test_percentile_interpolates():
    assert bench.percentile([4, 1, 3, 2], 50) == 2.5
    assert bench.percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert bench.percentile([1, 2, 3, 4], 0) == 1
    assert bench.percentile([1, 2, 3, 4], 100) == 4
    assert bench.percentile([7.0], 95) == 7.0
    assert math.isnan(bench.percentile([], 50))


def test_scratch_env_sqlite_never_points_at_the_main_database(tmp_path):
    base = {
        "KAM_DEBUG": "1",
        "DATABASE_URL": "postgresql://u:p@db/kam",
        "KAM_SQLITE_PATH": "/srv/kam.sqlite3",
        "X": "y",
    }
    env = bench.scratch_env(base, workdir=str(tmp_path))
    assert "KAM_DEBUG" not in env and "DATABASE_URL" not in env
    assert env["KAM_SQLITE_PATH"].startswith(str(tmp_path))
    assert env["KAM_STATIC_ROOT"].startswith(str(tmp_path))
    assert env["KAM_AXES_ENABLED"] == "0" and env["X"] == "y"
    assert base["KAM_DEBUG"] == "1"  # the caller's mapping is untouched


def test_scratch_env_has_a_secret_key(tmp_path):
    """The children run without KAM_DEBUG, so they need a key: the caller's, else a random one."""
    env = bench.scratch_env({"KAM_DEBUG": "1"}, workdir=str(tmp_path))
    assert len(env["KAM_SECRET_KEY"]) >= 50
    assert env["KAM_SECRET_KEY"] != bench.scratch_env({}, workdir=str(tmp_path))["KAM_SECRET_KEY"]
    assert bench.scratch_env({"KAM_SECRET_KEY": "mine"}, workdir=str(tmp_path))["KAM_SECRET_KEY"] == "mine"
    from_file = bench.scratch_env({"KAM_SECRET_KEY_FILE": "/run/secrets/kam"}, workdir=str(tmp_path))
    assert from_file["KAM_SECRET_KEY_FILE"] == "/run/secrets/kam" and "KAM_SECRET_KEY" not in from_file


def test_pg_target_uses_the_named_database_or_a_unique_scratch_name(tmp_path):
    target = bench.pg_target("postgresql://u:p@db:5432/kam_bench_7?sslmode=require")
    assert target.url == "postgresql://u:p@db:5432/kam_bench_7?sslmode=require"
    assert target.name == "kam_bench_7"
    assert target.admin_url == "postgresql://u:p@db:5432/postgres?sslmode=require"
    a, b = bench.pg_target("postgresql://u@db:5432/"), bench.pg_target("postgresql://u@db:5432")
    assert a.name.startswith("kam_bench_") and b.name.startswith("kam_bench_") and a.name != b.name
    env = bench.scratch_env({"KAM_SQLITE_PATH": "/srv/x"}, workdir=str(tmp_path), database_url=target.url)
    assert env["DATABASE_URL"] == target.url and "KAM_SQLITE_PATH" not in env
    with pytest.raises(ValueError):
        bench.pg_target("mysql://u@h/db")


def _pg_url() -> str | None:
    """The test PostgreSQL server, when one answers (CI and this machine have one)."""
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect(("127.0.0.1", 5432))
    except OSError:
        return None
    finally:
        s.close()
    return "postgresql://postgres@127.0.0.1:5432"


def test_bench_creates_and_drops_only_its_own_database():
    base = _pg_url()
    if base is None:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    import psycopg

    name = "kam_bench_t" + uuid.uuid4().hex[:8]
    target = bench.pg_target(f"{base}/{name}")
    assert bench.pg_prepare(target) is True  # created
    try:
        with psycopg.connect(target.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE someone_elses (id int)")
        # a database holding tables is refused — and left alone
        with pytest.raises(ValueError, match="already holds 1 tables"):
            bench.pg_prepare(target)
        with psycopg.connect(target.url, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM someone_elses").fetchone() == (0,)
            conn.execute("DROP TABLE someone_elses")
        assert bench.pg_prepare(target) is False  # exists and empty: used, not created
    finally:
        bench.pg_drop(target)
    with psycopg.connect(target.admin_url, autocommit=True) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None


def test_unreachable_server_is_a_one_line_error():
    with pytest.raises(CommandError) as exc_info:
        call_command(
            "bench",
            "--customers",
            "1",
            "--database-url",
            "postgresql://nobody@127.0.0.1:1/kam_bench_x",
            stdout=io.StringIO(),
        )
    message = str(exc_info.value)
    assert "cannot reach PostgreSQL at 127.0.0.1:1" in message and "\n" not in message


def test_busy_port_is_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(CommandError, match=f"port {port} is already in use"):
            call_command("bench", "--customers", "1", "--port", str(port), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("bench", "--port", "70000", stdout=io.StringIO())


def test_cases_cover_html_and_api():
    cases = [bench.Case(*c) for c in build_cases(q="电子", province="上海市", rating="A")]
    assert [c.name for c in cases] == [
        "html list",
        "html filter",
        "html search",
        "html list 100 rows",
        "api list",
        "api filter",
        "api search",
        "api list 100 rows",
    ]
    assert [c.api for c in cases] == [False] * 4 + [True] * 4
    flt = parse_qs(urlsplit(cases[1].path).query)
    assert flt == {"province": ["上海市"], "credit_rating": ["A"], "page_size": ["20"]}
    # the page size is remembered per user: every HTML case names its own
    assert [parse_qs(urlsplit(c.path).query)["page_size"] for c in cases[:4]] == [["20"]] * 3 + [["100"]]
    assert parse_qs(urlsplit(cases[6].path).query) == {"q": ["电子"]}
    assert parse_qs(urlsplit(cases[7].path).query) == {"page_size": ["100"]}
    assert cases[4].path == "/api/v1/customers/"


def test_format_table_lists_every_case():
    results = [
        bench.CaseResult("html list", "/customers/", 200, {"200": 5}, 12.5, 20.25, 10.0, 21.0, 7),
        bench.CaseResult("api list", "/api/v1/customers/", 200, {"200": 5}, 5.0, 6.0, 4.0, 7.0, None),
    ]
    table = bench.format_table(results)
    assert "html list" in table and "12.5" in table and "20.2" in table and "-" in table


def test_bench_rejects_bad_arguments():
    with pytest.raises(CommandError):
        call_command("bench", "--customers", "0", stdout=io.StringIO())


def test_tiny_bench_end_to_end(tmp_path):
    """300 customers, 5 requests per case: scratch SQLite, real gunicorn, real HTTP (~10 s)."""
    report = bench.run(customers=300, requests=5, warmup=1, workers=1, log=lambda msg: None)
    assert report["customers"] == 300 and report["contacts"] == 900
    assert report["database"] == "sqlite"
    assert 0 < report["search_share"] < 0.2
    assert [c["name"] for c in report["cases"]] == [
        name for name, _p, _a in build_cases(q="x", province="y", rating="A")
    ]
    for case in report["cases"]:
        assert case["status"] == 200, case
        assert len(case["samples_ms"]) == 5 and case["median_ms"] > 0 and case["p95_ms"] >= case["median_ms"]
        assert isinstance(case["queries"], int) and 0 < case["queries"] <= 15
