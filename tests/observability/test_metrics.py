"""Prometheus metrics: requests by view, queue lengths from a real broker, the broker's
health, who may scrape, and the example dashboard's queries against what is exported."""

import json
import re
import uuid
import warnings
from pathlib import Path

import pytest
from celery import Celery
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from config import metrics
from tests.e2e.workers import redis_answers

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "infra" / "grafana" / "kip-dashboard.json"
QUEUES = ["default", "cpu", "gpu"]


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value}"""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(client, **extra) -> dict:
    response = client.get(reverse("metrics"), **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return samples(response.content.decode())


def test_requests_are_counted_by_view_and_status(client, db):
    before = scrape(client)
    for _ in range(3):
        assert client.get(reverse("healthz")).status_code == 200
    client.get("/no-such-page/")
    after = scrape(client)
    name = "kip_http_requests_total"
    assert value(after, name, method="GET", view="healthz", status="200") - value(
        before, name, method="GET", view="healthz", status="200") == 3
    assert value(after, name, method="GET", view="unresolved", status="404") >= 1
    assert value(after, "kip_http_request_duration_seconds_count", method="GET",
                 view="healthz") >= 3
    # One series per view, never per path.
    assert not any("no-such-page" in str(labels) for _name, labels in after)


@pytest.fixture
def redis_app():
    url = "redis://127.0.0.1:6379/13"
    if not redis_answers(url):
        pytest.skip("no Redis on 127.0.0.1:6379 (make test starts one: infra/start-services.sh)")
    app = Celery(f"metrics-{uuid.uuid4().hex[:6]}", broker=url)
    from django.conf import settings

    app.conf.update(task_queues=settings.CELERY_TASK_QUEUES, task_serializer="json")
    with app.connection_for_write() as connection:
        for queue in QUEUES:
            connection.default_channel.queue_purge(queue)
    yield app
    with app.connection_for_write() as connection:
        for queue in QUEUES:
            connection.default_channel.queue_purge(queue)


def test_queue_lengths_are_the_brokers(redis_app):
    for _ in range(3):
        redis_app.send_task("localization.tasks.translate_track", args=[0], queue="cpu",
                            routing_key="cpu")
    redis_app.send_task("localization.tasks.transcribe_media", args=[0], queue="gpu",
                        routing_key="gpu")
    found = samples(metrics.exposition(redis_app, QUEUES).decode())
    assert value(found, "kip_broker_up") == 1
    assert value(found, "kip_celery_queue_length", queue="cpu") == 3
    assert value(found, "kip_celery_queue_length", queue="gpu") == 1
    assert ("kip_celery_queue_length", (("queue", "default"),)) in found  # empty: 0
    assert value(found, "kip_celery_queue_length", queue="default") == 0


def test_a_broker_that_does_not_answer_is_a_gauge_not_an_error():
    app = Celery("metrics-down", broker="redis://127.0.0.1:9/0")
    found = samples(metrics.exposition(app, QUEUES).decode())
    assert value(found, "kip_broker_up") == 0
    assert not any(name == "kip_celery_queue_length" for name, _labels in found)


def test_the_view_reads_the_platforms_broker(client, db):
    from celery import current_app

    with warnings.catch_warnings():  # the test settings run tasks eagerly; not send_task
        warnings.simplefilter("ignore")
        current_app.send_task("localization.tasks.dub_track", args=[0], queue="cpu",
                              routing_key="cpu")
    try:
        assert value(scrape(client), "kip_celery_queue_length", queue="cpu") >= 1
    finally:
        with current_app.connection_for_write() as connection:
            connection.default_channel.queue_purge("cpu")


def test_only_the_scraper_reads_the_metrics(client, db, settings):
    settings.METRICS_TOKEN = ""
    assert client.get(reverse("metrics"), REMOTE_ADDR="203.0.113.9").status_code == 403
    assert client.get(reverse("metrics"), REMOTE_ADDR="10.4.0.7").status_code == 200
    settings.METRICS_TOKEN = "scrape-secret"
    refused = client.get(reverse("metrics"))
    assert refused.status_code == 403 and b"kip_" not in refused.content
    assert client.get(reverse("metrics"),
                      HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get(reverse("metrics"),
                      HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200


def exported_names() -> set[str]:
    """Every sample name the platform exports."""
    names = {"kip_broker_up", "kip_celery_queue_length"}
    suffixes = {"counter": ("_total",), "gauge": ("",),
                "histogram": ("_bucket", "_count", "_sum")}
    for metric in vars(metrics.metrics()).values():
        for family in metric.describe():
            names.update(family.name + suffix for suffix in suffixes[family.type])
    return names


def test_the_dashboard_asks_only_for_exported_metrics():
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [target["expr"] for panel in dashboard["panels"]
                   for target in panel.get("targets", [])]
    assert len(expressions) >= 6
    used = {name for expr in expressions for name in re.findall(r"\bkip_[a-z_]+", expr)}
    assert used, "the dashboard queries the platform's metrics"
    assert used <= exported_names(), used - exported_names()
    # Each kind of metric the issue names has a panel.
    for needed in ("kip_celery_queue_length", "kip_celery_task_duration_seconds_bucket",
                   "kip_celery_tasks_total", "kip_celery_worker_busy_seconds_total",
                   "kip_http_requests_total"):
        assert needed in used, needed
