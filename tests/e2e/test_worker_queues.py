"""A task sent to each queue is run by a real worker process and its result is recorded
in the database, on Redis and on the embedded file-system broker."""

import json
import os
import time

import pytest
from django.db import connection
from django_celery_results.models import TaskResult

from config.embedded import filesystem_broker
from tests.e2e.workers import celery_worker, producer, redis_broker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUES = ("gpu", "cpu", "default")


def send_to_every_queue(app) -> dict[str, str]:
    task_ids = {}
    for queue in QUEUES:
        result = app.send_task("platform.worker_health_check", queue=queue, routing_key=queue)
        task_ids[queue] = result.id
    return task_ids


def wait_for_results(task_ids: dict[str, str], timeout: float = 60) -> dict[str, TaskResult]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = {row.task_id: row for row in TaskResult.objects.filter(
            task_id__in=task_ids.values(), status="SUCCESS")}
        if len(rows) == len(task_ids):
            return {queue: rows[task_id] for queue, task_id in task_ids.items()}
        time.sleep(0.3)
    raise AssertionError(f"results missing after {timeout} s: {task_ids}")


def assert_answered_by(results: dict[str, TaskResult], worker_name: str) -> None:
    for queue, row in results.items():
        answer = json.loads(row.result)
        assert answer["queue"] == queue
        assert answer["worker"] == worker_name
        assert answer["pid"] != os.getpid()
        assert answer["database"] == connection.settings_dict["NAME"]


def test_worker_on_redis_serves_every_queue(tmp_path):
    with redis_broker(tmp_path) as broker_url:
        app = producer(broker_url)
        app.control.purge()
        with celery_worker(database=connection.settings_dict, data_dir=tmp_path,
                           broker_url=broker_url) as worker_name:
            results = wait_for_results(send_to_every_queue(app))
    assert_answered_by(results, worker_name)


def test_worker_on_the_embedded_broker_serves_every_queue(tmp_path):
    broker_url, options = filesystem_broker(tmp_path / "broker")
    app = producer(broker_url, options)
    task_ids = send_to_every_queue(app)  # queued before the worker exists: nothing is lost
    assert len(list((tmp_path / "broker" / "queue").iterdir())) == len(QUEUES)
    with celery_worker(database=connection.settings_dict, data_dir=tmp_path,
                       broker_url=None) as worker_name:
        results = wait_for_results(task_ids)
    assert_answered_by(results, worker_name)


def test_worker_only_takes_its_own_queues(tmp_path):
    broker_url, options = filesystem_broker(tmp_path / "broker")
    app = producer(broker_url, options)
    task_ids = send_to_every_queue(app)
    with celery_worker(database=connection.settings_dict, data_dir=tmp_path,
                       broker_url=None, queues="cpu") as worker_name:
        results = wait_for_results({"cpu": task_ids["cpu"]})
        # The worker polls its queues in turn: by the time it has taken two more cpu
        # messages, one after the other, it has looked at every queue it consumes.
        for _round in range(2):
            later = app.send_task("platform.worker_health_check", queue="cpu",
                                  routing_key="cpu")
            wait_for_results({"cpu": later.id})
    assert_answered_by(results, worker_name)
    others = [task_ids["gpu"], task_ids["default"]]
    assert not TaskResult.objects.filter(task_id__in=others).exists()
