"""The test suite: always PostgreSQL.

DATABASE_URL when set, else the server on 127.0.0.1:5432 when it answers, else a
throwaway embedded server that is deleted when the run ends.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from config.embedded import start_embedded_postgres
from config.environment import env, parse_database_url

from .base import *  # noqa: F403

LOCAL_SERVER_URL = "postgres://postgres@127.0.0.1:5432/test"


def _local_server_answers() -> bool:
    import psycopg

    try:
        psycopg.connect(LOCAL_SERVER_URL.replace("postgres://", "postgresql://"),
                        connect_timeout=2).close()
    except psycopg.Error:
        return False
    return True


if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": parse_database_url(env.str("DATABASE_URL"))}
elif _local_server_answers():
    DATABASES = {"default": parse_database_url(LOCAL_SERVER_URL)}
else:
    DATABASES = {
        "default": start_embedded_postgres(
            Path(tempfile.mkdtemp(prefix="platform-test-pg-")), delete_on_exit=True
        )
    }

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit tests run tasks in-process; the end-to-end tests start real workers on real brokers.
CELERY_TASK_ALWAYS_EAGER = True
# The webhook tests run their receiver on 127.0.0.1 (production refuses private addresses).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_STORE_EAGER_RESULT = True
# Resumable uploads' parts go to a throwaway folder, never into var/.
UPLOAD_PARTS_DIR = tempfile.mkdtemp(prefix="platform-test-upload-parts-")
atexit.register(shutil.rmtree, UPLOAD_PARTS_DIR, ignore_errors=True)

# Tests sign with a development certificate made once per machine and user (every
# process of a run, workers included, shares it, so their signatures chain to one root).
_CREDENTIALS = Path(tempfile.gettempdir()) / f"platform-test-credentials-{os.getuid()}"
C2PA_CERT_FILE = str(_CREDENTIALS / "dev-signer-chain.pem")
C2PA_KEY_FILE = str(_CREDENTIALS / "dev-signer-key.pem")
C2PA_TRUST_ANCHORS_FILE = str(_CREDENTIALS / "dev-root.pem")
C2PA_DEVELOPMENT_IDENTITY = True
