"""BZPEER settings: one module, driven by the environment.

Production differs from development only by environment variables (README lists them all).
Helpers below fail loudly on malformed values instead of guessing.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def site_url(name: str, value: str) -> str:
    """``value`` as a public base URL: ``http(s)://host[:port]`` with nothing after it (a
    trailing slash is dropped). Empty is refused: the default is empty when DEBUG is off."""
    value = value.strip().rstrip("/")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off (the public base URL: https://bzpeer.example.org)")
    parts = urlsplit(value)
    try:
        _ = parts.port  # raises ValueError for a port that is not a number or out of range
        port_ok = True
    except ValueError:
        port_ok = False
    extra = parts.path or parts.query or parts.fragment or "@" in parts.netloc
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok or extra:
        raise ImproperlyConfigured(f"{name} must be http(s)://host[:port] with nothing after it, not {value!r}")
    return value


# --- Django core --------------------------------------------------------------------------

DEBUG = envbool("DEBUG", "false")
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production-" + "x" * 20

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# The public base URL: every absolute URL (canonical links, JSON-LD, emails, feeds, sitemaps)
# starts with it (bzpeer.http.absolute_url), never with the request's Host header, which the
# visitor chooses and which cached pages would hand on to everyone else.
SITE_URL = site_url("SITE_URL", env("SITE_URL", "http://127.0.0.1:8000" if DEBUG else ""))
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # Django's admin with BZPEER's site: log in through allauth, verified staff only.
    "bzpeer.admin_config.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    # Its templates render sitemap.xml (pages/sitemaps.py).
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.orcid",
    "axes",
    # Our apps, in their dependency order: each imports only those above it (ARCHITECTURE.md).
    "core",
    "profiles",
    "works",
    "claims",
    "graph",
    # Feature apps: above graph, below pages; none imports another but the API, which calls search.
    "following",
    "collaboration",
    "search",
    # The read-only JSON API (api/), after search, which it calls.
    "api",
    "pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise so that static files carry the policy too (an SVG opened on its own is a
    # document that could run script).
    "csp.middleware.CSPMiddleware",
    # Before anything that reads request.POST (CSRF, allauth): refuses large bodies and files.
    "bzpeer.request_limits.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, which answers HEAD for static files itself.
    "bzpeer.middleware.HeadAsGetMiddleware",
    # /api/ only: CORS, the per-address read limit, preflights (api/middleware.py).
    "api.middleware.ApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, reading the account with the session in one statement (core/auth_backends.py).
    "core.auth_backends.AuthenticationMiddleware",
    "bzpeer.middleware.PrivateCacheForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, as axes asks: turns a locked-out log-in into the 429 page (bzpeer.accounts).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bzpeer.urls"
WSGI_APPLICATION = "bzpeer.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The header names the owned record, never the account's email address.
                "claims.context_processors.account",
                # The header's count of invitations waiting and unread messages: one Redis GET.
                "collaboration.context_processors.unread",
                "bzpeer.context_processors.site",
            ],
            # |bdi and |isolate in every template: record text is isolated for bidirectional
            # display everywhere it is shown (profiles/bidi.py).
            # {% url %} reverses each name and arguments once per process (core/templatetags/cached_url.py).
            "builtins": [
                "template_partials.templatetags.partials", "profiles.templatetags.bidi", "core.templatetags.cached_url",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

DATABASE_URL = env("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bzpeer")
DATABASES = {
    # Persistent connections: without them every request pays a backend fork (about 10x
    # slower on /db/-style pages, measured in research/stack-notes.md).
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True),
}
# Page queries are short; PostgreSQL's JIT pays off only for long analytic queries and, with
# stale estimates, compiled profile queries for about a second each (seen in bench-web).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker -----------------------------------------------------------

# Redis is a cache and a broker, never a reason to fail a request or lose work (README,
# "When Redis is down"): the cache answers from process memory while Redis fails
# (bzpeer/cache.py), sessions live in PostgreSQL, and work that must follow a commit is an
# outbox row first (core/outbox.py).
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "bzpeer.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "bzpeer"),
        # A Redis that does not answer costs a request at most this long per call, then the
        # request goes on without it (a refused connection fails at once). The page cache's
        # own client (pages/page_cache.py) takes the same options.
        "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
    }
}
# Sessions in PostgreSQL (Django's default, stated): a Redis outage signs nobody out and
# never stops a log-in. Not "cache" or "cached_db": they would put them in Redis.
# Django's database sessions, read with their account in one statement (core/sessions.py).
SESSION_ENGINE = "core.sessions"

CELERY_BROKER_URL = REDIS_URL
# Job state lives in database rows (works.ImportJob, graph.TrustSnapshot); no result backend.
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only after it ran, so a worker crash redelivers it; every task is
# idempotent, which makes redelivery safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per process: imports are long, and prefetching would starve others.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", "1800")
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
# With acks_late on Redis, an unacknowledged task is redelivered after the visibility
# timeout; it must exceed the longest task or the task would run twice concurrently.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
# Tests give their own worker a queue of its own, so nothing else on the broker takes its tasks.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "false")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
# A running import job writes a heartbeat with its progress and at least every
# min(5 s, this / 4) (works.services.import_job_heartbeat); a running job silent for longer
# than this many seconds is marked failed by works.reap_stalled_jobs (its process was
# killed, or its machine restarted). It must exceed the longest step without a heartbeat:
# one OpenAlex request (OPENALEX_TIMEOUT) or one batch written to the database.
IMPORT_HEARTBEAT_TIMEOUT = envint("IMPORT_HEARTBEAT_TIMEOUT", "120")
if IMPORT_HEARTBEAT_TIMEOUT < 1:
    raise ImproperlyConfigured(f"IMPORT_HEARTBEAT_TIMEOUT must be at least 1 (seconds), not {IMPORT_HEARTBEAT_TIMEOUT}")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Import jobs whose worker died (SIGKILL, out of memory, a reboot) would stay running
    # forever; a reaper run is one query when there are none. Expires: a run missed while
    # no worker listened is not worth queuing behind the next.
    "reap-stalled-import-jobs": {
        "task": "works.reap_stalled_jobs",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 60},
    },
    # Imports refresh the edges, trust and similar researchers they touch; the nightly pass
    # refreshes all of it for everyone (graph.tasks.refresh_all: edges first, then trust and
    # similar researchers, which read them), as partitions of bounded size: it repairs what a
    # crash left, moves the recent-activity window at New Year, rescores after a new formula
    # version and reaches co-authors of co-authors, two steps away from any import.
    "refresh-derived-nightly": {
        "task": "graph.refresh_all",
        "schedule": crontab(hour=2, minute=30),
    },
    "clear-expired-sessions-nightly": {
        "task": "core.clear_expired_sessions",
        "schedule": crontab(hour=4, minute=5),
    },
    "prune-rate-limits-nightly": {
        "task": "core.prune_rate_limits",
        "schedule": crontab(hour=4, minute=15),
    },
    # Work whose message never reached the broker (Redis down), was lost with a restarted
    # Redis, or whose runner died (core/outbox.py). A drain nobody took within the minute
    # expires: the next one does the same.
    "drain-outbox": {
        "task": "core.drain_outbox",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "prune-outbox-nightly": {
        "task": "core.prune_outbox",
        "schedule": crontab(hour=4, minute=45),
    },
    # Email digests of new works by followed researchers (following/services.py): one outbox
    # row per subscribed account; a repeated run announces nothing twice.
    "following-digests-daily": {
        "task": "following.dispatch_digests",
        "schedule": crontab(hour=6, minute=0),
        "args": ("daily",),
    },
    "following-digests-weekly": {
        "task": "following.dispatch_digests",
        "schedule": crontab(hour=6, minute=15, day_of_week=1),
        "args": ("weekly",),
    },
}

# --- OpenAlex -------------------------------------------------------------------------------

OPENALEX_URL = env("OPENALEX_URL", "https://api.openalex.org").rstrip("/")
OPENALEX_EMAIL = env("OPENALEX_EMAIL")
OPENALEX_API_KEY = env("OPENALEX_API_KEY")
OPENALEX_TIMEOUT = float(env("OPENALEX_TIMEOUT", "20"))
OPENALEX_MAX_RETRIES = envint("OPENALEX_MAX_RETRIES", "5")
OPENALEX_BACKOFF = float(env("OPENALEX_BACKOFF", "0.5"))
OPENALEX_PER_PAGE = envint("OPENALEX_PER_PAGE", "100")

# --- Accounts (django-allauth) --------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    # First: refuses every password, right or wrong, while the account is locked out.
    "axes.backends.AxesStandaloneBackend",
    # Django's and allauth's, taking the signed-in account from the row read with the
    # session (core/auth_backends.py, core/sessions.py).
    "core.auth_backends.ModelBackend",
    "core.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming in the browser that signed up signs in and goes on to the sign-up's `next`; the
# confirmation link carries `next` too, for another browser (bzpeer/accounts.py).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
# Links in account emails start with SITE_URL, never with the request's Host (bzpeer/accounts.py).
ACCOUNT_ADAPTER = "bzpeer.accounts.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[BZPEER] "
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"
# Every new password (sign-up, reset, change) is checked by allauth through Django's validators:
# at least 10 characters, not one of the 20,000 most common, not all digits, not close to the
# account's email address.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Limits: client addresses, the log-in lockout, allauth's rate limits ----------------------

# How many reverse proxies stand in front of the web server, each appending the address it
# got the request from to X-Forwarded-For (bzpeer.http.client_ip, the one rule every limit
# uses). 0 = clients connect directly and the header is never trusted.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Requests a minute one client address may send to the JSON API (api/limits.py); 0: no limit.
API_RATE_PER_MINUTE = envint("API_RATE_PER_MINUTE", "120")  # allauth's adapter calls client_ip too

# The log-in lockout (django-axes, state in PostgreSQL): after LOGIN_FAILURE_LIMIT wrong
# passwords for one account, from anywhere, every password for it (the right one too) is
# refused for LOGIN_LOCKOUT_MINUTES, counted from the last failure before the lock; tries
# during the lock do not extend it. A successful log-in clears the count.
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", "15")
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# By account only: failures for one address add up whatever the client address or browser
# (tests/profiles/test_login_lockout.py). Locking addresses too would lock a whole campus
# behind one NAT; per-address limits are allauth's ("login" below).
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns when the parameters lack "ip_address", for fear of rotating user agents; that
# bypass needs user agent among the parameters, and these count every row of the username.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "bzpeer.accounts.login_username"
AXES_CLIENT_IP_CALLABLE = "bzpeer.http.client_ip"
AXES_LOCKOUT_CALLABLE = "bzpeer.accounts.login_locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # successful log-ins need no row each

# allauth's rate limits (per client address, counted on POST; "key" = the email address a
# mail goes to). They live in the cache. Wrong passwords are axes' lockout above, so
# allauth's own per-login failure limit ("login_failed") is off.
ACCOUNT_RATE_LIMITS: dict[str, str | None] = {
    "login": "10/m/ip,60/h/ip",
    "login_failed": None,
    "signup": "5/m/ip,20/h/ip",
    "reset_password": "5/m/ip,20/h/ip,3/h/key",
    "reset_password_from_key": "10/m/ip",
}

ORCID_CLIENT_ID = env("ORCID_CLIENT_ID")
ORCID_SECRET = env("ORCID_SECRET")
ORCID_BASE_DOMAIN = env("ORCID_BASE_DOMAIN", "orcid.org")
SOCIALACCOUNT_PROVIDERS = {
    "orcid": {
        "BASE_DOMAIN": ORCID_BASE_DOMAIN,
        "MEMBER_API": False,
        **({"APPS": [{"client_id": ORCID_CLIENT_ID, "secret": ORCID_SECRET, "key": ""}]} if ORCID_CLIENT_ID else {}),
    }
}

# --- Email ----------------------------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "BZPEER <noreply@bzpeer.example.org>")

# --- The demo (scripts/demo.py sets both) ----------------------------------------------------

# Every page says the data is illustrative (templates/base.html): the demo dataset mixes real
# people's papers with invented co-authors.
DEMO_MODE = envbool("DEMO_MODE", "false")
# OpenAlex author ids the home page features first, in this order ("Researchers on BZPEER").
FEATURED_RESEARCHERS = envlist("FEATURED_RESEARCHERS", "")

# --- Claims (claims/rules.py) -----------------------------------------------------------

CLAIMS_PER_DAY = envint("CLAIMS_PER_DAY", "3")

# --- Request bodies (bzpeer/request_limits.py) -----------------------------------------------

# BZPEER's largest form (a moderation message of 2,000 characters) is under 20 KB even
# percent-encoded; no form takes a file. nginx refuses the same size first
# (client_max_body_size in deploy/nginx/default.conf.template; tests/deploy keeps them equal).
DATA_UPLOAD_MAX_MEMORY_SIZE = 128 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
# No file is ever accepted: the multipart parser stops at the first file part, and no upload
# handler exists that could write one to memory or to a temporary file.
DATA_UPLOAD_MAX_NUMBER_FILES = 0
FILE_UPLOAD_HANDLERS: list[str] = []

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security (production defaults; `manage.py check --deploy` passes with DEBUG off) -------

SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "false" if DEBUG else "true")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", "false" if DEBUG else "true")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp), enforced on every response. Scripts and styles come only
# from our own static files: no inline script or event handler, no eval (htmx runs with
# allowEval off and without its injected indicator styles: the meta tag in base.html), no inline
# style attribute. Data for scripts travels in `json_script` blocks and the profile's JSON-LD;
# browsers treat both as data blocks that never execute, so the policy needs no exception for
# them. No nonce either: anonymous profile pages are cached whole (pages/page_cache.py), and a
# nonce in a cached page would be one every visitor shares. tests/test_headers.py renders every
# page and holds each to this.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],  # htmx requests
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],  # as X_FRAME_OPTIONS, for browsers that read only CSP
        # Sign-in with ORCID posts to our own URL, which redirects to ORCID; browsers check
        # form-action on that redirect too.
        "form-action": ["'self'", f"https://{ORCID_BASE_DOMAIN}"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
