"""A real worker (prefork, Redis) serves its tasks' metrics on CELERY_METRICS_PORT: the
durations and outcomes its pool process recorded, added up by the main process."""

import pytest
import requests
from django.db import connection
from django_celery_results.models import TaskResult

from tests.e2e.workers import free_port, producer, redis_broker, wait_for, worker_process
from tests.observability.test_metrics import samples, value

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TASK = "localization.tasks.requeue_stale_runs"


def test_a_worker_serves_task_durations_outcomes_and_busy_time(tmp_path):
    port = free_port()
    with redis_broker(tmp_path) as broker_url:
        app = producer(broker_url)
        app.control.purge()
        with worker_process(database=connection.settings_dict, data_dir=tmp_path,
                            broker_url=broker_url, queues="default",
                            extra_env={"CELERY_METRICS_PORT": str(port),
                                       "CELERY_METRICS_BIND": "127.0.0.1"}) as worker:
            ok = app.send_task(TASK, queue="default", routing_key="default")
            broken = app.send_task(TASK, args=[1, 2, 3], queue="default",  # a TypeError
                                   routing_key="default")
            results = wait_for(
                lambda: dict(TaskResult.objects.filter(task_id__in=[ok.id, broken.id])
                             .values_list("task_id", "status")),
                lambda found: len(found) == 2, 120, "both tasks to end")
            assert results == {ok.id: "SUCCESS", broken.id: "FAILURE"}
            found = wait_for(
                lambda: samples(requests.get(f"http://127.0.0.1:{port}/metrics",
                                             timeout=5).text),
                lambda found: value(found, "kip_celery_task_duration_seconds_count",
                                    task=TASK, queue="default") == 2,
                60, "the worker's metrics")
    assert value(found, "kip_celery_tasks_total", task=TASK, outcome="succeeded") == 1
    assert value(found, "kip_celery_tasks_total", task=TASK, outcome="failed") == 1
    assert value(found, "kip_celery_worker_busy_seconds_total", worker=worker.name,
                 queue="default") > 0
    assert value(found, "kip_celery_tasks_running", task=TASK) == 0
