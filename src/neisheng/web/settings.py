"""Django settings, all from environment variables so one install serves a laptop demo
and a county's production server.

NEISHENG_HOME       working folder (default ./var): the SQLite database, uploads, runs
DATABASE_URL        e.g. postgres://user:pass@host/db (default: SQLite in NEISHENG_HOME)
NEISHENG_SECRET_KEY required when NEISHENG_PRODUCTION is set (50+ characters); otherwise a
                    random one is made once and kept in NEISHENG_HOME/secret_key (mode 0600)
NEISHENG_PRODUCTION 1 for production: secure cookies, HSTS, DEBUG off
NEISHENG_DEBUG      1 for Django's debug pages (never in production)
NEISHENG_ALLOWED_HOSTS  comma-separated (default localhost names)
NEISHENG_STATIC_ROOT    a folder for `collectstatic`, only behind a separate web server
NEISHENG_UPLOAD_MAX_MB  largest upload accepted, in MB (default 20)
NEISHENG_S3_BUCKET  keep uploaded files (household files, photos, scans) in this bucket of an
                    S3-compatible store instead of NEISHENG_HOME/uploads (docs/archives.md), with
                    NEISHENG_S3_ENDPOINT_URL (e.g. a MinIO server; empty for AWS), NEISHENG_S3_REGION
                    and NEISHENG_S3_PREFIX (default "uploads"); the credentials come from boto3's
                    usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the instance's role)
NEISHENG_AUDIT_LOGIN_FAILURE_WINDOW_MINUTES, NEISHENG_AUDIT_LOGIN_FAILURE_ROWS
                    failed sign-ins: the counting window (15) and rows per account per window (100)
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import csp.constants as csp
import dj_database_url

from neisheng.web.config import (
    ConfigurationError,
    flag,
    home,
    installation_secret,
    secret_key_problem,
)

PACKAGE_DIR = Path(__file__).resolve().parent
HOME = home()
PRODUCTION = flag("NEISHENG_PRODUCTION")
DEBUG = flag("NEISHENG_DEBUG") and not PRODUCTION

# Production takes its secret from the environment and refuses a weak one; elsewhere a
# random secret is made once per installation and kept in NEISHENG_HOME/secret_key.
if PRODUCTION and (_secret_problem := secret_key_problem(os.environ.get("NEISHENG_SECRET_KEY"))):
    raise ConfigurationError(f"NEISHENG_PRODUCTION=1: {_secret_problem}; 请设置一个随机的长密钥 / "
                             "set a long random secret")
SECRET_KEY = os.environ.get("NEISHENG_SECRET_KEY") or installation_secret(HOME)

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("NEISHENG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "neisheng.web",
    "neisheng.platform",
    "neisheng.accounts",
    "neisheng.registry",
    "neisheng.monitoring",
    "neisheng.transfers",
    "neisheng.measures",
    "neisheng.warninglists",
    "neisheng.cases",
    "neisheng.grid",
    "neisheng.problems",
    "neisheng.feeds",
    "neisheng.assistance",
    "neisheng.projects",
    "neisheng.visits",
    "neisheng.surveys",
    "neisheng.archives",
    "neisheng.honours",
    "neisheng.councils",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise, so static assets keep their caching and carry no policy.
    "neisheng.web.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Background jobs (neisheng.platform.jobs): django-tasks, the backport of Django 6's
# tasks framework, with the database as the queue: no other server to run. `neisheng
# serve` and `neisheng demo` start the worker (`db_worker`) themselves.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

ROOT_URLCONF = "neisheng.web.urls"
WSGI_APPLICATION = "neisheng.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{HOME / 'neisheng.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Concurrent readers while a cadre saves: WAL, and wait rather than fail on a lock.
    # Write transactions take the write lock when they begin (IMMEDIATE): a transaction
    # that read first and then tried to write while another was writing failed at once
    # with "database is locked" (SQLite cannot wait there without risking a deadlock).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20, "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # No JIT compilation: a county's counts cross PostgreSQL's cost threshold for it, and
    # compiling took 1.5–1.8 s of their 1.7–3 s at a million households (EXPLAIN ANALYZE,
    # docs/performance.md), paid again by every connection; the queries run no slower
    # without it. A DATABASE_URL that sets its own options keeps them.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "registry:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Guessing passwords: five failures lock the account and address pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Failed sign-ins are counted per (username, address) in one audit row per window, and
# each account (or all unknown usernames together) gets at most this many rows per
# window before one more row counts the rest: guessing ever-new usernames cannot fill
# the audit table.
AUDIT_LOGIN_FAILURE_WINDOW = dt.timedelta(
    minutes=int(os.environ.get("NEISHENG_AUDIT_LOGIN_FAILURE_WINDOW_MINUTES", "15")))
AUDIT_LOGIN_FAILURE_ROWS = int(os.environ.get("NEISHENG_AUDIT_LOGIN_FAILURE_ROWS", "100"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Thousands separators in both languages where a template asks for them (|intcomma,
# |floatformat:"2g"): Django's Chinese formats have none (neisheng/web/formats/).
# USE_THOUSAND_SEPARATOR stays off so ids, years and form inputs are never grouped.
FORMAT_MODULE_PATH = ["neisheng.web.formats"]

STATIC_URL = "/static/"
# Assets are served from the installed packages (below); a folder to collect them into is
# only needed behind a separate web server: NEISHENG_STATIC_ROOT, then collectstatic.
STATIC_ROOT = os.environ.get("NEISHENG_STATIC_ROOT") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if os.environ.get("NEISHENG_S3_BUCKET"):
    # Never overwritten (each upload gets a name of its own), private (downloads go through
    # the site, which checks scope and audits them; signed URLs otherwise).
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": os.environ["NEISHENG_S3_BUCKET"],
        "endpoint_url": os.environ.get("NEISHENG_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("NEISHENG_S3_REGION") or None,
        "location": os.environ.get("NEISHENG_S3_PREFIX", "uploads"),
        "file_overwrite": False, "default_acl": None, "querystring_auth": True,
    }}
# Static files are served from the installed packages themselves: nothing to collect,
# nothing fetched from the internet.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = HOME / "uploads"
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Largest file accepted, in MB (NEISHENG_UPLOAD_MAX_MB, default 20: a county's ledger as
# Excel is a few MB). A larger one is skipped while it arrives, before it is stored or
# read, by the first upload handler (issue 7, row 13).
try:
    UPLOAD_MAX_MB = float(os.environ.get("NEISHENG_UPLOAD_MAX_MB", "20"))
except ValueError:
    UPLOAD_MAX_MB = 0.0
if not 0 < UPLOAD_MAX_MB <= 1024:
    raise ConfigurationError(f"NEISHENG_UPLOAD_MAX_MB={os.environ.get('NEISHENG_UPLOAD_MAX_MB')}: "
                             "应为 0–1024 之间的兆字节数 / must be a number of megabytes above 0, at most 1024")
UPLOAD_MAX_BYTES = int(UPLOAD_MAX_MB * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "neisheng.transfers.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    # Browsers use their session; programs a token (`neisheng api-token USERNAME`). No
    # HTTP Basic: it would hash the password on every request (slow by design) and make
    # each request a password guess outside the login throttling.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Neisheng 内生 API",
    "DESCRIPTION": "防返贫监测与内生动力帮扶: the registry of divisions, households, persons and ledger.",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # The runs' results and the warning rows share the monitoring models' risk choices.
    "ENUM_NAME_OVERRIDES": {"RiskEnum": "neisheng.monitoring.models.RISK_CHOICES"},
    # The schema names every field of the registry: for signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Content-Security-Policy: scripts and styles only from this server's static files
# (no inline code, so an injected <script> or onclick= does not run); nothing framed,
# no plugins, forms post only here. The one page with inline code, the Swagger UI at
# /api/docs/, marks it with the per-request nonce (web/templates/drf_spectacular/).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
