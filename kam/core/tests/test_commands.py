"""``kam serve`` and ``kam bench``: argv, scratch environment, percentiles, and one tiny real bench."""

import io
import math
import os
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kam.core import bench
from kam.core.management.commands import serve


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


def test_scratch_env_postgresql(tmp_path):
    url = bench.scratch_pg_url("postgresql://u:p@db:5432/kam?sslmode=require")
    assert url == "postgresql://u:p@db:5432/kam_bench?sslmode=require"
    env = bench.scratch_env({"KAM_SQLITE_PATH": "/srv/x"}, workdir=str(tmp_path), database_url=url)
    assert env["DATABASE_URL"] == url and "KAM_SQLITE_PATH" not in env
    with pytest.raises(ValueError):
        bench.scratch_pg_url("mysql://u@h/db")
    with pytest.raises(ValueError):
        bench.scratch_pg_url("postgresql://u@h/kam_bench")


def test_cases_cover_html_and_api():
    cases = bench.build_cases(q="电子", province="上海市", rating="A")
    assert [c.name for c in cases] == [
        "html list",
        "html filter",
        "html search",
        "api list",
        "api filter",
        "api search",
    ]
    assert [c.api for c in cases] == [False] * 3 + [True] * 3
    flt = parse_qs(urlsplit(cases[1].path).query)
    assert flt == {"province": ["上海市"], "credit_rating": ["A"]}
    assert parse_qs(urlsplit(cases[5].path).query) == {"q": ["电子"]}
    assert cases[3].path == "/api/v1/customers/"


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
    assert [c["name"] for c in report["cases"]] == [c.name for c in bench.build_cases(q="x", province="y", rating="A")]
    for case in report["cases"]:
        assert case["status"] == 200, case
        assert len(case["samples_ms"]) == 5 and case["median_ms"] > 0 and case["p95_ms"] >= case["median_ms"]
        assert isinstance(case["queries"], int) and 0 < case["queries"] <= 15
