"""Reading and validating the settings that come from the environment.

Everything here works without Django being configured, so that manage.py, the WSGI
entry point and the Celery worker can all refuse a bad setting with one clear line
before anything else starts.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql"}
BROKER_SCHEMES = {
    "redis": "Redis",
    "rediss": "Redis over TLS",
    "amqp": "RabbitMQ",
    "amqps": "RabbitMQ over TLS",
    "pyamqp": "RabbitMQ",
    "filesystem": "embedded file-system broker",
}

env = environ.Env()


class ConfigurationError(Exception):
    """A setting from the environment is missing or malformed."""


@contextlib.contextmanager
def exit_on_configuration_error() -> Iterator[None]:
    """Turn a ConfigurationError into one line on stderr and exit status 2."""
    try:
        yield
    except ConfigurationError as error:
        sys.stderr.write(f"Configuration error: {error}\n")
        raise SystemExit(2) from None


def data_dir() -> Path:
    """Folder for the embedded database, broker and uploaded media."""
    return Path(env.str("PLATFORM_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()


def parse_database_url(url: str) -> dict:
    """Turn a PostgreSQL URL into a Django DATABASES entry, or explain what is wrong."""
    shown = _hide_password(url)
    scheme = urlsplit(url).scheme if "://" in url else ""
    if not scheme:
        raise ConfigurationError(
            f"DATABASE_URL {shown!r} is not a URL; expected postgres://USER:PASSWORD@HOST:PORT/NAME"
        )
    if scheme not in POSTGRES_SCHEMES:
        raise ConfigurationError(
            f"DATABASE_URL uses {scheme!r}; this platform runs on PostgreSQL only "
            "(postgres://USER:PASSWORD@HOST:PORT/NAME)"
        )
    try:
        config = environ.Env.db_url_config(url)
    except (ValueError, KeyError) as error:
        raise ConfigurationError(f"DATABASE_URL {shown!r} cannot be read: {error}") from None
    if not config.get("NAME"):
        raise ConfigurationError(f"DATABASE_URL {shown!r} names no database (…/NAME at the end)")
    # A Unix socket folder is written percent-encoded in the host part.
    config["HOST"] = unquote(str(config.get("HOST") or ""))
    config["ENGINE"] = "django.db.backends.postgresql"
    return config


def database_url_for(config: dict) -> str:
    """The inverse of parse_database_url, for handing a database to a child process."""
    from urllib.parse import quote

    user = quote(config.get("USER") or "", safe="")
    password = quote(config.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(str(config.get("HOST") or ""), safe="")
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{config['NAME']}"


def check_broker_url(url: str) -> str:
    """Return the broker URL when its transport is one we run on, else explain."""
    scheme = urlsplit(url).scheme if "://" in url else ""
    if scheme not in BROKER_SCHEMES:
        known = ", ".join(f"{name}://" for name in BROKER_SCHEMES)
        raise ConfigurationError(
            f"CELERY_BROKER_URL {_hide_password(url)!r} has an unknown scheme {scheme!r}; "
            f"use one of {known}"
        )
    return url


STORAGE_BACKENDS = ("filesystem", "s3")
S3_ADDRESSING_STYLES = ("auto", "path", "virtual")
# S3 refuses parts under 5 MiB (but the last) and takes at most 10,000 of them.
S3_SMALLEST_PART_MB = 5


def storage_backend() -> str:
    """STORAGE_BACKEND: where stored files go, or explain what is wrong."""
    backend = env.str("STORAGE_BACKEND", default="filesystem").strip().lower()
    if backend not in STORAGE_BACKENDS:
        raise ConfigurationError(f"STORAGE_BACKEND {backend!r} is unknown; use "
                                 f"{' or '.join(STORAGE_BACKENDS)}")
    return backend


def s3_storage_options(*, spool_bytes: int) -> dict:
    """django-storages' S3Storage options from the S3_* variables, or explain what is
    wrong. Files are private (no ACL, addresses signed and short-lived), never
    overwritten, moved in multipart transfers above a threshold, and a file object read
    whole spills to disk past ``spool_bytes``."""
    bucket = env.str("S3_BUCKET", default="")
    if not bucket:
        raise ConfigurationError("STORAGE_BACKEND=s3 needs S3_BUCKET, the bucket's name")
    style = env.str("S3_ADDRESSING_STYLE", default="auto")
    if style not in S3_ADDRESSING_STYLES:
        raise ConfigurationError(f"S3_ADDRESSING_STYLE {style!r} is unknown; use "
                                 f"{', '.join(S3_ADDRESSING_STYLES)}")
    threshold_mb = _whole_number("S3_MULTIPART_THRESHOLD_MB", 64, smallest=S3_SMALLEST_PART_MB)
    chunk_mb = _whole_number("S3_MULTIPART_CHUNK_MB", 16, smallest=S3_SMALLEST_PART_MB)
    expiry = _whole_number("S3_URL_EXPIRY_SECONDS", 300, smallest=1)
    from boto3.s3.transfer import TransferConfig

    options = {
        "bucket_name": bucket,
        "location": env.str("S3_PREFIX", default="").strip("/"),
        "addressing_style": None if style == "auto" else style,
        "signature_version": "s3v4",
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": expiry,
        "max_memory_size": spool_bytes,
        "transfer_config": TransferConfig(multipart_threshold=threshold_mb * 1024**2,
                                          multipart_chunksize=chunk_mb * 1024**2,
                                          use_threads=True),
    }
    # Unset: boto3's own chain (AWS_* variables, the instance's or pod's role).
    for option, variable in (("endpoint_url", "S3_ENDPOINT_URL"),
                             ("region_name", "S3_REGION"),
                             ("access_key", "S3_ACCESS_KEY_ID"),
                             ("secret_key", "S3_SECRET_ACCESS_KEY")):
        value = env.str(variable, default="")
        if value:
            options[option] = value
    return options


def _whole_number(variable: str, default: int, *, smallest: int) -> int:
    text = env.str(variable, default=str(default)).strip()
    if not (text.isascii() and text.isdigit()) or int(text) < smallest:
        raise ConfigurationError(f"{variable} {text!r} must be a whole number of at least "
                                 f"{smallest}")
    return int(text)

def validate_environment() -> None:
    """Check the variables every process reads, without configuring Django."""
    database_url = env.str("DATABASE_URL", default="")
    if database_url:
        parse_database_url(database_url)
    broker_url = env.str("CELERY_BROKER_URL", default="")
    if broker_url:
        check_broker_url(broker_url)


def _hide_password(url: str) -> str:
    parts = urlsplit(url) if "://" in url else None
    if parts is None or not parts.password:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)
