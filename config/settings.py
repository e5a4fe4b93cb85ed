"""KAM settings — one module, driven by environment variables.

Every knob that differs between a laptop and production is an environment variable;
see README.md "Configuration" for the full list.
"""

import math
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    """1/true/yes/on → True, 0/false/no/off/empty → False (any case); anything else is an error."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value} is not a boolean: use 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value} is not an integer (e.g. {name}={default})") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = float(value.strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ImproperlyConfigured(f"{name}={value} is not a number (e.g. {name}={default})")
    return number


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (any case, surrounding spaces ignored); anything else — empty included — is an error."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word not in choices:
        raise ImproperlyConfigured(f"{name}={value} is not a valid choice: use {' or '.join(choices)}")
    return word


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str | None = None) -> str | None:
    """The value of ``name``, or the content of the file named by ``name``_FILE (Docker/systemd
    secrets; trailing whitespace stripped). Setting both is an error, and so is a file that
    cannot be read. An empty variable counts as unset."""
    file_name = f"{name}_FILE"
    value = os.environ.get(name) or None
    path = os.environ.get(file_name) or None
    if value is not None and path is not None:
        raise ImproperlyConfigured(f"both {name} and {file_name} are set: set only one of them")
    if path is None:
        return value if value is not None else default
    try:
        with open(path, encoding="utf-8") as fh:
            content = fh.read().rstrip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{file_name}={path}: cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ImproperlyConfigured(f"{file_name}={path}: the file is not UTF-8 text") from None
    if not content:
        raise ImproperlyConfigured(f"{file_name}={path}: the file is empty")
    return content


DEBUG = env_bool("KAM_DEBUG", False)
# No key, no start — except in development (KAM_DEBUG=1). `make run` generates var/secret_key.
SECRET_KEY = env_secret("KAM_SECRET_KEY") or ""
if not SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured(
        "KAM_SECRET_KEY is not set: set KAM_SECRET_KEY to a long random string, or KAM_SECRET_KEY_FILE "
        "to a file holding one. Make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'. "
        "(`make run` generates var/secret_key for you; KAM_DEBUG=1 falls back to a development key.)"
    )
# the "django-insecure-" prefix makes `check --deploy` flag it (security.W009)
SECRET_KEY = SECRET_KEY or "django-insecure-kam-development-key-never-use-in-production-0123456789"
ALLOWED_HOSTS = env_list("KAM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("KAM_CSRF_TRUSTED_ORIGINS")
DATA_DIR = Path(os.environ.get("KAM_DATA_DIR", BASE_DIR / "var"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "template_partials",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # KAM's apps, lowest layer first (architecture.md "Layers"); each plugs into the registry
    "kam.core",
    "kam.core.jobs",
    "kam.core.notifications",
    "kam.org",
    "kam.customers",
    "kam.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kam.core.middleware.KamLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kam.core.middleware.ChangeContextMiddleware",
    # one notification per recipient per request, however many transactions it commits
    "kam.core.notifications.producers.BatchMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kam.site.context_processors.navigation",
            ],
            # {% icon "name" %} on every page without a {% load %}
            "builtins": ["kam.core.templatetags.kam_icons"],
        },
    }
]

# --- Database: embedded SQLite (WAL) by default, PostgreSQL when DATABASE_URL is set.
DATABASE_URL = env_secret("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("KAM_SQLITE_PATH", str(DATA_DIR / "kam.sqlite3")),
            # keep each worker's connection (and its page cache) instead of reopening per request
            "CONN_MAX_AGE": env_int("KAM_DB_CONN_MAX_AGE", 600),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;PRAGMA cache_size=-65536;PRAGMA mmap_size=268435456;"
                    "PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users, passwords, login lockout
AUTH_USER_MODEL = "org.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("KAM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("KAM_LOGIN_COOLOFF_HOURS", 0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("KAM_AXES_ENABLED", True)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- i18n: zh-hans first, English second
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("KAM_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files (vendored browser assets, served by whitenoise)
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("KAM_STATIC_ROOT", DATA_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("KAM_MANIFEST_STATIC", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_ROOT.exists()
MEDIA_ROOT = Path(os.environ.get("KAM_MEDIA_ROOT", DATA_DIR / "media"))

# --- Security headers. HTTPS-only settings switch on with KAM_HTTPS=1 (production behind TLS).
HTTPS = env_bool("KAM_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("KAM_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("KAM_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("KAM_BEHIND_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("KAM_SESSION_SECONDS", 60 * 60 * 12)
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the cookie-less meta tag; keep default

# --- Cache: local memory by default, Redis when KAM_REDIS_URL is set (shared by all app servers).
REDIS_URL = env_secret("KAM_REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- E-mail (notifications): SMTP when KAM_EMAIL_HOST is set, else written to the console (the
# tests use Django's in-memory outbox). STARTTLS by default (KAM_EMAIL_TLS), or SSL on connect.
EMAIL_HOST = os.environ.get("KAM_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("KAM_EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("KAM_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_secret("KAM_EMAIL_PASSWORD") or ""
    EMAIL_USE_TLS = env_bool("KAM_EMAIL_TLS", True)
    EMAIL_USE_SSL = env_bool("KAM_EMAIL_SSL", False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("KAM_EMAIL_TLS and KAM_EMAIL_SSL are both on: set only one of them")
    EMAIL_TIMEOUT = env_int("KAM_EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("KAM_EMAIL_FROM", "KAM <kam@localhost>")
# the address of this site in links sent out by e-mail and group robots
KAM_BASE_URL = os.environ.get("KAM_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Group robots (企业微信 / 钉钉 群机器人): webhooks only on these hosts (over https), at most
# this many messages a minute per robot (more wait their turn), each request with this timeout
KAM_ROBOT_HOSTS = env_list("KAM_ROBOT_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")
KAM_ROBOT_PER_MINUTE = env_int("KAM_ROBOT_PER_MINUTE", 20)
KAM_ROBOT_TIMEOUT = env_float("KAM_ROBOT_TIMEOUT", 5.0)
# a failed e-mail or robot message is tried this many times in all, then marked failed
KAM_NOTIFY_MAX_ATTEMPTS = env_int("KAM_NOTIFY_MAX_ATTEMPTS", 5)

# --- Background jobs (django-tasks, kam.core.jobs): the database backend by default (nothing
# else to run), RQ on Redis when KAM_REDIS_URL is set; `kam worker` runs either.
KAM_JOB_TIMEOUT = env_int("KAM_JOB_TIMEOUT", 3600)  # seconds an RQ job may run
if REDIS_URL:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db") + 1, "django_rq")
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_rq") + 1, "django_tasks_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": KAM_JOB_TIMEOUT}}
    CACHES["jobs"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    # progress reported inside a job's own transaction, shared by the worker and web processes
    CACHES["jobs"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "jobs"),
    }
KAM_JOBS_CACHE = "jobs"
# a job writes its progress at most this often (seconds)
KAM_JOB_PROGRESS_SECONDS = env_float("KAM_JOB_PROGRESS_SECONDS", 0.5)
# the reaper fails a job or scheduled run "running" without a sign of life for this long
KAM_JOB_STUCK_SECONDS = env_int("KAM_JOB_STUCK_SECONDS", 900)
# the nightly jobs.prune job deletes finished jobs (and their files) older than this
KAM_JOB_KEEP_DAYS = env_int("KAM_JOB_KEEP_DAYS", 90)
# how often `kam worker` ticks the scheduler and the reaper (seconds)
KAM_SCHEDULER_SECONDS = env_float("KAM_SCHEDULER_SECONDS", 15)

# --- Lists: rows per page of every list page and API list (the API's ?page_size= goes up to 200)
KAM_PAGE_SIZE = env_int("KAM_PAGE_SIZE", 25)

# --- REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON through KAM's parser (size and nesting limits, finite numbers only); forms as DRF's
    "DEFAULT_PARSER_CLASSES": [
        "kam.core.parsers.KamJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "kam.core.api.StandardPagination",
    "PAGE_SIZE": KAM_PAGE_SIZE,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"login": os.environ.get("KAM_API_LOGIN_RATE", "20/min")},
    "EXCEPTION_HANDLER": "kam.core.api.exception_handler",
    # the client address for throttling comes from X-Forwarded-For only behind our own proxy
    "NUM_PROXIES": 1 if env_bool("KAM_BEHIND_PROXY") else 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KAM API",
    "DESCRIPTION": "大客户管理系统 KAM — REST API. Authenticate with POST /api/v1/auth/token/ "
    "and send `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": "/static/kam/favicon.svg",
    # Tags and stable enum names come from the apps (registry key "api_schema", applied by
    # kam.site when it starts).
    "ENUM_NAME_OVERRIDES": {},
    "TAGS": [],
}

# --- Logging: one line per event to stderr; production collects it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KAM_LOG_LEVEL", "WARNING")},
}

# --- KAM business settings
KAM_DEMO_PASSWORD = env_secret("KAM_DEMO_PASSWORD", "kam-demo-2026")
# the workbench lists customers whose file nobody has changed for this many days
KAM_UNTOUCHED_DAYS = env_int("KAM_UNTOUCHED_DAYS", 90)
# the duplicate check (查重, kam/customers/duplicates.py): "warn" shows the matches and lets the user
# save; "block" refuses a customer whose normalised name or phone is already on file
KAM_DUPLICATE_CHECK = env_choice("KAM_DUPLICATE_CHECK", "warn", ("warn", "block"))
