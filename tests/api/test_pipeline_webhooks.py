"""The pipeline's webhook events: a finished or failed run (``job.finished``,
``job.failed``), an approved track (``track.approved``) and a built package
(``package.ready``) reach the subscribed endpoints of the company whose media the work is
on (a package's licensee), and nobody else's; the venture's own work tells no partner."""

import pytest

from coprod.api import tasks
from coprod.api.models import WebhookDelivery
from coprod.api.webhooks import webhook_endpoint_create
from localization.delivery import services as delivery_services
from localization.dubbing import services as dubbing_services
from localization.review import services as review_services
from localization.runs import lifecycle
from localization.subtitles.models import SubtitleCue
from localization.transcription import services as transcription_services
from localization.transcription.models import LocalizationJob
from tests.api.pipeline_helpers import partner_work
from tests.coprod.portal.test_portal_and_statements import partner_agreement
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EVENTS = ["job.finished", "job.failed", "track.approved", "package.ready"]


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """Deliveries are written and their sending queued; the sending is not run here
    (tests/api/test_webhooks.py sends them to a real receiver)."""
    calls = []
    monkeypatch.setattr(tasks.webhook_deliver, "apply_async",
                        lambda args, countdown=None: calls.append(args[0]))
    return calls


@pytest.fixture
def studios():
    made = []
    for name, username, reference in (("Studio A", "studio-a", "AGR-A"),
                                      ("Studio B", "studio-b", "AGR-B")):
        _agreement, user, title = partner_agreement(name, username, reference, issue=False)
        work = partner_work(user.company, title, marker=reference)
        endpoint = webhook_endpoint_create(actor=user, url=f"https://{username}.example.com/h",
                                           events=EVENTS)
        made.append((user, title, work, endpoint))
    return made


def delivered(endpoint) -> list[tuple[str, dict]]:
    return [(delivery.event, delivery.payload["data"])
            for delivery in WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")]


def test_a_finished_transcription_tells_its_owner_with_the_track_to_fetch(
        studios, django_capture_on_commit_callbacks, queued):
    (_user, _title, work, endpoint), (_b, _tb, _work_b, endpoint_b) = studios
    job = LocalizationJob.objects.create(media=work.media)
    with django_capture_on_commit_callbacks(execute=True):
        job, claimed = lifecycle.run_claim(transcription_services.KIND, job.pk)
        assert claimed
        for state in ("transcribing", "segmenting"):
            lifecycle.run_move(transcription_services.KIND, job, state)
        work.korean.job = job
        work.korean.save()
        lifecycle.run_finish(transcription_services.KIND, job)
    [(event, data)] = delivered(endpoint)
    assert event == "job.finished"
    assert data["kind"] == "transcription" and data["id"] == job.pk
    assert data["state"] == "done"
    assert data["url"] == f"/api/v1/jobs/{job.pk}/"
    assert data["track"] == work.korean.pk
    assert data["track_url"] == f"/api/v1/tracks/{work.korean.pk}/"
    assert delivered(endpoint_b) == []
    assert len(queued) == 1


def test_a_failed_job_says_why(studios, django_capture_on_commit_callbacks):
    (_user, _title, work, endpoint), _b = studios
    job = LocalizationJob.objects.create(media=work.media)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.run_claim(transcription_services.KIND, job.pk)
        lifecycle.run_fail(transcription_services.KIND, job, "The audio cannot be decoded.")
    [(event, data)] = delivered(endpoint)
    assert event == "job.failed"
    assert data["error"] == "The audio cannot be decoded." and data["state"] == "failed"


def test_an_event_nobody_subscribed_to_is_not_sent(studios,
                                                   django_capture_on_commit_callbacks):
    (user, _title, work, endpoint), _b = studios
    endpoint.events = ["package.ready"]
    endpoint.save()
    job = LocalizationJob.objects.create(media=work.media)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.run_claim(transcription_services.KIND, job.pk)
        lifecycle.run_fail(transcription_services.KIND, job, "no")
    assert delivered(endpoint) == []


def test_approving_the_last_cue_tells_the_owner_the_track_is_approved(
        studios, django_capture_on_commit_callbacks):
    (_user, _title, work, endpoint), (_b, _tb, _wb, endpoint_b) = studios
    reviewer = UserFactory(role="reviewer")
    track = work.korean
    cues = list(track.cues.order_by("index"))
    with django_capture_on_commit_callbacks(execute=True):
        for cue in cues:
            review_services.cue_set_state(cue=cue, action="approve", actor=reviewer,
                                          expected_revision=cue.revision)
    [(event, data)] = delivered(endpoint)
    assert event == "track.approved"
    assert data["id"] == track.pk and data["language"] == "ko"
    assert data["url"] == f"/api/v1/tracks/{track.pk}/" and data["approved_at"]
    assert set(track.cues.values_list("state", flat=True)) == {SubtitleCue.State.APPROVED}
    assert delivered(endpoint_b) == []


def test_a_built_package_is_ready_for_its_licensee(studios, django_capture_on_commit_callbacks):
    (_user, _title, work, endpoint), (_b, _tb, _wb, endpoint_b) = studios
    package = work.package
    type(package).objects.filter(pk=package.pk).update(state="queued", progress=0)
    with django_capture_on_commit_callbacks(execute=True):
        package, claimed = lifecycle.run_claim(delivery_services.KIND, package.pk)
        assert claimed
        lifecycle.run_finish(delivery_services.KIND, package)
    events = dict(delivered(endpoint))
    assert set(events) == {"job.finished", "package.ready"}
    ready = events["package.ready"]
    assert ready["kind"] == "package" and ready["id"] == package.pk
    assert ready["download_url"] == f"/api/v1/packages/{package.pk}/download/"
    assert delivered(endpoint_b) == []


def test_the_ventures_own_work_tells_no_partner(studios, django_capture_on_commit_callbacks):
    (_user, _title, work, _endpoint), _b = studios
    type(work.media).objects.filter(pk=work.media.pk).update(company=None)
    dub = type(work.dub).objects.create(track=work.japanese)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.run_claim(dubbing_services.KIND, dub.pk)
        lifecycle.run_fail(dubbing_services.KIND, dub, "no voice")
    assert WebhookDelivery.objects.count() == 0
