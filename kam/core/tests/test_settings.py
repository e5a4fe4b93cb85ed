"""config/settings.py refuses bad or missing configuration loudly: strict booleans and numbers,
a required secret key outside development, ``*_FILE`` secrets; and `make secret` makes a
development key once. The settings are imported in a child process with a controlled environment."""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_bool, env_choice, env_float, env_int, env_secret

ROOT = Path(__file__).resolve().parents[3]
KEY = "kam-settings-test-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH"


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any KAM setting (nor make's), plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KAM_", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"))
        and k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")
    }
    env["KAM_DATA_DIR"] = str(tmp_path / "data")
    env.update(extra)
    return env


def load_settings(tmp_path: Path, code: str = "", **extra: str) -> subprocess.CompletedProcess:
    """``import config.settings`` (then ``code``) in a child Python with a controlled environment."""
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s\n" + code],
        env=clean_env(tmp_path, **extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def refused(out: subprocess.CompletedProcess) -> str:
    """The settings error of a child that must have failed: its last stderr line."""
    assert out.returncode != 0, out.stdout + out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), out.stderr
    assert "ValueError" not in out.stderr  # a clear settings error, not a bare parse traceback
    return last


# --- booleans and numbers: strict, with a message naming the variable
@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "On"])
def test_env_bool_true_spellings(monkeypatch, value):
    monkeypatch.setenv("KAM_X", value)
    assert env_bool("KAM_X", False) is True


@pytest.mark.parametrize("value", ["0", "false", "No", " OFF ", ""])
def test_env_bool_false_spellings(monkeypatch, value):
    monkeypatch.setenv("KAM_X", value)
    assert env_bool("KAM_X", True) is False


def test_env_bool_unset_is_the_default(monkeypatch):
    monkeypatch.delenv("KAM_X", raising=False)
    assert env_bool("KAM_X", True) is True and env_bool("KAM_X", False) is False


@pytest.mark.parametrize("value", ["ture", "2", "y", "enabled", "1 0"])
def test_env_bool_rejects_anything_else(monkeypatch, value):
    monkeypatch.setenv("KAM_X", value)
    with pytest.raises(ImproperlyConfigured) as exc:
        env_bool("KAM_X")
    assert str(exc.value) == f"KAM_X={value} is not a boolean: use 1/0, true/false, yes/no or on/off"


def test_env_int_and_float(monkeypatch):
    monkeypatch.delenv("KAM_N", raising=False)
    assert env_int("KAM_N", 7) == 7 and env_float("KAM_N", 0.5) == 0.5
    monkeypatch.setenv("KAM_N", " 42 ")
    assert env_int("KAM_N", 7) == 42 and env_float("KAM_N", 0.5) == 42.0
    for bad in ("4.5", "12h", ""):
        monkeypatch.setenv("KAM_N", bad)
        with pytest.raises(ImproperlyConfigured, match=f"^KAM_N={bad} is not an integer"):
            env_int("KAM_N", 7)
    for bad in ("quarter", "nan", "inf", ""):
        monkeypatch.setenv("KAM_N", bad)
        with pytest.raises(ImproperlyConfigured, match=f"^KAM_N={bad} is not a number"):
            env_float("KAM_N", 0.5)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "value"), [("KAM_DEBUG", "ture"), ("KAM_HTTPS", "maybe"), ("KAM_AXES_ENABLED", "2")])
def test_unknown_boolean_refuses_to_start(tmp_path, name, value):
    msg = refused(load_settings(tmp_path, KAM_SECRET_KEY=KEY, **{name: value}))
    assert f"{name}={value} is not a boolean: use 1/0, true/false, yes/no or on/off" in msg


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [
        ("KAM_HSTS_SECONDS", "1y", "an integer"),
        ("KAM_LOGIN_FAILURE_LIMIT", "five", "an integer"),
        ("KAM_SESSION_SECONDS", "12h", "an integer"),
        ("KAM_DB_CONN_MAX_AGE", "10.5", "an integer"),
        ("KAM_LOGIN_COOLOFF_HOURS", "15min", "a number"),
    ],
)
def test_bad_number_refuses_to_start(tmp_path, name, value, kind):
    msg = refused(load_settings(tmp_path, KAM_SECRET_KEY=KEY, **{name: value}))
    assert f"{name}={value} is not {kind}" in msg


# --- choices (KAM_DUPLICATE_CHECK)
def test_env_choice(monkeypatch):
    monkeypatch.delenv("KAM_C", raising=False)
    assert env_choice("KAM_C", "warn", ("warn", "block")) == "warn"
    for spelling in ("block", " BLOCK ", "Block"):
        monkeypatch.setenv("KAM_C", spelling)
        assert env_choice("KAM_C", "warn", ("warn", "block")) == "block"
    for bad in ("blocked", "", "warn,block"):
        monkeypatch.setenv("KAM_C", bad)
        with pytest.raises(ImproperlyConfigured) as exc:
            env_choice("KAM_C", "warn", ("warn", "block"))
        assert str(exc.value) == f"KAM_C={bad} is not a valid choice: use warn or block"


@pytest.mark.slow
def test_duplicate_check_mode_is_read_and_checked_at_start_up(tmp_path):
    out = load_settings(tmp_path, "print(s.KAM_DUPLICATE_CHECK)", KAM_SECRET_KEY=KEY)
    assert out.returncode == 0 and out.stdout.strip() == "warn", out.stderr
    out = load_settings(tmp_path, "print(s.KAM_DUPLICATE_CHECK)", KAM_SECRET_KEY=KEY, KAM_DUPLICATE_CHECK="Block")
    assert out.returncode == 0 and out.stdout.strip() == "block", out.stderr
    msg = refused(load_settings(tmp_path, KAM_SECRET_KEY=KEY, KAM_DUPLICATE_CHECK="strict"))
    assert "KAM_DUPLICATE_CHECK=strict is not a valid choice: use warn or block" in msg


# --- *_FILE variants of the secrets
def test_env_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("KAM_S", raising=False)
    monkeypatch.delenv("KAM_S_FILE", raising=False)
    assert env_secret("KAM_S") is None and env_secret("KAM_S", "dflt") == "dflt"
    monkeypatch.setenv("KAM_S", "direct")
    assert env_secret("KAM_S", "dflt") == "direct"
    secret = tmp_path / "s"
    secret.write_text("from-file \n\n", encoding="utf-8")
    monkeypatch.setenv("KAM_S_FILE", str(secret))
    with pytest.raises(ImproperlyConfigured, match="both KAM_S and KAM_S_FILE are set"):
        env_secret("KAM_S")
    monkeypatch.setenv("KAM_S", "")  # an empty variable counts as unset
    assert env_secret("KAM_S") == "from-file"
    secret.write_text("\n", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match="the file is empty"):
        env_secret("KAM_S")
    secret.write_bytes(b"\xff\xfe")
    with pytest.raises(ImproperlyConfigured, match="not UTF-8"):
        env_secret("KAM_S")
    monkeypatch.setenv("KAM_S_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match=f"KAM_S_FILE={tmp_path / 'missing'}: cannot read"):
        env_secret("KAM_S")


@pytest.mark.slow
def test_file_variants_are_read(tmp_path):
    files = {
        "KAM_SECRET_KEY_FILE": KEY + "\n",
        "DATABASE_URL_FILE": "postgres://kam:pw@db.example:5432/kamdb\n",
        "KAM_REDIS_URL_FILE": "redis://cache.example:6379/3 \n",
        "KAM_DEMO_PASSWORD_FILE": "demo-from-file\r\n",
    }
    extra = {}
    for name, content in files.items():
        path = tmp_path / name.lower()
        path.write_text(content, encoding="utf-8")
        extra[name] = str(path)
    code = (
        "db = s.DATABASES['default']\n"
        "print(s.SECRET_KEY, db['ENGINE'], db['HOST'], db['NAME'], db['PASSWORD'],"
        " s.CACHES['default']['LOCATION'], s.KAM_DEMO_PASSWORD)"
    )
    out = load_settings(tmp_path, code, **extra)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        KEY,
        "django.db.backends.postgresql",
        "db.example",
        "kamdb",
        "pw",
        "redis://cache.example:6379/3",
        "demo-from-file",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["KAM_SECRET_KEY", "DATABASE_URL", "KAM_REDIS_URL", "KAM_DEMO_PASSWORD"])
def test_variable_and_its_file_together_refuse_to_start(tmp_path, name):
    path = tmp_path / "value"
    path.write_text("something\n", encoding="utf-8")
    extra = {"KAM_SECRET_KEY": KEY, name: "postgres://u@h/db", f"{name}_FILE": str(path)}
    msg = refused(load_settings(tmp_path, **extra))
    assert f"both {name} and {name}_FILE are set" in msg


@pytest.mark.slow
def test_missing_secret_file_refuses_to_start_and_names_it(tmp_path):
    missing = tmp_path / "no" / "such_key"
    msg = refused(load_settings(tmp_path, KAM_SECRET_KEY_FILE=str(missing)))
    assert f"KAM_SECRET_KEY_FILE={missing}: cannot read the file" in msg


# --- the secret key: required unless KAM_DEBUG=1
@pytest.mark.slow
@pytest.mark.parametrize("debug", [None, "0", "off"])
def test_missing_secret_key_refuses_to_start_outside_debug(tmp_path, debug):
    extra = {} if debug is None else {"KAM_DEBUG": debug}
    msg = refused(load_settings(tmp_path, **extra))
    assert "KAM_SECRET_KEY is not set" in msg and "KAM_SECRET_KEY_FILE" in msg
    assert "python -c 'import secrets; print(secrets.token_urlsafe(50))'" in msg


@pytest.mark.slow
def test_empty_secret_key_counts_as_missing(tmp_path):
    assert "KAM_SECRET_KEY is not set" in refused(load_settings(tmp_path, KAM_SECRET_KEY=""))


@pytest.mark.slow
def test_debug_starts_with_a_development_key(tmp_path):
    out = load_settings(tmp_path, "print(s.DEBUG, s.SECRET_KEY)", KAM_DEBUG="1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "django-insecure-kam-development-key-never-use-in-production-0123456789"]


@pytest.mark.slow
def test_secret_key_from_the_environment(tmp_path):
    out = load_settings(tmp_path, "print(s.DEBUG, s.SECRET_KEY)", KAM_SECRET_KEY=KEY)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", KEY]


@pytest.mark.slow
def test_kam_check_refuses_without_a_key_and_passes_with_a_key_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    kam = [sys.executable, "-m", "kam", "check"]
    run = dict(cwd=ROOT, capture_output=True, text=True, timeout=120)
    bad = subprocess.run(kam, env=clean_env(tmp_path, KAM_DEBUG="0"), **run)
    assert bad.returncode == 2 and "KAM_SECRET_KEY is not set" in bad.stderr
    assert bad.stderr.startswith("kam: ") and "Traceback" not in bad.stderr  # one line, not a traceback
    good = subprocess.run(kam, env=clean_env(tmp_path, KAM_DEBUG="0", KAM_SECRET_KEY_FILE=str(key_file)), **run)
    assert good.returncode == 0, good.stderr
    assert "System check identified no issues" in good.stdout


# --- `make secret`: the newcomer's key for `make run`
def make(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-s", *args, f"KAM_DATA_DIR={tmp_path / 'data'}"],
        env=clean_env(tmp_path, **extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


@pytest.mark.slow
@needs_make
def test_make_secret_generates_the_key_once_and_never_overwrites_it(tmp_path):
    key_file = tmp_path / "data" / "secret_key"
    out = make(tmp_path, "secret")
    assert out.returncode == 0, out.stdout + out.stderr
    key = key_file.read_text(encoding="utf-8").strip()
    assert len(key) >= 50 and key.isprintable()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not list(key_file.parent.glob("*.tmp"))

    assert make(tmp_path, "secret").returncode == 0
    assert key_file.read_text(encoding="utf-8").strip() == key  # kept, not regenerated
    key_file.write_text("my-own-key-" + "k" * 50 + "\n", encoding="utf-8")
    assert make(tmp_path, "secret").returncode == 0
    assert key_file.read_text(encoding="utf-8") == "my-own-key-" + "k" * 50 + "\n"  # never overwritten

    # and the generated key is one the settings accept
    fresh = tmp_path / "fresh"
    assert make(fresh, "secret").returncode == 0
    out = load_settings(tmp_path, "print(s.SECRET_KEY)", KAM_SECRET_KEY_FILE=str(fresh / "data" / "secret_key"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (fresh / "data" / "secret_key").read_text(encoding="utf-8").strip()


@pytest.mark.slow
@needs_make
def test_make_passes_the_key_file_to_kam_unless_the_user_set_a_key(tmp_path):
    key_file = tmp_path / "data" / "secret_key"
    plan = make(tmp_path, "-n", "migrate", "demo", "serve", "openapi", "bench", "messages")
    assert plan.returncode == 0, plan.stderr
    kam_lines = [line for line in plan.stdout.splitlines() if "/kam " in line]
    assert len(kam_lines) == 6, plan.stdout
    assert all(line.startswith(f"KAM_SECRET_KEY_FILE={key_file} ") for line in kam_lines), kam_lines

    for user_key in ({"KAM_SECRET_KEY": KEY}, {"KAM_SECRET_KEY_FILE": str(tmp_path / "mine")}):
        out = make(tmp_path, "secret", **user_key)
        assert out.returncode == 0 and not key_file.exists()  # nothing generated
        plan = make(tmp_path, "-n", "migrate", **user_key)
        kam_lines = [line for line in plan.stdout.splitlines() if "/kam " in line]
        assert kam_lines and not any("KAM_SECRET_KEY_FILE=" in line for line in kam_lines), plan.stdout
