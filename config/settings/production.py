"""Production: every service is configured explicitly; nothing embedded."""

from config.environment import ConfigurationError, env, parse_database_url

from .base import *  # noqa: F403

for required in ("SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS"):
    if not env.str(required, default=""):
        raise ConfigurationError(f"{required} must be set in production")

DEBUG = False
# Each worker serves its Prometheus metrics here (infra/k8s, infra/compose.yaml).
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=9808)
# Static files are served by the application itself, compressed and cache-busted.
MIDDLEWARE.insert(  # noqa: F405 (right after SecurityMiddleware, as WhiteNoise asks)
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,  # noqa: F405
    "whitenoise.middleware.WhiteNoiseMiddleware")
DATABASES = {"default": parse_database_url(env.str("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)

# HTTPS: behind a TLS-terminating proxy, the header that proxy sets says the request came
# in over HTTPS (SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https"; empty: none, for
# a server that terminates TLS itself). Plain HTTP is redirected to HTTPS, and browsers are
# told to use HTTPS only (HSTS, one year by default, subdomains included).
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=["HTTP_X_FORWARDED_PROTO", "https"])
if len(_proxy_header) not in (0, 2):
    raise ConfigurationError("SECURE_PROXY_SSL_HEADER is a header and a value, e.g. "
                             "HTTP_X_FORWARDED_PROTO,https (or empty)")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) or None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes and the Prometheus scraper talk plain HTTP to the pod itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# "preload" in the header only allows submitting the domain to the browsers' preload list.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
STORAGES = {
    # STORAGE_BACKEND (base.py) chooses the file system or S3; a storage class of one's
    # own, configured by its own settings, may still be named here.
    "default": ({"BACKEND": env.str("DEFAULT_FILE_STORAGE_BACKEND")}
                if env.str("DEFAULT_FILE_STORAGE_BACKEND", default="")
                else STORAGES["default"]),  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
