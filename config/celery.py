"""The Celery application, configured from Django settings under the CELERY_ namespace."""

import os
import socket

from celery import Celery

from config import metrics
from config.environment import exit_on_configuration_error, validate_environment

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

with exit_on_configuration_error():
    validate_environment()

app = Celery("platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task durations, outcomes and busy time, served by each worker (config/metrics.py).
metrics.connect_worker_signals()

QUEUE_NAMES = ("default", "cpu", "gpu")


@app.task(bind=True, name="platform.worker_health_check")
def worker_health_check(self) -> dict:
    """Report which worker and queue ran this, and that it reached the database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
    delivery_info = self.request.delivery_info or {}
    return {
        "worker": self.request.hostname or socket.gethostname(),
        "queue": delivery_info.get("routing_key") or "",
        "pid": os.getpid(),
        "database": database,
    }
