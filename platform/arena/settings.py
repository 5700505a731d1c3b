"""Django settings of Arena.

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

REPO_ROOT = Path(__file__).resolve().parents[2]
BASE_DIR = REPO_ROOT / "platform"
VAR_DIR = Path(os.environ.get("ARENA_VAR_DIR", REPO_ROOT / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "arena-embedded-default-not-for-production")
DEBUG = _env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(",") if h]
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
    "rest_framework.authtoken",
    "drf_spectacular",
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
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
WHITENOISE_USE_FINDERS = True

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
ARENA_SCORING_JOBS = int(os.environ.get("ARENA_SCORING_JOBS", "1"))
ARENA_SITE_URL = os.environ.get("ARENA_SITE_URL", "http://127.0.0.1:8000")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads spool to disk, never RAM
FILE_UPLOAD_TEMP_DIR = None

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "arena@localhost")

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
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = _env_bool("ARENA_CELERY_EAGER", False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
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
