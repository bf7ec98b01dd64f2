import pytest
from django.urls import reverse
from django_celery_results.models import TaskResult

from config.celery import app
from coprod.accounts.roles import Role


@pytest.mark.parametrize(("task_name", "queue"), [
    ("localization.tasks.transcribe_media", "gpu"),
    ("localization.tasks.translate_track", "cpu"),
    ("localization.tasks.check_track_quality", "cpu"),
    ("localization.tasks.dub_track", "cpu"),
    ("localization.tasks.detect_shot_changes", "cpu"),
    ("localization.tasks.requeue_stale_runs", "default"),
    ("coprod.tasks.send_statement", "default"),
])
def test_tasks_are_routed_to_the_queue_of_their_workload(task_name, queue):
    route = app.amqp.router.route({}, task_name)
    assert route["queue"].name == queue


def test_beat_runs_the_check_for_runs_whose_worker_is_gone(settings):
    entry = app.conf.beat_schedule["requeue-stale-runs"]
    assert entry["task"] == "localization.tasks.requeue_stale_runs"
    assert entry["task"] in app.tasks
    assert entry["schedule"] == settings.RUN_STALE_CHECK_SECONDS


def test_celery_is_configured_from_django_settings():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.result_backend == "django-db"
    assert {queue.name for queue in app.conf.task_queues} == {"gpu", "cpu", "default"}


@pytest.mark.django_db
def test_system_status_page_sends_checks_and_shows_their_results(client_for):
    client, _ = client_for(Role.ADMINISTRATOR)
    response = client.post(reverse("system-health-check"))
    assert response.status_code == 302
    results = TaskResult.objects.filter(task_name="platform.worker_health_check")
    assert results.count() == 3
    page = client.get(reverse("system-status")).content.decode()
    for queue in ("gpu", "cpu", "default"):
        assert f"<td>{queue}</td>" in page


@pytest.mark.django_db
def test_only_administrators_may_send_health_checks(client_for):
    client, _ = client_for(Role.RIGHTS_MANAGER)
    assert client.post(reverse("system-health-check")).status_code == 403
    assert not TaskResult.objects.exists()
