"""Bad settings stop start-up with one clear line, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.environment import (
    ConfigurationError,
    check_broker_url,
    database_url_for,
    parse_database_url,
)

ROOT = Path(__file__).resolve().parent.parent


def run(command: list[str], **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE",
                          # set by the browser tests for their own process only
                          "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(environment)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def assert_one_clear_line(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


MANAGE = [sys.executable, "manage.py", "check"]
WORKER = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"]


@pytest.mark.parametrize(("url", "fragment"), [
    ("mysql://root@localhost/platform", "PostgreSQL only"),
    ("not a url", "is not a URL"),
    ("postgres://user@localhost:5432", "names no database"),
])
def test_bad_database_url_stops_manage_py(url, fragment):
    assert_one_clear_line(run(MANAGE, DATABASE_URL=url), "DATABASE_URL", fragment)


def test_unknown_broker_scheme_stops_manage_py():
    result = run(MANAGE, CELERY_BROKER_URL="kafka://localhost:9092")
    assert_one_clear_line(result, "CELERY_BROKER_URL", "'kafka'")


def test_unknown_broker_scheme_stops_the_worker():
    assert_one_clear_line(run(WORKER, CELERY_BROKER_URL="kafka://localhost:9092"), "'kafka'")


def test_bad_database_url_stops_the_worker():
    assert_one_clear_line(run(WORKER, DATABASE_URL="sqlite:///db.sqlite3"), "PostgreSQL only")


def test_production_requires_its_settings():
    result = run(MANAGE, DJANGO_SETTINGS_MODULE="config.settings.production")
    assert_one_clear_line(result, "must be set in production")


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "k3!v-9aX_q7Lr2#pZt8mWc5nYh0sJd4uFbGe6oQi1yTlRwVxNjMkCaHgBzDfEs",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "platform.example",
}


def test_production_passes_the_deployment_checklist():
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                 **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_redirects_to_https_and_sends_hsts_by_default():
    script = ("from django.conf import settings as s; "
              "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)")
    result = run([sys.executable, "-c", f"import django; django.setup(); {script}"],
                 **PRODUCTION)
    assert result.stdout.split() == ["True", "31536000", "('HTTP_X_FORWARDED_PROTO',",
                                     "'https')"], result.stderr
    behind_nothing = run([sys.executable, "-c", f"import django; django.setup(); {script}"],
                         **PRODUCTION, SECURE_PROXY_SSL_HEADER="", SECURE_SSL_REDIRECT="false")
    assert behind_nothing.stdout.split() == ["False", "31536000", "None"], behind_nothing.stderr


def test_password_is_not_printed():
    result = run(MANAGE, DATABASE_URL="mysql://root:s3cret@localhost/platform")
    assert "s3cret" not in result.stderr
    assert_one_clear_line(result)


def test_database_urls_round_trip_including_unix_sockets():
    config = parse_database_url("postgres://postgres@%2Ftmp%2Fpg%20data/platform")
    assert config["HOST"] == "/tmp/pg data"
    assert config["NAME"] == "platform"
    assert parse_database_url(database_url_for(config))["HOST"] == "/tmp/pg data"
    tcp = parse_database_url("postgresql://app:p%40ss@db.internal:6543/kip")
    assert (tcp["HOST"], tcp["PORT"], tcp["USER"], tcp["NAME"]) == (
        "db.internal", 6543, "app", "kip")
    assert parse_database_url(database_url_for(tcp))["PASSWORD"] == tcp["PASSWORD"]


@pytest.mark.parametrize("url", ["redis://localhost:6379/0", "amqp://guest:guest@localhost//",
                                 "filesystem://"])
def test_known_brokers_are_accepted(url):
    assert check_broker_url(url) == url


def test_unknown_broker_is_refused():
    with pytest.raises(ConfigurationError):
        check_broker_url("sqs://")
