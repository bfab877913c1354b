"""Settings for Two Sessions Tracker, read from the environment.

Defaults give a working development site (SQLite, local-memory cache). Production sets
DJANGO_DEBUG=false, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL and CACHE_URL.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string, "
            "or set DJANGO_DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "tracker.admin_site.EditorsAdminConfig",  # django.contrib.admin with the editors' site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    "proposals",
    "proposals.meaning",
    "people",
    "django_tasks",
    "django_tasks_db",
    "proposals.follow",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a parameter: no NUL character reaches a view, a filter or the database.
    "tracker.null_characters.NullCharactersMiddleware",
    # A method an API address does not take is a 405 before any credentials are checked (not a 401).
    "tracker.api.methods.KnownMethodMiddleware",
    # Before the response cache, whose data-version read is most requests' first query: a database that
    # refuses, fails or hangs gets a 503 (the site's page; JSON under /api/) and one log line, within seconds.
    "tracker.database_unavailable.DatabaseUnavailableMiddleware",
    # Before sessions and authentication: a cached anonymous read needs neither.
    "tracker.middleware.ResponseCacheMiddleware",
    # After the response cache (a hit reads no data): a request's reads go to a caught-up replica when it may.
    "tracker.replicas.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "tracker.content_security.SiteCSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Inside the response cache, which stores no X-RateLimit header (a stored count would be another client's).
    "tracker.api.throttling.RateLimitHeadersMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"

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
                "tracker.context_processors.demo",
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.wsgi.application"

# SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# A PostgreSQL that refuses connections, stops answering or drops off the network costs a web request a few
# seconds and a 503, never a worker (tracker/database_timeouts.py; docs/operations.md lists the variables).
# Within a web request, in seconds (0: no limit): how long one statement may run on the server, and how long
# the request waits for any answer; management commands (migrate, seed_synthetic, backups) have neither.
DATABASE_STATEMENT_TIMEOUT = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "3"))
DATABASE_WAIT_TIMEOUT = float(os.environ.get("DATABASE_WAIT_TIMEOUT") or max(DATABASE_STATEMENT_TIMEOUT, 3) + 1)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, sending the statement timeout when a connection is opened for a request.
    DATABASES["default"]["ENGINE"] = "tracker.postgresql"
    # libpq's own limits, on every connection; parameters in DATABASE_URL win. A connection attempt gives up
    # after connect_timeout seconds; TCP keepalives notice a server gone from an idle connection (first probe
    # after keepalives_idle seconds, then every keepalives_interval, keepalives_count times), and data sent
    # but not acknowledged for tcp_user_timeout (DATABASE_TCP_USER_TIMEOUT seconds) drops the connection.
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")),
        "keepalives": 1,
        "keepalives_idle": int(os.environ.get("DATABASE_KEEPALIVES_IDLE", "30")),
        "keepalives_interval": int(os.environ.get("DATABASE_KEEPALIVES_INTERVAL", "10")),
        "keepalives_count": int(os.environ.get("DATABASE_KEEPALIVES_COUNT", "3")),
        "tcp_user_timeout": round(float(os.environ.get("DATABASE_TCP_USER_TIMEOUT", "30")) * 1000),
        **DATABASES["default"].get("OPTIONS", {}),
    }
# Behind PgBouncer in transaction mode (docs/operations.md): a server-side cursor does not outlive its transaction.
if env_bool("DATABASE_PGBOUNCER"):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

# A streaming replica for anonymous reads (tracker/replicas.py): the same settings as the primary, another URL.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **DATABASES["default"],
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
                                conn_health_checks=True),
        "ENGINE": DATABASES["default"]["ENGINE"],
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["tracker.replicas.ReplicaRouter"]
# Whoever saved reads from the primary for this many seconds afterwards, signed in or not; a replica that failed
# is not asked again for REPLICA_RETRY_SECONDS.
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "30"))
REPLICA_RETRY_SECONDS = float(os.environ.get("REPLICA_RETRY_SECONDS", "5"))
# How long a request waits for the replica's data version before reading from the primary instead.
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "0.5"))

# Local memory unless CACHE_URL (or REDIS_URL) points at Redis.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or "locmem://"
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "tracker",
            # A Redis that hangs must not hang every request: give up quickly, as with the database.
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("CACHE_CONNECT_TIMEOUT", "1")),
                "socket_timeout": float(os.environ.get("CACHE_TIMEOUT", "1")),
            },
        }
    }
elif CACHE_URL.startswith("dummy://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
elif CACHE_URL.startswith("locmem://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": CACHE_URL.removeprefix("locmem://") or "tracker",
        }
    }
else:
    raise ImproperlyConfigured(f"CACHE_URL must start with redis://, locmem:// or dummy://, not {CACHE_URL!r}")

# Whole responses to anonymous GET/HEAD, keyed on the data version (tracker/middleware.py); off while developing.
# `make demo`: the 2020 data beside synthetic proposals; every page says so (templates/base.html).
TRACKER_DEMO = env_bool("TRACKER_DEMO")

RESPONSE_CACHE = env_bool("DJANGO_RESPONSE_CACHE", default=not DEBUG)
RESPONSE_CACHE_SECONDS = int(os.environ.get("DJANGO_RESPONSE_CACHE_SECONDS", "600"))
RESPONSE_CACHE_EXEMPT = ["/__bench__/", "/healthz"]

# Proxies in front of the app servers that append to X-Forwarded-For (nginx, a load balancer): 0 trusts
# none, so the header is ignored; behind one proxy set 1. Login lockouts and API throttles count per
# address by this (tracker/client_address.py).
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXIES", "0"))

AUTHENTICATION_BACKENDS = [
    # Refuses a login while its user and address are locked out, before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# What the admin's front page lists for editors each morning (replies overdue and due, drafts, …).
EDITORS_DESK = "proposals.desk.desk"

# Failed logins to the admin lock that user from that address out for a while; stored in the database, so
# every app server counts together. An administrator lifts a lockout with `manage.py axes_reset_username`.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "tracker.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "tracker.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# An editor's sign-in lasts a working day, not Django's two weeks.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_HOURS", "10")) * 3600

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
FORMAT_MODULE_PATH = ["tracker.formats"]
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "admin:login"

# Every page, the admin's included, runs only the site's own scripts and styles: no inline script or style,
# no eval. SVG charts draw with presentation attributes, which the policy allows.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features the tracker never uses, switched off for every page.
PERMISSIONS_POLICY = {feature: [] for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment", "usb",
)}
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# Production hardening; `manage.py check --deploy` is clean when DEBUG is off.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # A load balancer checks the app servers over plain HTTP on the inside: answer it, do not redirect it.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# The largest request body, form post or API write alike (Django's default, stated): a proposal's longest full
# text (100,000 characters, up to 600 kB as escaped JSON) fits many times over; a 10 MB text does not.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DJANGO_MAX_BODY_BYTES", str(2_621_440)))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tracker.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["tracker.api.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.KeysetPagination",
    "DEFAULT_RENDERER_CLASSES": [
        "tracker.api.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Bodies bounded by DATA_UPLOAD_MAX_MEMORY_SIZE like Django's own form posts (413 beyond it); JSON by orjson.
    "DEFAULT_PARSER_CLASSES": [
        "tracker.api.parsers.ORJSONParser",
        "tracker.api.parsers.FormParser",
        "tracker.api.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "tracker.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "tracker.api.schema.APIAutoSchema",
    # Per client address (tracker/client_address.py, TRUSTED_PROXY_COUNT) or per user, in the shared cache.
    "DEFAULT_THROTTLE_CLASSES": [
        "tracker.api.throttling.AnonThrottle",
        "tracker.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "600/min"),
        "user": os.environ.get("API_THROTTLE_USER", "3000/min"),
        # The CSV export streams the whole filtered table; anonymous clients get this lower limit on it too.
        "anon_export": os.environ.get("API_THROTTLE_ANON_EXPORT", "30/hour"),
    },
}
# The cache the throttles count in: the default one, which is Redis in production (CACHE_URL), shared by every
# worker and server.
API_THROTTLE_CACHE = os.environ.get("API_THROTTLE_CACHE", "default")
# API tokens expire this many days after they were made (administrators make a new one: drf_create_token -r).
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))
# How long a create's answer is kept for retries under the same Idempotency-Key, per user.
API_IDEMPOTENCY_HOURS = int(os.environ.get("API_IDEMPOTENCY_HOURS", "24"))
# How long the deletions feed (/api/v1/deletions/) keeps a row; never less than 90 (proposals/deletions.py).
API_DELETIONS_DAYS = int(os.environ.get("API_DELETIONS_DAYS", "90"))

SPECTACULAR_SETTINGS = {
    "TITLE": "Two Sessions Tracker API",
    "DESCRIPTION": (BASE_DIR / "proposals" / "api" / "description.md").read_text(encoding="utf-8"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "AUTHENTICATION_WHITELIST": [
        "tracker.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "proposals.lifecycle.Status",
        "ProposalKindEnum": "proposals.models.Proposal.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tracker.api.schema.empty_means_absent",
        "tracker.api.schema.trimmable_representations",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# CSV import in the admin: only those who may add proposals import (editors); the uploaded file waits for
# confirmation in the cache, which every app server shares. Formula cells are escaped by the resource itself.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"

# Following by email and webhooks (proposals/follow/, docs/follow.md, docs/webhooks.md). Work runs on a task
# queue outside the request: in development in the process itself (the immediate backend), in production in
# `manage.py db_worker` processes reading the database backend's queue.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate" if DEBUG else "database")
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {TASKS_BACKEND!r}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}

# Outgoing mail: EMAIL_URL (smtp://user:password@host:25, smtp+tls:// for STARTTLS, smtps:// for TLS from the
# start, console:// to print) or the usual EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS. Without either, development prints mail on the console and production hands it to localhost:25.
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    from urllib.parse import unquote, urlsplit

    _mail = urlsplit(EMAIL_URL)
    if _mail.scheme not in {"smtp", "smtp+tls", "smtps", "console"}:
        raise ImproperlyConfigured(f"EMAIL_URL must start with smtp://, smtp+tls://, smtps:// or console://, "
                                   f"not {_mail.scheme}://")
    EMAIL_BACKEND = ("django.core.mail.backends.console.EmailBackend" if _mail.scheme == "console"
                     else "django.core.mail.backends.smtp.EmailBackend")
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or {"smtp": 25, "smtp+tls": 587, "smtps": 465}.get(_mail.scheme, 25)
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = _mail.scheme == "smtp+tls"
    EMAIL_USE_SSL = _mail.scheme == "smtps"
else:
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
    EMAIL_BACKEND = ("django.core.mail.backends.console.EmailBackend" if DEBUG and "EMAIL_HOST" not in os.environ
                     else "django.core.mail.backends.smtp.EmailBackend")
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# The address links in mail and webhook payloads point to (mail has no request to take it from).
FOLLOW_SITE_URL = os.environ.get("DJANGO_SITE_URL", "").rstrip("/") or (
    "http://127.0.0.1:8000" if DEBUG or not ALLOWED_HOSTS else f"https://{ALLOWED_HOSTS[0].lstrip('.')}")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Two Sessions Tracker <alerts@localhost>")
# A confirmation link works for this many days; links to stop or manage following, in every digest, for a year.
FOLLOW_CONFIRM_DAYS = int(os.environ.get("FOLLOW_CONFIRM_DAYS", "3"))
FOLLOW_LINK_DAYS = int(os.environ.get("FOLLOW_LINK_DAYS", "365"))
# Daily digests go at this hour (local time, TIME_ZONE), weekly ones at this hour on Mondays; `send_digests`
# runs every few minutes, and sends immediate digests on each run.
FOLLOW_DIGEST_HOUR = int(os.environ.get("FOLLOW_DIGEST_HOUR", "7"))
# Sign-ups (and webhook registrations) allowed per hour for one address and for one client address.
FOLLOW_SIGNUPS_PER_ADDRESS = int(os.environ.get("FOLLOW_SIGNUPS_PER_ADDRESS", "3"))
FOLLOW_SIGNUPS_PER_CLIENT = int(os.environ.get("FOLLOW_SIGNUPS_PER_CLIENT", "20"))
# Webhooks: seconds to wait for a receiver, the first retry's delay (doubling after each failure), and how long
# to keep trying before a delivery is marked failed. Plain http:// receivers only while developing.
FOLLOW_WEBHOOK_TIMEOUT = float(os.environ.get("FOLLOW_WEBHOOK_TIMEOUT", "10"))
FOLLOW_WEBHOOK_FIRST_RETRY_SECONDS = float(os.environ.get("FOLLOW_WEBHOOK_FIRST_RETRY_SECONDS", "60"))
FOLLOW_WEBHOOK_GIVE_UP_HOURS = float(os.environ.get("FOLLOW_WEBHOOK_GIVE_UP_HOURS", "24"))
FOLLOW_WEBHOOK_ALLOW_HTTP = env_bool("FOLLOW_WEBHOOK_ALLOW_HTTP", default=DEBUG)

# By meaning (proposals/meaning, docs/meaning.md): the embedding model behind similar proposals and search by
# meaning. MEANING_MODEL=lexical chooses the lexical stand-in even where the model loads; MEANING_THREADS is
# the model's threads per process (one: each worker embeds one short text at a time).
MEANING = {
    "MODEL": os.environ.get("MEANING_MODEL", "e5"),
    "THREADS": int(os.environ.get("MEANING_THREADS", "1")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # A request the database could not serve is logged once, as a warning (tracker/database_unavailable.py),
        # not again as a server error with its traceback.
        "database_unavailable_reported": {"()": "tracker.database_unavailable.AlreadyReported"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["database_unavailable_reported"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
