"""Settings for the case tracker, read from the environment.

Every value that differs between a laptop and production comes from an environment variable
through the small typed helpers below, which reject values they cannot parse instead of
guessing. With nothing set, the site runs in development mode on an SQLite file in the project.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        # Development only: a fixed key so sessions survive restarts of `make run`.
        SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "simple_history",
    "nested_admin",
    # Login throttling (see AXES_* below) and the Content-Security-Policy header.
    "axes",
    "csp",
    # Plumbing first, then the domain apps, then what is built on them (one-way dependencies,
    # checked by `lint-imports`; docs/decisions/0007-layout.md). exchange.admin extends
    # cases.admin, so cases comes before exchange.
    "core",
    "accounts",
    "cases",
    "sources",
    "ledger",
    "public",
    "apikeys",
    "exchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns a database outage during a view into a friendly 503 page instead of a 500.
    "core.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: it answers locked-out logins with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent connections buy nothing on SQLite and hold file locks between requests.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "admin:login"

# --- login throttling (django-axes) -------------------------------------------------------------
# Someone guessing an editor's password could deface claims: after AXES_FAILURE_LIMIT failed
# logins for one username from one address, further attempts (even with the right password) are
# refused with templates/registration/locked_out.html until the cool-off has passed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
# Username and address together: a remote attacker cannot lock a colleague out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
# The address is the client's, not our proxy's (see TRUSTED_PROXIES below): otherwise, behind a
# proxy, five wrong passwords would lock the username out for everyone.
AXES_CLIENT_IP_CALLABLE = "config.proxies.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Evidence files and the archiver's captures (sources.SourceFile.file). A local folder,
    # MEDIA_ROOT, unless S3_BUCKET names a bucket (issue 22, below).
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Largest evidence file accepted, in bytes (default 2 GiB). Set the web server's limit to match.
EVIDENCE_MAX_UPLOAD_BYTES = env_int("EVIDENCE_MAX_UPLOAD_BYTES", 2 * 1024**3)

# Where an uploaded CSV waits between the import preview and its confirmation: private,
# outside MEDIA_ROOT (exchange/importing/admin_views.py).
IMPORT_UPLOAD_DIR = Path(
    os.environ.get("IMPORT_UPLOAD_DIR") or Path(tempfile.gettempdir()) / "case-tracker-imports"
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tracker@localhost")

# Rendered pages for anonymous readers (public/cache.py); 0 turns the cache off. The cache must be
# shared by all worker processes: the default is a folder on this machine; with several machines
# point CACHE_LOCATION at a shared folder or configure a shared backend.
# Off by default in development, so that template edits show at once.
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 0 if DEBUG else 300)
# Parts of pages kept apart from the pages (issue 21): the list's filter counts and form, each
# incident's API representation. Their keys carry the versions of what they show, so they never
# go stale; the lifetime only bounds what the cache holds. 0 (development) keeps none.
FRAGMENT_CACHE_SECONDS = env_int("FRAGMENT_CACHE_SECONDS", 0 if DEBUG else 24 * 3600)
CACHES = {
    "default": {
        "BACKEND": os.environ.get(
            "CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"
        ),
        "LOCATION": os.environ.get("CACHE_LOCATION", str(BASE_DIR / ".cache")),
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 20000)},
        # Several databases (the site, the benchmark, the load test) may share one folder.
        "KEY_PREFIX": f"{DATABASES['default']['ENGINE']}:{DATABASES['default']['NAME']}",
    }
}

# Reverting to an old version from the history page would bypass the services (a status could
# change with no recorded rationale); corrections are made forward, in the open.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- hardening ------------------------------------------------------------------------------------
# Production answers over HTTPS only. Behind a proxy that terminates TLS, set
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https so Django knows the request was secure
# (only if the proxy always sets that header: otherwise clients could forge it).
_proxy_header = env_list("SECURE_PROXY_SSL_HEADER", default=[])
# How many proxies we run in front of the app, each appending to X-Forwarded-For. The login
# lockout and the API throttle take the client's address from there (config/proxies.py); with 0
# the header is ignored, since anyone can send it. Too high a number lets clients forge their
# address; too low makes every client share the proxy's.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES must be 0 or more; got {TRUSTED_PROXIES}.")
if _proxy_header:
    if len(_proxy_header) != 2:
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must be 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https."
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_header[0], _proxy_header[1])

if not DEBUG:
    # Set SECURE_SSL_REDIRECT=0 only when something in front (a proxy) already redirects, or
    # for the local load test, which speaks plain HTTP to 127.0.0.1.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe /health/ over plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # One year; browsers then refuse plain HTTP to this host (and its subdomains).
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # On by default because `check --deploy` asks for it; turn off before the domain is
    # submitted to the browsers' preload list if subdomains might still need plain HTTP.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Links out (to sources) do not tell other sites which incident page a reader was on.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4 format). No 'unsafe-inline': our templates and the admin
# keep all script and style in static files, so an injected <script> or style= does nothing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

# The site's public address, used in suggested citations, feeds, the sitemap and exports.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The organisation named as the author of feeds and ClaimReview JSON-LD.
SITE_NAME = os.environ.get("SITE_NAME", "Case tracker")

# The read-only JSON API (/api/v1/). It serves public data only, to everyone, so it needs no
# authentication (and so no CSRF or session handling); anonymous clients are throttled.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Keyed on the client's address behind TRUSTED_PROXIES, as the login lockout is.
    "DEFAULT_THROTTLE_CLASSES": ["config.proxies.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("API_ANON_RATE", "120/min")},
    # The same rule for any of DRF's own throttles added later; without it DRF trusts any
    # X-Forwarded-For a client sends.
    "NUM_PROXIES": TRUSTED_PROXIES,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Coordinates are numbers in the API, as in the exports.
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Case tracker API",
    "DESCRIPTION": (
        "Read-only access to the published incidents, their claims with verification statuses, "
        "sources and official statements. Only what any reader of the site may see."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "exchange.api.document_error_responses",
    ],
    # Several models have a "status"; name each choice set after what it means.
    "ENUM_NAME_OVERRIDES": {
        "VerificationStatusEnum": "cases.models.VerificationStatus",
        "PublicationStatusEnum": "cases.models.Incident.Status",
        "VictimStatusEnum": "cases.models.AllegedVictim.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- jobs (issue 16) ---
# Background jobs on Celery (docs/decisions/0009-background-jobs-and-web-capture.md).
INSTALLED_APPS += ["jobs"]
# The queue. Production: a Redis URL (redis://host:6379/0) shared by the web servers and every
# worker machine. The default needs no server: kombu's filesystem transport in JOBS_QUEUE_DIR,
# consumed by the worker that `make run` starts beside runserver (`make worker` on its own).
JOBS_BROKER_URL = os.environ.get("JOBS_BROKER_URL", "filesystem://")
JOBS_QUEUE_DIR = Path(os.environ.get("JOBS_QUEUE_DIR", str(BASE_DIR / ".jobs")))
# A failed attempt that may pass (timeout, 503) is tried again after 30 s, 60 s, 120 s …
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 4)
JOBS_RETRY_BACKOFF_SECONDS = env_int("JOBS_RETRY_BACKOFF_SECONDS", 30)
JOBS_RETRY_BACKOFF_MAX_SECONDS = env_int("JOBS_RETRY_BACKOFF_MAX_SECONDS", 3600)

CELERY_BROKER_URL = JOBS_BROKER_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per worker process: a long capture does not hold others back.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Outcomes live on jobs.Job; no result backend to run.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("JOBS_QUEUE", "jobs")
if JOBS_BROKER_URL.startswith("filesystem:"):
    _queue = str(JOBS_QUEUE_DIR / "queue")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _queue,
        "data_folder_out": _queue,
        "control_folder": str(JOBS_QUEUE_DIR / "control"),
        "store_processed": False,
    }
    # The folder transport has no broadcast: no remote control of workers.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    # A job not acknowledged within an hour (a worker that vanished) is delivered again. Keep it
    # above the longest job: a job still running after it is delivered to a second worker too.
    # `make cluster` shortens it to show a killed worker's job finishing elsewhere (issue 22).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("JOBS_VISIBILITY_TIMEOUT_SECONDS", 3600)
    }

# --- perf (issue 21) ---------------------------------------------------------------------------
# One cache for the pages, their invalidation tags and the API throttle, shared by every worker
# (docs/decisions/0010-shared-cache-and-precise-invalidation.md). With REDIS_URL (production
# with several servers, CI) Django's built-in RedisCache, so a write on one server invalidates
# the pages of all; without it the file cache in CACHE_LOCATION, shared by the workers of one
# machine and culled on one write in 200 (core/cache.py). CACHE_KEY_PREFIX separates sites that
# share a Redis database or a folder.
REDIS_URL = os.environ.get("REDIS_URL", "")
_cache_prefix = os.environ.get("CACHE_KEY_PREFIX") or CACHES["default"]["KEY_PREFIX"]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": _cache_prefix,
        }
    }
else:
    if CACHES["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
        CACHES["default"]["BACKEND"] = "core.cache.FileCache"
    CACHES["default"]["KEY_PREFIX"] = _cache_prefix

# --- figures (issue 14) ---
# The map's tiles (Leaflet, static/vendor/). The CSP's img-src gains exactly this URL's origin,
# so a reader's browser fetches map images from that host and no other.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)


def _tile_origin(url: str) -> str:
    """The CSP source for a tile URL template: its scheme and host ({s} becomes a wildcard)."""
    if url.startswith("data:"):
        return "data:"
    scheme, _sep, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    if not scheme or not host or "{" in host.replace("{s}", ""):
        raise ImproperlyConfigured(f"MAP_TILE_URL must be an absolute URL template, not {url!r}")
    return f"{scheme}://{host.replace('{s}', '*')}"


MAP_TILE_ORIGIN = _tile_origin(MAP_TILE_URL)
if MAP_TILE_ORIGIN not in CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(MAP_TILE_ORIGIN)

# --- law (issue 18) ---
# Legal provisions and elements (docs/decisions/0012-legal-elements.md): built on cases and
# sources, used by public and exchange, so it sits between them in INSTALLED_APPS.
INSTALLED_APPS.insert(INSTALLED_APPS.index("public"), "law")

# --- ledger (issue 17) ---
# The transparency log's Ed25519 key: base64 of the 32-byte private key (`manage.py ledger_key`
# makes one). Unset, a development key is made once in LEDGER_DEV_KEY_FILE; `check --deploy`
# refuses that (ledger.E001). Changing the key makes every verifier that pinned the old one fail.
LEDGER_SIGNING_KEY = os.environ.get("LEDGER_SIGNING_KEY", "").strip()
LEDGER_DEV_KEY_FILE = os.environ.get("LEDGER_DEV_KEY_FILE", str(BASE_DIR / ".ledger-dev-key"))
# RFC 3161 time-stamping authority (empty: no timestamps are requested), e.g.
# https://freetsa.org/tsr. TSA_CA_FILE: PEM certificates that verify its tokens.
TSA_URL = os.environ.get("TSA_URL", "").strip()
TSA_CA_FILE = os.environ.get("TSA_CA_FILE", "").strip()
TSA_TIMEOUT_SECONDS = env_int("TSA_TIMEOUT_SECONDS", 20)
# Timestamp requests run as background jobs (retried while the TSA is down); off: inline after
# the commit, as the tests do.
LEDGER_TIMESTAMPS_IN_JOBS = env_bool("LEDGER_TIMESTAMPS_IN_JOBS", default=True)

# --- i18n (issue 15) ---
# Two interface languages; public pages live under /en/ and /uk/ (config/urls.py), and a reader
# without a prefix is sent to the language of the cookie, else Accept-Language, else English.
# Content has its own languages (ru for Russian originals): cases.models.ContentLanguage.
# docs/decisions/0016-two-languages.md; how to update the catalogue: docs/translating.md.
LANGUAGES = [("en", "English"), ("uk", "Українська")]
LANGUAGE_CODE = "en"
TEMPLATES[0]["OPTIONS"]["context_processors"].append("core.i18n.language_links")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1,
    "core.i18n.QueryLanguageMiddleware",
)

# Capturing the URLs sources cite (sources/archiving/). A new or changed URL is captured in the
# background when a source is saved; the fetcher refuses private and loopback addresses unless
# ARCHIVE_ALLOW_LOOPBACK (tests, a demo page served on this machine).
ARCHIVE_ON_SAVE = env_bool("ARCHIVE_ON_SAVE", default=True)
ARCHIVE_USER_AGENT = os.environ.get(
    "ARCHIVE_USER_AGENT",
    "CaseTrackerArchiver/1.0 (preserves pages cited as sources; +" + SITE_URL + ")",
)
ARCHIVE_TIMEOUT_SECONDS = env_int("ARCHIVE_TIMEOUT_SECONDS", 30)
ARCHIVE_MAX_BYTES = env_int("ARCHIVE_MAX_BYTES", 50 * 1024 * 1024)
ARCHIVE_MAX_REDIRECTS = env_int("ARCHIVE_MAX_REDIRECTS", 5)
ARCHIVE_ALLOW_LOOPBACK = env_bool("ARCHIVE_ALLOW_LOOPBACK", default=False)
# Headless Chromium for a capture's screenshot and PDF; empty turns them off. Without it a
# capture keeps the WACZ and says so.
ARCHIVE_CHROMIUM = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")
# The admin's import confirm runs as a background job with a progress page (issue 16).
IMPORT_AS_JOB = env_bool("IMPORT_AS_JOB", default=True)

# --- security (issue 20) --------------------------------------------------------------------------
# Two-factor sign-in (django-otp: authenticator apps and backup codes), staff sessions, suspension
# and the access log. docs/decisions/0013-two-factor-with-django-otp.md.
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
# After AuthenticationMiddleware: django-otp marks whether this session gave a second factor,
# then ours sends those who must give one and have not to the second-factor pages, ends
# suspended and idle sessions and keeps the sessions list.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "accounts.middleware.StaffSessionMiddleware",
)
# Refuses sign-in (and ends open sessions) of accounts suspended with "no access".
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend"
    if backend == "django.contrib.auth.backends.ModelBackend"
    else backend
    for backend in AUTHENTICATION_BACKENDS
]
# Superusers and Editors always give a second factor; Researchers too when this is on.
TWO_FACTOR_FOR_RESEARCHERS = env_bool("TWO_FACTOR_FOR_RESEARCHERS", default=False)
# The name authenticator apps show next to the code.
OTP_TOTP_ISSUER = SITE_NAME
# A session without a request for this long is signed out (staff only: readers have none).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60)
if SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES must be 1 or more.")
# However active, a session lasts at most this long (Django's cookie age).
SESSION_COOKIE_AGE = env_int("SESSION_MAX_HOURS", 12) * 3600
# Access-log entries older than this are deleted by `manage.py prune_access_log`.
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 730)
if ACCESS_LOG_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("ACCESS_LOG_RETENTION_DAYS must be 1 or more.")

# --- importer (issue 19) ---
# The write API (exchange.write_api): writes per API token (apikeys.auth.TokenRateThrottle).
API_WRITE_RATE = os.environ.get("API_WRITE_RATE", "60/min")
SPECTACULAR_SETTINGS["DESCRIPTION"] += (
    " The write endpoints (tag 'write', under /api/v1/write/) take an API token made in the "
    "admin ('Authorization: Bearer <key>') and create drafts and proposals only."
)

# --- i18n (issue 15), continued ---
# Incidents' original_language and claims' text_language share one choice set in the API schema.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ContentLanguageEnum"] = (
    "cases.models.languages.ContentLanguage"
)

# --- object storage (issue 22) ---
# Evidence files and captures in an S3-compatible bucket (AWS S3, MinIO, Ceph, the moto stand-in
# of `make cluster` and the tests) through django-storages, when S3_BUCKET is set; otherwise the
# local folder above. The bucket is private: objects get no ACL of their own (the bucket's
# owner-only default) and every address of an object is a signed URL that expires after
# S3_SIGNED_URL_SECONDS. It is handed out only by the gated download view (public/file_views.py)
# and never written into a page. docs/decisions/0020-object-storage.md.
S3_BUCKET = os.environ.get("S3_BUCKET", "").strip()
S3_SIGNED_URL_SECONDS = env_int("S3_SIGNED_URL_SECONDS", 60)
if not 1 <= S3_SIGNED_URL_SECONDS <= 604800:
    # SigV4 signatures are valid for at most seven days.
    raise ImproperlyConfigured(
        f"S3_SIGNED_URL_SECONDS must be between 1 and 604800; got {S3_SIGNED_URL_SECONDS}."
    )


def s3_storage(
    *,
    bucket: str,
    endpoint_url: str = "",
    access_key: str = "",
    secret_key: str = "",
    region: str = "us-east-1",
    signed_url_seconds: int = 60,
) -> dict:
    """The STORAGES entry for evidence in an S3 bucket (also used by the tests' moto bucket)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            # Empty: AWS itself, found from the region.
            "endpoint_url": endpoint_url or None,
            # Empty: boto3's own chain (instance role, AWS_* variables, ~/.aws).
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "region_name": region,
            "signature_version": "s3v4",
            # MinIO, Ceph and moto on an address, not a DNS name: bucket in the path.
            "addressing_style": "path" if endpoint_url else "auto",
            # Never public: no ACL on the objects, and every URL signed and short-lived.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": signed_url_seconds,
            # Two uploads never replace each other's object (same rule as the local folder).
            "file_overwrite": False,
            # Should anything open an object as a file, it spills to disk past 8 MiB instead of
            # holding a video in memory (the default, 0, never spills).
            "max_memory_size": 8 * 1024 * 1024,
        },
    }


if S3_BUCKET:
    STORAGES["default"] = s3_storage(
        bucket=S3_BUCKET,
        endpoint_url=os.environ.get("S3_ENDPOINT_URL", "").strip(),
        access_key=os.environ.get("S3_ACCESS_KEY_ID", "").strip(),
        secret_key=os.environ.get("S3_SECRET_ACCESS_KEY", "").strip(),
        region=os.environ.get("S3_REGION", "").strip() or "us-east-1",
        signed_url_seconds=S3_SIGNED_URL_SECONDS,
    )
# Uploads are measured (SHA-256, size, type) while Django writes them to memory or a temporary
# file, so a multi-gigabyte video is read once more only to store it (sources/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "sources.uploads.HashingMemoryFileUploadHandler",
    "sources.uploads.HashingTemporaryFileUploadHandler",
]

# --- replicas (issue 22) ------------------------------------------------------------------------
# Read replicas (docs/decisions/0021-replicas-and-cluster.md): DATABASE_REPLICA_URLS lists
# streaming replicas of DATABASE_URL, comma-separated, each parsed like DATABASE_URL. Anonymous
# readers' GETs read from them; staff, writes, reads after a write, jobs and commands use the
# primary (core/replicas.py). A browser that wrote, and every reader after a change readers can
# see, reads from the primary for DATABASE_REPLICA_PIN_SECONDS: keep replica lag below it.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", default=[])
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 10)
if DATABASE_REPLICA_PIN_SECONDS < 1:
    raise ImproperlyConfigured("DATABASE_REPLICA_PIN_SECONDS must be 1 or more.")
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    try:
        _replica = dj_database_url.parse(
            _url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    except ValueError as error:
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS: replica {_number} is not a database URL ({error})."
        ) from None
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS: replica {_number} must use the primary's database engine "
            f"({DATABASES['default']['ENGINE']}), not {_replica['ENGINE']}."
        )
    # Tests never create a database for a replica: it is the primary's, replicated.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
    # Before the session is read: an anonymous reader's request reads from a replica throughout.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "core.replicas.ReplicaReadsMiddleware",
    )
