"""Settings shared by every environment. Values come from the environment (12-factor).

The database and broker are chosen in local.py, test.py and production.py, because
only local and test runs may fall back to the embedded services.
"""

from __future__ import annotations

import datetime as _dt

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

from config.environment import (
    BASE_DIR,
    check_broker_url,
    data_dir,
    env,
    s3_storage_options,
    storage_backend,
)

DATA_DIR = data_dir()

SECRET_KEY = env.str("SECRET_KEY", default="insecure-local-development-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_celery_results",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI served from the package itself: the documentation needs no CDN.
    "drf_spectacular_sidecar",
    "axes",
    "coprod",
    "localization",
]

MIDDLEWARE = [
    "config.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, whose token check first reads an upload's body: see coprod.core.uploads.
    "coprod.core.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "coprod.core.middleware.RejectNulCharacterMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "coprod.accounts.middleware.UserLanguageMiddleware",
    "coprod.accounts.middleware.UserTimeZoneMiddleware",
    "coprod.accounts.middleware.SectionRolesMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coprod.system.context_processors.navigation",
                "coprod.notifications.context_processors.notifications",
            ],
        },
    },
]

AUTH_USER_MODEL = "coprod.User"
# Login throttling (django-axes) for the site, the admin and the partner portal: after
# LOGIN_FAILURE_LIMIT wrong passwords in a row for one account, or from one address, that
# account or address is locked for LOGIN_LOCKOUT_MINUTES; every attempt is logged
# (admin: Axes > Access attempts / failures), and an administrator unlocks by deleting
# the attempt there or with `manage.py axes_reset_username NAME` / `axes_reset_ip ADDR`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = _dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Behind a proxy, the client's address comes from this header (e.g. HTTP_X_FORWARDED_FOR).
AXES_IPWARE_META_PRECEDENCE_ORDER = [header for header in (
    env.str("CLIENT_ADDRESS_HEADER", default=""), "REMOTE_ADDR") if header]
AXES_IPWARE_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0) or None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages of the interface: the venture's markets (locale/<language>/LC_MESSAGES).
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [
    ("en", _("English")),
    ("ko", _("Korean")),
    ("ja", _("Japanese")),
    ("zh-hans", _("Simplified Chinese")),
    ("th", _("Thai")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True

# Times are stored in UTC and shown in each user's own time zone.
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_USER_TIME_ZONE = env.str("DEFAULT_USER_TIME_ZONE", default="Asia/Seoul")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(DATA_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Largest upload accepted anywhere; media intake may set a lower limit of its own.
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=2 * 1024**3)
# Agreement documents (contracts, scans).
MAX_DOCUMENT_SIZE = env.int("MAX_DOCUMENT_SIZE", default=25 * 1024**2)
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2
# Stored files (media, dub tracks, delivery packages, agreement documents) stay on the
# local file system under MEDIA_ROOT, or with STORAGE_BACKEND=s3 go to an S3-compatible
# object store (AWS S3, MinIO, Ceph) that the web processes and every worker share instead
# of a disk. Downloads stream through the views that check permissions; the bucket stays
# private. The S3_* variables: config.environment.s3_storage_options and the README.
STORAGE_BACKEND = storage_backend()
if STORAGE_BACKEND == "s3":
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage",
                           "OPTIONS": s3_storage_options(spool_bytes=FILE_UPLOAD_MAX_MEMORY_SIZE)}
# CSV rights imports.
RIGHTS_IMPORT_MAX_SIZE = env.int("RIGHTS_IMPORT_MAX_SIZE", default=10 * 1024**2)
# Reading an upload stops at the limit of the page it is posted to (by URL name; the
# values are settings); MAX_UPLOAD_SIZE caps them all. See coprod.core.uploads.
FILE_UPLOAD_HANDLERS = [
    "coprod.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
UPLOAD_LIMITS = {
    "localization:media-upload": "MEDIA_MAX_UPLOAD_SIZE",
    "localization:track-import": "TEXT_MAX_UPLOAD_SIZE",
    "localization:memory": "TEXT_MAX_UPLOAD_SIZE",
    "catalog:rights-import": "RIGHTS_IMPORT_MAX_SIZE",
    "agreements:add": "MAX_DOCUMENT_SIZE",
    "partner_portal:coprod_agreement_upload": "MAX_DOCUMENT_SIZE",
}

# Django's cache: the API's rate limits count in it. The default local memory counts per
# process; give every worker the same counts with CACHE_URL=redis://host:6379/1.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- The partner REST API (coprod/api) ----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "coprod.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "coprod.api.permissions.TokenScope",
        "coprod.api.permissions.HasRoles",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["coprod.api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "coprod.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "coprod.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "coprod.api.schema.AutoSchema",
}
# Requests per token (or per browser session), reads and writes counted apart.
API_THROTTLE_RATES = {
    "read": env.str("API_READ_RATE", default="600/min"),
    "write": env.str("API_WRITE_RATE", default="60/min"),
    # The pieces of resumable uploads (tus PATCHes), counted apart from other writes.
    "upload": env.str("API_UPLOAD_RATE", default="1200/min"),
}
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
# A failed CSRF check under /api/ answers a problem like every other API error.
CSRF_FAILURE_VIEW = "coprod.api.problems.csrf_failure"
# How long an Idempotency-Key and its stored answer are kept.
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)
# Webhooks are only sent to public addresses unless this is set (a private deployment).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
# Resumable media uploads (tus, /api/v1/uploads/): the bytes received so far wait in this
# folder, which every web process must share and which needs room for the uploads in
# progress; an upload that receives nothing for API_UPLOAD_EXPIRY_HOURS is deleted with
# its bytes (Celery beat checks every UPLOAD_EXPIRY_CHECK_SECONDS).
UPLOAD_PARTS_DIR = env.str("UPLOAD_PARTS_DIR", default=str(DATA_DIR / "upload-parts"))
API_UPLOAD_EXPIRY_HOURS = env.int("API_UPLOAD_EXPIRY_HOURS", default=24)
UPLOAD_EXPIRY_CHECK_SECONDS = env.float("UPLOAD_EXPIRY_CHECK_SECONDS", default=3600.0)
SPECTACULAR_SETTINGS = {
    "TITLE": "K-IP Platform API",
    "DESCRIPTION": (
        "The partner REST API of the SFR × Utopai platform: the catalog, rights and "
        "avails, agreements and their issued statements. Authenticate with "
        "`Authorization: Bearer <token>` (a token from your preferences page). Errors are "
        "RFC 9457 problem details (`application/problem+json`). A POST that takes an "
        "`Idempotency-Key` header answers a retry with the first answer."),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AgreementStatusEnum": "coprod.agreements.models.Agreement.Status",
        "AvailabilityStatusEnum": "coprod.api.serializers.AVAILS_STATUSES",
        "TitleKindEnum": "coprod.catalog.models.Title.Kind",
        "ReasonKindEnum": "coprod.api.serializers.REASON_KINDS",
        "UploadStateEnum": "localization.media.models.ResumableUpload.State",
        "ChunkStateEnum": "localization.transcription.models.TranscriptionChunk.State",
    },
    # HEAD and OPTIONS of the views that answer them as operations (the tus uploads).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "coprod.api.schema.document_extra_methods"],
}

# --- Celery -----------------------------------------------------------------
# Queues by workload: `gpu` for speech recognition, `cpu` for translation, QA and
# audio work, `default` for everything else.
CELERY_BROKER_URL = check_broker_url(env.str("CELERY_BROKER_URL")) if env.str(
    "CELERY_BROKER_URL", default=""
) else ""
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name, type="direct"), routing_key=name)
    for name in ("default", "cpu", "gpu")
]
CELERY_TASK_ROUTES = {
    "localization.tasks.requeue_stale_runs": {"queue": "default", "routing_key": "default"},
    "localization.tasks.expire_uploads": {"queue": "default", "routing_key": "default"},
    "coprod.api.tasks.*": {"queue": "default", "routing_key": "default"},
    "coprod.notifications.tasks.*": {"queue": "default", "routing_key": "default"},
    "localization.tasks.transcribe*": {"queue": "gpu", "routing_key": "gpu"},
    "localization.tasks.*": {"queue": "cpu", "routing_key": "cpu"},
}
# Long jobs: a worker takes one task at a time so another idle worker can take the next.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Prometheus metrics (config/metrics.py): a worker serves its tasks' on this port (0: not
# served; production's default is 9808); /metrics on the web answers a bearer of
# METRICS_TOKEN when it is set, else only requests from METRICS_ALLOWED_NETWORKS.
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0)
CELERY_METRICS_BIND = env.str("CELERY_METRICS_BIND", default="0.0.0.0")  # noqa: S104
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[
    "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"])
CELERY_TASK_TRACK_STARTED = True
CELERY_TIMEZONE = "UTC"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # pgserver reports every start and stop of the embedded server at INFO.
    "loggers": {"pgserver": {"level": "WARNING"}},
}

# --- Localization pipeline: media intake and speech recognition (localization/) -----------
import os as _os  # noqa: E402
import sys as _sys  # noqa: E402

# Speech recognition never fetches weights from a model hub; models come from a folder.
_os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Largest media upload; the platform-wide MAX_UPLOAD_SIZE still applies on top.
MEDIA_MAX_UPLOAD_SIZE = env.int("MEDIA_MAX_UPLOAD_SIZE", default=2 * 1024**3)
# A CTranslate2 Whisper model folder. The default is Whisper base, assembled from its
# registry packages by infra/bootstrap-venv.sh (python -m localization.engines.whisper_model).
WHISPER_MODEL_PATH = env.str(
    "WHISPER_MODEL_PATH", default=str(_sys.prefix + "/share/kip-models/whisper-base-ct2")
)
WHISPER_DEVICE = env.str("WHISPER_DEVICE", default="auto")  # auto, cpu or cuda
WHISPER_COMPUTE_TYPE = env.str("WHISPER_COMPUTE_TYPE", default="auto")  # auto: int8 / float16
WHISPER_BEAM_SIZE = env.int("WHISPER_BEAM_SIZE", default=5)
# Above 1, faster-whisper's batched pipeline decodes this many speech windows at once.
WHISPER_BATCH_SIZE = env.int("WHISPER_BATCH_SIZE", default=8)
WHISPER_CPU_THREADS = env.int("WHISPER_CPU_THREADS", default=0)  # 0: one per core
# Seed of plain decoding's temperature-fallback sampling, so recognition is repeatable;
# negative: a random seed per process.
WHISPER_SEED = env.int("WHISPER_SEED", default=0)
# Long media is transcribed in chunks of about this many seconds, cut at quiet moments.
WHISPER_CHUNK_SECONDS = env.int("WHISPER_CHUNK_SECONDS", default=600)
# Media longer than 1.5 times this is cut (at quiet moments) into chunks of about this many
# seconds, each recognized by its own task on whichever GPU worker is free, then joined;
# 0 keeps every job in one task.
WHISPER_PARALLEL_CHUNK_SECONDS = env.int("WHISPER_PARALLEL_CHUNK_SECONDS", default=300)
LOCALIZATION_TASK_SOFT_TIME_LIMIT = env.int("LOCALIZATION_TASK_SOFT_TIME_LIMIT",
                                            default=4 * 3600)
LOCALIZATION_TASK_TIME_LIMIT = env.int("LOCALIZATION_TASK_TIME_LIMIT",
                                       default=LOCALIZATION_TASK_SOFT_TIME_LIMIT + 600)
# A worker writes a heartbeat on the run it holds this often; a running run without one
# for RUN_STALE_AFTER_SECONDS is put back in the queue by the periodic check (Celery beat,
# every RUN_STALE_CHECK_SECONDS), and a person may retry it after three missed beats.
RUN_HEARTBEAT_SECONDS = env.float("RUN_HEARTBEAT_SECONDS", default=10.0)
RUN_STALE_AFTER_SECONDS = env.float("RUN_STALE_AFTER_SECONDS", default=120.0)
RUN_STALE_CHECK_SECONDS = env.float("RUN_STALE_CHECK_SECONDS", default=30.0)
# --- What the AI work costs (coprod/compute, localization/runs/metering.py) ------------------
# The site this worker runs at: its price list and grid carbon intensity price its tasks.
COMPUTE_SITE = env.str("COMPUTE_SITE", default="local")
# The currency of compute prices and of the agreements' "AI compute" budget lines.
COMPUTE_CURRENCY = env.str("COMPUTE_CURRENCY", default="USD")
# Without an energy counter, a task's energy is estimated as its CPU seconds times this
# power per busy core (watts); the record says it is an estimate.
COMPUTE_CPU_WATTS_PER_CORE = env.float("COMPUTE_CPU_WATTS_PER_CORE", default=12.0)
# A run whose estimated cost would take a title's AI compute spending above its budget
# times this fraction is held for a rights manager's approval (1: at the budget; 0.9:
# at 90 percent of it).
COMPUTE_BUDGET_HOLD_AT = env.str("COMPUTE_BUDGET_HOLD_AT", default="1")
# Read GPU time and energy through NVML (nvidia-ml-py) when a card is present.
COMPUTE_NVML = env.bool("COMPUTE_NVML", default=True)
# --- Notifications (coprod/notifications) ----------------------------------------------
# Emails go through Django's mailers: SMTP to EMAIL_HOST:EMAIL_PORT (environment), or
# another backend named by EMAIL_BACKEND (development: the console; `make run` prints them
# in the worker's log).
_EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": {
    "host": env.str("EMAIL_HOST", default="localhost"),
    "port": env.int("EMAIL_PORT", default=25),
    "username": env.str("EMAIL_HOST_USER", default=""),
    "password": env.str("EMAIL_HOST_PASSWORD", default=""),
    "use_tls": env.bool("EMAIL_USE_TLS", default=False),
    "timeout": env.int("EMAIL_TIMEOUT", default=20),
} if _EMAIL_BACKEND.endswith("smtp.EmailBackend") else {}}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="KIP platform <noreply@localhost>")
# The address the links in emails start with.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# The hour (UTC) the daily digest goes out.
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=0)
# --- Who is speaking (localization/engines/diarization.py) ------------------------------
# Diarize every transcription after recognition: speakers on the cues, voice roles per
# speaker. Off: transcripts have no speakers.
DIARIZATION = env.bool("DIARIZATION", default=True)
# Two voices closer than this cosine distance are one speaker (when the number of
# speakers is not given); lower finds more speakers.
DIARIZATION_THRESHOLD = env.float("DIARIZATION_THRESHOLD", default=0.32)
# --- Content Credentials (C2PA; localization/credentials) -----------------------------------
# The venture's signing certificate chain (PEM: the signer first, then its issuers) and
# private key sign every dub track and delivery package; an administrator sets them.
# Without them nothing is signed, and the pages and system status say so.
C2PA_CERT_FILE = env.str("C2PA_CERT_FILE", default="")
C2PA_KEY_FILE = env.str("C2PA_KEY_FILE", default="")
C2PA_SIGNING_ALG = env.str("C2PA_SIGNING_ALG", default="es256")
# The roots verification trusts (PEM); a signer chaining to one is reported as trusted.
C2PA_TRUST_ANCHORS_FILE = env.str("C2PA_TRUST_ANCHORS_FILE", default="")
# An RFC 3161 time-stamp authority for the signatures (none: the signing time is unstamped).
C2PA_TSA_URL = env.str("C2PA_TSA_URL", default="")
# Make a development certificate (labelled "not for delivery") where the files named above
# do not exist yet: on for `make run` and the tests, never in production.
C2PA_DEVELOPMENT_IDENTITY = False
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-runs": {"task": "localization.tasks.requeue_stale_runs",
                           "schedule": RUN_STALE_CHECK_SECONDS},
    "expire-uploads": {"task": "localization.tasks.expire_uploads",
                       "schedule": UPLOAD_EXPIRY_CHECK_SECONDS},
    # Expiring rights, then each person's daily digest of notifications.
    "notification-digests": {"task": "coprod.notifications.tasks.send_digests",
                             "schedule": crontab(hour=NOTIFICATION_DIGEST_HOUR, minute=0)},
}
# Redis redelivers a task whose worker vanished after this many seconds; keep it above
# the longest task, since a running task is also redelivered after it (tasks are idempotent).
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT",
                                    default=LOCALIZATION_TASK_TIME_LIMIT + 600)
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = CELERY_VISIBILITY_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"] = max(
    1, min(10, CELERY_VISIBILITY_TIMEOUT // 10))
# A short timeout (the crash-recovery test uses seconds) wants every sweep to scan.
CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_throttle"] = (
    1 if CELERY_VISIBILITY_TIMEOUT < 600 else 10)

# --- Translation (localization/engines/mt) ---------------------------------------------
# memory_only (the offline default: translation memory and glossary, the rest left for
# translators), ctranslate2 (a converted NLLB-200, M2M100 or OPUS-MT model directory) or
# openai_compatible (a chat-completions endpoint such as vLLM or llama.cpp's server).
MT_ENGINE = env.str("MT_ENGINE", default="memory_only")
MT_MODEL_PATH = env.str("MT_MODEL_PATH", default="")
MT_DEVICE = env.str("MT_DEVICE", default="auto")
MT_BEAM_SIZE = env.int("MT_BEAM_SIZE", default=4)
MT_BATCH_SIZE = env.int("MT_BATCH_SIZE", default=16)
MT_OPENAI_BASE_URL = env.str("MT_OPENAI_BASE_URL", default="")
MT_OPENAI_MODEL = env.str("MT_OPENAI_MODEL", default="")
MT_OPENAI_API_KEY = env.str("MT_OPENAI_API_KEY", default="")
MT_OPENAI_TIMEOUT = env.float("MT_OPENAI_TIMEOUT", default=60.0)
MT_CONTEXT_CUES = env.int("MT_CONTEXT_CUES", default=2)
# Translation memory: fuzzy matches at or above this percentage are offered.
TM_FUZZY_THRESHOLD = env.int("TM_FUZZY_THRESHOLD", default=75)
# Target languages of the one-click translation of a Korean track.
TRANSLATION_TARGET_LANGUAGES = env.list("TRANSLATION_TARGET_LANGUAGES",
                                        default=["ja", "zh-Hans", "th"])
# Operator-provided voices: a folder with a voices.json manifest (localization/engines/tts).
DUBBING_VOICES_DIR = env.str("DUBBING_VOICES_DIR", default="")
# Dubbing: the most a line may be sped up to fit its cue (pitch kept); beyond, it is flagged.
DUBBING_MAX_SPEEDUP = env.float("DUBBING_MAX_SPEEDUP", default=1.25)
# Subtitle files and translation-memory (TMX) files: the largest upload accepted.
TEXT_MAX_UPLOAD_SIZE = env.int("TEXT_MAX_UPLOAD_SIZE", default=20 * 1024**2)
