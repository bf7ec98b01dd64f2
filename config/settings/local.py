"""A developer's or evaluator's machine: embedded PostgreSQL and broker unless configured."""

from config.embedded import filesystem_broker, start_embedded_postgres
from config.environment import env, parse_database_url

from .base import *  # noqa: F403
from .base import DATA_DIR

DEBUG = env.bool("DEBUG", default=True)
# Webhook receivers on this machine (the README's partner script) are reachable here.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=True)

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": parse_database_url(env.str("DATABASE_URL"))}
else:
    DATABASES = {"default": start_embedded_postgres(DATA_DIR / "postgres")}

if not CELERY_BROKER_URL:  # noqa: F405
    CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker(DATA_DIR / "broker")

# `make run` signs with a development certificate it makes under var/credentials
# (labelled "not for delivery"), unless C2PA_CERT_FILE names the venture's.
if not C2PA_CERT_FILE:  # noqa: F405
    C2PA_CERT_FILE = str(DATA_DIR / "credentials" / "dev-signer-chain.pem")
    C2PA_KEY_FILE = str(DATA_DIR / "credentials" / "dev-signer-key.pem")
    C2PA_TRUST_ANCHORS_FILE = C2PA_TRUST_ANCHORS_FILE or str(  # noqa: F405
        DATA_DIR / "credentials" / "dev-root.pem")
C2PA_DEVELOPMENT_IDENTITY = True
# Emails are printed to the console (the worker's log), unless EMAIL_BACKEND names another.
if not env.str("EMAIL_BACKEND", default=""):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
