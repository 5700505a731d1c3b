"""Django settings of Arena.

Mode: production by default (``ARENA_MODE``; see the block below): DJANGO_SECRET_KEY and
DJANGO_ALLOWED_HOSTS are required. ``make run`` and the tests set ``ARENA_MODE=development``.
Embedded default (no environment variables): SQLite at ``var/arena.sqlite3``, uploads and work
folders under ``var/``, Celery over kombu's serverless ``filesystem://`` broker in
``var/broker/``. Production / integration tests: ``DATABASE_URL`` (PostgreSQL) and
``CELERY_BROKER_URL`` (Redis). ``ARENA_VAR_DIR`` moves the whole ``var/`` tree (tests use it).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

REPO_ROOT = Path(__file__).resolve().parents[2]
BASE_DIR = REPO_ROOT / "platform"
VAR_DIR = Path(os.environ.get("ARENA_VAR_DIR", REPO_ROOT / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# ---- Production / development mode (issue 12 item 6) -------------------------------------
# The default is production: DEBUG off, DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS required,
# secure cookies, HSTS and the other security headers, hashed + compressed static files served
# by WhiteNoise from STATIC_ROOT (run `manage.py collectstatic`). ARENA_MODE=development — set
# explicitly by `make run` (scripts/run.sh), the test suite (pytest config, tests/integration/
# stack.py, tests/browser) — keeps the friendly local defaults.
ARENA_MODE = os.environ.get("ARENA_MODE", "production").strip().lower()
if ARENA_MODE not in ("production", "development"):
    raise ImproperlyConfigured(
        f"ARENA_MODE={ARENA_MODE!r} is not a mode: expected 'production' (the default) or "
        "'development'"
    )
DEVELOPMENT = ARENA_MODE == "development"


def _required(name: str, meaning: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Production settings (the default) need {meaning}. "
            f"Set {name}, or set ARENA_MODE=development for a local run (as `make run` does)."
        )
    return value


if DEVELOPMENT:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "arena-development-key-not-for-production")
    DEBUG = _env_bool("DJANGO_DEBUG", True)
    ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(",") if h]
else:
    SECRET_KEY = _required("DJANGO_SECRET_KEY", "a long random secret key (50+ characters)")
    DEBUG = _env_bool("DJANGO_DEBUG", False)
    ALLOWED_HOSTS = [
        h.strip()
        for h in _required(
            "DJANGO_ALLOWED_HOSTS", "the comma-separated host names the site is served under"
        ).split(",")
        if h.strip()
    ]
# Cookies only over HTTPS, HSTS, redirect to HTTPS (production; each can be turned off).
SESSION_COOKIE_SECURE = _env_bool("DJANGO_SECURE_COOKIES", not DEVELOPMENT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = _env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEVELOPMENT)
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEVELOPMENT else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (only then: the header is trusted).
if _env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# ---- end of the production / development mode block -----------------------------------------
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / Redoc assets served locally (no CDN)
    "arena.challenges",
    "arena.participation",
    "arena.submissions",
    "arena.evaluation",
    "arena.leaderboards",
    "arena.notifications",
    "arena.api",
    "arena.web",
    "arena.demo",
]
# The algorithm-container app is optional: installed when its package exists.
if importlib.util.find_spec("arena.execution") is not None:
    INSTALLED_APPS.append("arena.execution")

MIDDLEWARE = [
    "arena.web.security.SecurityHeadersMiddleware",  # outermost: every response, errors too
    "django.middleware.security.SecurityMiddleware",
    # at most ARENA_UPLOAD_SLOTS uploads run at once per process (before the body or the database)
    "arena.uploadslots.UploadSlotsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # anonymous board reads from memory, keyed by the board version (before sessions and auth)
    "arena.boardcache.BoardCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # refuses an oversized declared body before the CSRF check parses it (sees request.user)
    "arena.submissions.uploads.UploadSizeMiddleware",
]

ROOT_URLCONF = "arena.urls"
WSGI_APPLICATION = "arena.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'arena.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web server + worker) share the file: wait for locks, don't fail.
    # IMMEDIATE transactions take the write lock up front (no upgrade deadlocks); WAL lets the
    # web server read while the worker writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=30,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Bounded, pooled connections (psycopg's pool, Django 5.2): each process holds at most
    # ARENA_DB_POOL_MAX connections; a request waits up to ARENA_DB_POOL_TIMEOUT s for one
    # instead of failing with "too many clients". The pool requires CONN_MAX_AGE = 0.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("ARENA_DB_POOL_MIN", "1")),
        "max_size": int(os.environ.get("ARENA_DB_POOL_MAX", "8")),
        "timeout": float(os.environ.get("ARENA_DB_POOL_TIMEOUT", "20")),
    }
    # A pooled connection the server dropped (restart, pg_terminate_backend) is replaced before
    # use instead of failing the request (Django passes psycopg's check_connection to the pool);
    # the first broken one found has the whole pool checked at once (arena.dbpool), so a pool
    # full of dead connections recovers at the next try, not after psycopg's growing pauses.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    from arena.dbpool import install as _install_pool_check

    _install_pool_check()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = DEVELOPMENT

# ---- STORAGES (issue 12, item 1) ---------------------------------------------------------
# Every file goes through Django's storage API (arena.files): "default" holds uploads,
# prediction folders and inputs archives, "datasets" the imported phase datasets. Nothing is
# served directly: downloads go through permission-checked views. Embedded default:
# FileSystemStorage under var/. ARENA_STORAGE=s3: django-storages' S3Storage (any
# S3-compatible service) configured by AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL,
# AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and optional AWS_S3_REGION_NAME).
ARENA_STORAGE = os.environ.get("ARENA_STORAGE", "filesystem").strip().lower()
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media-not-served/"
ARENA_DATASETS_ROOT = Path(os.environ.get("ARENA_DATASETS_ROOT", VAR_DIR / "datasets"))
if ARENA_STORAGE == "s3":
    from boto3.s3.transfer import TransferConfig

    _s3_options = {
        "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": True,
        # Reads through storage.open() spool to disk above 8 MB (0 would keep them in RAM).
        "max_memory_size": 8 * 2**20,
        # Multipart transfers in 16 MB parts, at most 4 in flight: bounded memory per transfer.
        "transfer_config": TransferConfig(
            multipart_threshold=16 * 2**20, multipart_chunksize=16 * 2**20, max_concurrency=4
        ),
    }
    STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage",
                    "OPTIONS": {**_s3_options, "location": "media"}},
        "datasets": {"BACKEND": "storages.backends.s3.S3Storage",
                     "OPTIONS": {**_s3_options, "location": "datasets"}},
    }
elif ARENA_STORAGE in ("", "filesystem", "fs", "local"):
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(MEDIA_ROOT)}},
        "datasets": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                     "OPTIONS": {"location": str(ARENA_DATASETS_ROOT)}},
    }
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"ARENA_STORAGE={ARENA_STORAGE!r}: expected 'filesystem' (default) or 's3'"
    )
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# Production mode (block above): hashed, compressed static files collected into STATIC_ROOT and
# served by WhiteNoise; development serves the app folders directly.
if not DEVELOPMENT:
    STORAGES["staticfiles"] = {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    }
# Local scratch space of this node (staged job inputs, extracted archives, dataset caches).
ARENA_WORK_ROOT = VAR_DIR / "work"
# ---- end STORAGES -------------------------------------------------------------------------
# Exported nnU-Net baseline models (<root>/<task>/arena_model.json), made by `make demo-nnunet`;
# seed_demo adds an "nnunet" row to the demo phases of every task with a model here, predicting
# with the interpreter of the nnU-Net environment.
ARENA_MODELS_ROOT = Path(os.environ.get("ARENA_MODELS_ROOT", VAR_DIR / "models"))
ARENA_NNUNET_PYTHON = Path(
    os.environ.get("ARENA_NNUNET_PYTHON", REPO_ROOT / ".venv-nnunet" / "bin" / "python")
)

# Upload limits (per phase ``max_upload_mb`` applies on top of the global cap).
ARENA_MAX_UPLOAD_MB = int(os.environ.get("ARENA_MAX_UPLOAD_MB", "2048"))
ARENA_MAX_UNCOMPRESSED_MB = int(os.environ.get("ARENA_MAX_UNCOMPRESSED_MB", "8192"))
ARENA_MAX_COMPRESSION_RATIO = float(os.environ.get("ARENA_MAX_COMPRESSION_RATIO", "500"))
ARENA_RATIO_FLOOR_MB = float(os.environ.get("ARENA_RATIO_FLOOR_MB", "16"))
ARENA_MAX_ARCHIVE_MEMBERS = int(os.environ.get("ARENA_MAX_ARCHIVE_MEMBERS", "20000"))
# Ed25519 key that signs frozen boards (base64 of the 32 raw private bytes, or PEM). Required in
# production to freeze a board; in development a key is generated once under VAR_DIR/keys/.
ARENA_SIGNING_KEY = os.environ.get("ARENA_SIGNING_KEY", "")
ARENA_SCORING_JOBS = int(os.environ.get("ARENA_SCORING_JOBS", "1"))
ARENA_SITE_URL = os.environ.get("ARENA_SITE_URL", "http://127.0.0.1:8000")
# ---- Algorithm execution (arena.execution; formerly arena/execution/conf.py) ----------------
# Docker Engine API endpoint (Docker's or Podman's socket).
ARENA_ENGINE_URL = os.environ.get("ARENA_ENGINE_URL", "unix:///run/podman/podman.sock")
# GPU ids this worker may hand to containers ("0" or "0,1"; "" = none).
ARENA_GPU_IDS = os.environ.get("ARENA_GPU_IDS", "")
ARENA_PIDS_LIMIT = int(os.environ.get("ARENA_PIDS_LIMIT", "256"))  # processes per container
ARENA_OUTPUT_LIMIT_MB = int(os.environ.get("ARENA_OUTPUT_LIMIT_MB", "1024"))  # size cap of /output
ARENA_TMP_MB = int(os.environ.get("ARENA_TMP_MB", "1024"))  # size of the tmpfs /tmp
# A container writing more than this to stdout+stderr is stopped; head and tail kept per stream.
ARENA_LOG_LIMIT_MB = float(os.environ.get("ARENA_LOG_LIMIT_MB", "16"))
ARENA_LOG_KEEP_KB = int(os.environ.get("ARENA_LOG_KEEP_KB", "64"))
ARENA_MAX_IMAGE_MB = int(os.environ.get("ARENA_MAX_IMAGE_MB", "20480"))  # uncompressed layers
ARENA_RUN_UID = os.environ.get("ARENA_RUN_UID", "1000:1000")  # uid:gid every algorithm runs as
# Engine-unavailable retries before the job fails.
ARENA_ENGINE_RETRIES = int(os.environ.get("ARENA_ENGINE_RETRIES", "5"))
# 1 = keep images a job loaded from its upload (default: removed after the run unless another
# active job on this worker uses them).
ARENA_KEEP_LOADED_IMAGES = int(os.environ.get("ARENA_KEEP_LOADED_IMAGES", "0"))
# ---- end of algorithm execution --------------------------------------------------------------

FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads spool to disk, never RAM
# The size check runs before any byte of a file is buffered (arena.submissions.uploads).
FILE_UPLOAD_HANDLERS = [
    "arena.submissions.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_TEMP_DIR = None
# Uploads running at once per web process, uploads waiting for one of those slots, and how long
# (seconds); more, or a longer wait, get 503 + Retry-After (arena.uploadslots; 0 slots: no limit).
ARENA_UPLOAD_SLOTS = int(os.environ.get("ARENA_UPLOAD_SLOTS", "4"))
ARENA_UPLOAD_QUEUE = int(os.environ.get("ARENA_UPLOAD_QUEUE", "28"))
ARENA_UPLOAD_WAIT_S = float(os.environ.get("ARENA_UPLOAD_WAIT_S", "60"))

# Abuse limits (arena.web.throttle, arena.api.throttling) and security headers (arena.web.security).
ARENA_SIGNIN_MAX_FAILURES = int(os.environ.get("ARENA_SIGNIN_MAX_FAILURES", "10"))
ARENA_SIGNIN_WINDOW_S = int(os.environ.get("ARENA_SIGNIN_WINDOW_S", "900"))
ARENA_NUM_PROXIES = int(os.environ.get("ARENA_NUM_PROXIES", "0"))  # trusted X-Forwarded-For hops
ARENA_API_RATES = {
    "token": os.environ.get("ARENA_API_RATE_TOKEN", "1200/min"),
    "address": os.environ.get("ARENA_API_RATE_ADDRESS", "3000/min"),
    "auth_failure": os.environ.get("ARENA_API_RATE_AUTH_FAILURES", "20/min"),
}
_SHARED_CACHE_URL = os.environ.get("ARENA_SHARED_CACHE_URL", "")
# Anonymous board reads are served from each web process's memory while the board version is
# unchanged, for at most this many seconds (arena.boardcache; 0: off, the development default
# so that a local edit shows at once).
ARENA_BOARD_CACHE_S = float(os.environ.get("ARENA_BOARD_CACHE_S", "0" if DEVELOPMENT else "5"))
# ... and each process re-reads a board's version (leaderboard_updated, visibility) at most this
# often: a new result shows on a cached board within this many seconds.
ARENA_BOARD_VERSION_S = float(os.environ.get("ARENA_BOARD_VERSION_S", "1"))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # counters every web process must share (API throttling): the database unless Redis is named
    "shared": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _SHARED_CACHE_URL}
        if _SHARED_CACHE_URL.startswith(("redis://", "rediss://"))
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
              "LOCATION": "arena_shared_cache"}
    ),
}
# nosniff, Referrer-Policy and X-Frame-Options: see the production-mode block above.
ARENA_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "arena@localhost")

# Owed work lives in the database (arena.submissions.liveness): running tasks beat every
# ARENA_HEARTBEAT_INTERVAL s; every worker sweeps every ARENA_SWEEP_INTERVAL s (0: off) and
# re-dispatches waiting submissions with no broker message after ARENA_DISPATCH_GRACE s and
# working ones whose heartbeat is older than ARENA_HEARTBEAT_TIMEOUT s.
ARENA_HEARTBEAT_INTERVAL = float(os.environ.get("ARENA_HEARTBEAT_INTERVAL", "15"))
ARENA_HEARTBEAT_TIMEOUT = float(os.environ.get("ARENA_HEARTBEAT_TIMEOUT", "120"))
ARENA_DISPATCH_GRACE = float(os.environ.get("ARENA_DISPATCH_GRACE", "30"))
ARENA_SWEEP_INTERVAL = float(os.environ.get("ARENA_SWEEP_INTERVAL", "30"))
# Hard time limits of the two cpu jobs (seconds); the broker's visibility timeout follows them.
ARENA_VALIDATION_TIME_LIMIT = int(os.environ.get("ARENA_VALIDATION_TIME_LIMIT", "3600"))
ARENA_SCORING_TIME_LIMIT = int(os.environ.get("ARENA_SCORING_TIME_LIMIT", str(6 * 3600)))

# Celery: embedded default is the serverless filesystem transport (one machine only).
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),  # kombu's default is ./control
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    # Redis hands an unacknowledged message back after this long: longer than the longest job,
    # so a live job is never run twice. A dead worker's work is taken over much sooner by the
    # sweep (ARENA_HEARTBEAT_TIMEOUT below), not by this timeout.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": max(ARENA_SCORING_TIME_LIMIT, ARENA_VALIDATION_TIME_LIMIT) + 600,
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
    }
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery pool processes lower their CPU priority by this much (os.nice; 0: unchanged) so the web
# tier and the database stay responsive on a node they share (arena.celery).
ARENA_WORKER_NICE = int(os.environ.get("ARENA_WORKER_NICE", "10"))
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = _env_bool("ARENA_CELERY_EAGER", False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "arena.api.throttling.ThrottledTokenAuthentication",  # hashed personal tokens, failures throttled
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "arena.api.throttling.TokenRateThrottle",
        "arena.api.throttling.AddressRateThrottle",
    ],
    "NUM_PROXIES": ARENA_NUM_PROXIES,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "arena.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Arena API",
    "DESCRIPTION": "Challenges, phases, submissions and leaderboards of the Arena platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Phase.Kind and Submission.Kind are both "kind": name them (schema check stays clean).
    "ENUM_NAME_OVERRIDES": {
        "PhaseKindEnum": "arena.challenges.models.Phase.Kind",
        "SubmissionKindEnum": "arena.submissions.models.Submission.Kind",
        # every model's "status" choices by its own name (no generated collision names)
        "SubmissionStatusEnum": "arena.submissions.models.Submission.Status",
        "JobStatusEnum": "arena.execution.models.Job.Status",
        "RegistrationStatusEnum": "arena.participation.models.Registration.Status",
        "RobustnessStatusEnum": "arena.leaderboards.models.BoardRobustness.Status",
        "InvitationStatusEnum": "arena.participation.models.Invitation.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ARENA_LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}

for _dir in (VAR_DIR, ARENA_WORK_ROOT, STATIC_ROOT):
    _dir.mkdir(parents=True, exist_ok=True)
