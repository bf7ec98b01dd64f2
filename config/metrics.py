"""Prometheus metrics (prometheus-client): requests, tasks, queues and workers.

- Web processes count requests per view and status, with their latency
  (``RequestMetricsMiddleware``), and answer ``/metrics`` (``metrics_view``) with those,
  the length of every Celery queue as the broker reports it at scrape time, and whether
  the broker answered.
- Workers count each task's duration and outcome and their own busy time (Celery
  signals) and serve them on CELERY_METRICS_PORT. A prefork worker's tasks run in child
  processes, so the worker uses prometheus-client's multiprocess mode: each process
  writes to files in PROMETHEUS_MULTIPROC_DIR (a fresh folder of its own unless one is
  set), and the main process's HTTP server adds them up.
- gunicorn with several workers has the same need: set PROMETHEUS_MULTIPROC_DIR (an
  empty folder) for it, and ``/metrics`` adds up every gunicorn worker.

The metrics are for an internal scraper: ``/metrics`` answers a request that carries
``Authorization: Bearer <METRICS_TOKEN>`` when METRICS_TOKEN is set, else only a request
from METRICS_ALLOWED_NETWORKS (loopback and the private ranges by default).
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import ipaddress
import logging
import os
import tempfile
import time
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

TASK_BUCKETS = (0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400)


@dataclass(frozen=True)
class Metrics:
    requests: Counter
    request_seconds: Histogram
    tasks: Counter
    task_seconds: Histogram
    tasks_running: Gauge
    busy_seconds: Counter
    compute_cpu_seconds: Counter
    compute_energy_joules: Counter
    compute_cost: Counter


@functools.cache
def metrics() -> Metrics:
    """The metric objects, made on first use: in a worker that is after the fork, once
    the multiprocess folder is chosen."""
    return Metrics(
        requests=Counter("kip_http_requests", "HTTP requests answered, by view and status",
                         ["method", "view", "status"]),
        request_seconds=Histogram("kip_http_request_duration_seconds",
                                  "Time to answer an HTTP request", ["method", "view"]),
        tasks=Counter("kip_celery_tasks", "Celery tasks ended, by task and outcome "
                      "(succeeded, failed, retried, revoked)", ["task", "outcome"]),
        task_seconds=Histogram("kip_celery_task_duration_seconds",
                               "Time a Celery task ran, by task and queue",
                               ["task", "queue"], buckets=TASK_BUCKETS),
        tasks_running=Gauge("kip_celery_tasks_running", "Celery tasks running now",
                            ["task"], multiprocess_mode="livesum"),
        busy_seconds=Counter("kip_celery_worker_busy_seconds",
                             "Seconds a worker spent running tasks", ["worker", "queue"]),
        # What the pipeline's tasks used and cost, as recorded (coprod.compute).
        compute_cpu_seconds=Counter("kip_compute_cpu_seconds",
                                    "CPU seconds of pipeline tasks, by task and device",
                                    ["task", "device"]),
        compute_energy_joules=Counter("kip_compute_energy_joules",
                                      "Energy of pipeline tasks, by task and how it was "
                                      "found (nvml, estimate)", ["task", "source"]),
        compute_cost=Counter("kip_compute_cost", "Cost of pipeline tasks at the prices in "
                             "force, by task and currency", ["task", "currency"]),
    )


# --- requests -------------------------------------------------------------------------

class RequestMetricsMiddleware:
    """Count every request by its view's name (never its path: one series per view)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match is not None else "") or "unresolved"
        found = metrics()
        found.requests.labels(request.method, view, str(response.status_code)).inc()
        found.request_seconds.labels(request.method, view).observe(
            time.perf_counter() - started)
        return response


# --- queues ---------------------------------------------------------------------------

class QueueCollector:
    """The length of every Celery queue, asked of the broker at scrape time."""

    def __init__(self, app, queues, *, timeout: float = 2.0):
        self.app = app
        self.queues = queues
        self.timeout = timeout

    def collect(self):
        length = GaugeMetricFamily("kip_celery_queue_length",
                                   "Messages waiting in a Celery queue", labels=["queue"])
        up = GaugeMetricFamily("kip_broker_up", "1 when the broker answered the scrape")
        try:
            with self.app.connection_for_read() as connection:
                connection.ensure_connection(max_retries=1, timeout=self.timeout)
                for queue in self.queues:
                    length.add_metric([queue], self._length(connection, queue))
        except Exception as error:  # the scrape says the broker is down; it never fails
            logger.warning("metrics: the broker did not answer (%s)", error)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield length
        yield up

    @staticmethod
    def _length(connection, queue: str) -> int:
        # A channel per queue: a queue not declared yet (Redis drops an empty one) is
        # refused, which closes an AMQP channel.
        channel = connection.channel()
        try:
            return channel.queue_declare(queue=queue, passive=True).message_count
        except connection.channel_errors:
            return 0
        finally:
            with contextlib.suppress(Exception):
                channel.close()


# --- the /metrics view ---------------------------------------------------------------

def scrape_allowed(request, *, token: str, networks: list[str]) -> bool:
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)


def exposition(app, queues) -> bytes:
    """This process's metrics (every process's, in multiprocess mode) and the queues'."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
        parts = [generate_latest(registry)]
    else:
        metrics()  # every family is listed, even before its first sample
        parts = [generate_latest(REGISTRY)]
    queue_registry = CollectorRegistry()
    queue_registry.register(QueueCollector(app, queues))
    parts.append(generate_latest(queue_registry))
    return b"".join(parts)


def metrics_view(request):
    from celery import current_app
    from django.conf import settings
    from django.http import HttpResponse, HttpResponseForbidden

    if not scrape_allowed(request, token=settings.METRICS_TOKEN,
                          networks=settings.METRICS_ALLOWED_NETWORKS):
        return HttpResponseForbidden("Metrics are for the platform's scraper.\n",
                                     content_type="text/plain; charset=utf-8")
    queues = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    return HttpResponse(exposition(current_app, queues), content_type=CONTENT_TYPE_LATEST)


# --- workers --------------------------------------------------------------------------

_started: dict[str, float] = {}


def _queue_of(task) -> str:
    info = getattr(task.request, "delivery_info", None) or {}
    return info.get("routing_key") or info.get("exchange") or "default"


def task_started(task_id=None, task=None, **kwargs) -> None:
    _started[task_id] = time.perf_counter()
    metrics().tasks_running.labels(task.name).inc()


def task_ended(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _started.pop(task_id, None)
    found = metrics()
    found.tasks_running.labels(task.name).dec()
    if started is None:
        return
    seconds = time.perf_counter() - started
    queue = _queue_of(task)
    found.task_seconds.labels(task.name, queue).observe(seconds)
    found.busy_seconds.labels(task.request.hostname or "", queue).inc(seconds)
    outcome = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}.get(
        state or "", (state or "unknown").lower())
    found.tasks.labels(task.name, outcome).inc()


def task_revoked(request=None, **kwargs) -> None:
    name = getattr(request, "task", None) or getattr(request, "name", None) or "unknown"
    metrics().tasks.labels(str(name), "revoked").inc()


def worker_serving(port: int, address: str) -> None:
    """In the worker's main process, before the pool forks: choose the multiprocess
    folder and serve every process's metrics on ``port``."""
    from prometheus_client import start_http_server

    # A fresh folder of this worker's own: inside the one given (shared with the web app
    # or other workers on the host, whose files stay theirs), else a temporary one.
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        os.makedirs(given, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="kip-worker-metrics-", dir=given or None)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    # prometheus-client picks its value store when it is imported; choose again now
    # that the folder is set, before any metric exists.
    values.ValueClass = values.get_value_class()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(port, addr=address, registry=registry)
    logger.info("worker metrics on %s:%s (%s)", address, port, folder)


def child_exited(pid: int) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


def worker_starting(**kwargs) -> None:
    from django.conf import settings

    if settings.CELERY_METRICS_PORT:
        worker_serving(settings.CELERY_METRICS_PORT, settings.CELERY_METRICS_BIND)


def connect_worker_signals() -> None:
    """Called from config/celery.py: count tasks wherever they run; a worker serves
    them on CELERY_METRICS_PORT (0: not served)."""
    from celery import signals

    signals.task_prerun.connect(task_started, weak=False)
    signals.task_postrun.connect(task_ended, weak=False)
    signals.task_revoked.connect(task_revoked, weak=False)
    signals.worker_init.connect(worker_starting, weak=False)
    signals.worker_process_shutdown.connect(
        lambda pid=None, **kwargs: child_exited(pid or os.getpid()), weak=False)
