"""The pipeline's resources through the API: media, transcription jobs (create with an
Idempotency-Key, cancel, retry), translations, dubs and delivery packages (request,
status, download), as a partner studio and as the venture's staff."""

import io

import pytest

from coprod.accounts.roles import Role
from localization.delivery.models import DeliveryPackage
from localization.engines import credentials as c2pa_engine
from localization.runs.models import TrackRun
from localization.transcription.models import LocalizationJob
from tests.api.conftest import client_with, problem, token_for
from tests.api.pipeline_helpers import partner_work
from tests.coprod.portal.test_portal_and_statements import partner_agreement
from tests.coprod.rights_helpers import D, company, grant, hold
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    agreement, user, title = partner_agreement("Studio A", "studio-a", "AGR-A", issue=False)
    work = partner_work(user.company, title, marker="MARK-A")
    return user, title, work


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_a_partner_lists_its_own_work_with_progress_and_links(partner):
    user, title, work = partner
    client = client_with(token_for(user, "read"))
    assert ids(client.get("/api/v1/media/")) == [work.media.pk]
    jobs = client.get("/api/v1/jobs/").json()["results"]
    assert [(job["id"], job["state"], job["progress"], job["track"]) for job in jobs] == [
        (work.job.pk, "done", 100, work.korean.pk)]
    assert jobs[0]["track_url"].endswith(f"/api/v1/tracks/{work.korean.pk}/")
    assert ids(client.get("/api/v1/translations/")) == [work.translation.pk]
    dub = client.get(f"/api/v1/dubs/{work.dub.pk}/").json()
    assert dub["state"] == "done" and dub["audio"]["wav"].endswith(
        f"/api/v1/dubs/{work.dub.pk}/audio/wav/")
    package = client.get(f"/api/v1/packages/{work.package.pk}/").json()
    assert package["licensee"] == "Studio A" and package["last_day"] == "2027-12-31"
    assert package["download_url"].endswith(f"/api/v1/packages/{work.package.pk}/download/")
    assert package["credentials_url"].endswith(
        f"/api/v1/packages/{work.package.pk}/credentials/")
    # What made each track, in plain words: the transcript is the machine's.
    korean = client.get(f"/api/v1/tracks/{work.korean.pk}/").json()
    assert korean["disclosure"] == {"origin": "machine", "label": "Machine-made",
                                    "cues": {"machine": 2, "machine_revised": 0, "human": 0},
                                    "cues_that_differ": []}


def test_downloads_stream_the_stored_files(partner):
    user, _title, work = partner
    client = client_with(token_for(user, "read"))
    audio = client.get(f"/api/v1/dubs/{work.dub.pk}/audio/wav/")
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/wav"
    assert b"".join(audio.streaming_content) == work.wav
    package = client.get(f"/api/v1/packages/{work.package.pk}/download/")
    assert package.status_code == 200 and package["Content-Type"] == "application/zip"
    assert b"".join(package.streaming_content) == work.zip
    # A broken download resumes: a Range request gets the rest of the file (206).
    rest = client.get(f"/api/v1/packages/{work.package.pk}/download/", HTTP_RANGE="bytes=10-")
    assert rest.status_code == 206
    assert rest["Content-Range"] == f"bytes 10-{len(work.zip) - 1}/{len(work.zip)}"
    assert b"".join(rest.streaming_content) == work.zip[10:]
    # The ZIP's Content Credentials verify against the ZIP as downloaded.
    sidecar = client.get(f"/api/v1/packages/{work.package.pk}/credentials/")
    assert sidecar.status_code == 200 and sidecar["Content-Type"] == "application/c2pa"
    check = c2pa_engine.read(io.BytesIO(work.zip), "application/octet-stream",
                             sidecar=b"".join(sidecar.streaming_content))
    assert check.intact and not check.embedded
    # No AAC was made: a problem, not an empty file.
    missing = client.get(f"/api/v1/dubs/{work.dub.pk}/audio/aac/")
    assert missing.status_code == 404 and problem(missing)["type"].endswith("/not-found")


def test_a_package_not_built_yet_has_no_download(partner):
    user, _title, work = partner
    DeliveryPackage.objects.filter(pk=work.package.pk).update(state="building")
    client = client_with(token_for(user, "read"))
    assert client.get(f"/api/v1/packages/{work.package.pk}/").json()["download_url"] is None
    assert client.get(f"/api/v1/packages/{work.package.pk}/download/").status_code == 404


def test_a_job_is_created_once_per_idempotency_key(partner):
    user, _title, work = partner
    client = client_with(token_for(user))
    headers = {"HTTP_IDEMPOTENCY_KEY": "job-once"}
    first = client.post("/api/v1/jobs/", {"media": work.media.pk, "language": "ko"},
                        format="json", **headers)
    again = client.post("/api/v1/jobs/", {"media": work.media.pk, "language": "ko"},
                        format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["state"] == "queued"
    assert first["Location"].endswith(f"/api/v1/jobs/{first.json()['id']}/")
    assert LocalizationJob.objects.filter(media=work.media).count() == 2  # the old and one new


def test_a_job_is_cancelled_then_retried_and_an_illegal_move_is_a_conflict(partner):
    user, _title, work = partner
    client = client_with(token_for(user))
    job = client.post("/api/v1/jobs/", {"media": work.media.pk}, format="json").json()
    cancelled = client.post(f"/api/v1/jobs/{job['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = client.post(f"/api/v1/jobs/{job['id']}/cancel/")
    assert again.status_code == 409
    assert "cancelled" in problem(again)["detail"]
    retried = client.post(f"/api/v1/jobs/{job['id']}/retry/")
    assert retried.status_code == 200 and retried.json()["state"] == "queued"
    # A finished job cannot be retried: it says why.
    done = client.post(f"/api/v1/jobs/{work.job.pk}/retry/")
    assert done.status_code == 409 and "only a failed or cancelled" in problem(done)["detail"]


def test_a_partner_cannot_start_work_on_media_it_did_not_bring(partner):
    user, _title, work = partner
    _agreement, other, other_title = partner_agreement("Studio B", "studio-b", "AGR-B",
                                                       issue=False)
    theirs = partner_work(other.company, other_title, marker="MARK-B")
    client = client_with(token_for(user))
    refused = client.post("/api/v1/jobs/", {"media": theirs.media.pk}, format="json")
    assert refused.status_code == 400
    assert problem(refused)["errors"][0]["pointer"] == "#/media"
    assert client.post("/api/v1/translations/", {"track": theirs.korean.pk},
                       format="json").status_code == 400
    assert client.post("/api/v1/dubs/", {"track": theirs.japanese.pk},
                       format="json").status_code == 400
    assert client.post(f"/api/v1/jobs/{theirs.job.pk}/retry/").status_code == 404
    assert LocalizationJob.objects.filter(media=theirs.media).count() == 1


def test_a_read_token_starts_nothing(partner):
    user, _title, work = partner
    client = client_with(token_for(user, "read"))
    refused = client.post("/api/v1/jobs/", {"media": work.media.pk}, format="json")
    assert refused.status_code == 403
    assert problem(refused)["type"].endswith("/insufficient-scope")


def test_translation_of_a_track_that_is_not_korean_is_refused_with_the_reason(partner):
    user, _title, work = partner
    client = client_with(token_for(user))
    refused = client.post("/api/v1/translations/", {"track": work.japanese.pk,
                                                    "languages": ["th"]}, format="json")
    assert refused.status_code == 400
    assert "Only a Korean track is translated" in problem(refused)["detail"]


def test_a_translation_request_makes_one_run_and_track_per_language(partner):
    user, _title, work = partner
    client = client_with(token_for(user))
    made = client.post("/api/v1/translations/", {"track": work.korean.pk,
                                                 "languages": ["ja", "th"]}, format="json",
                       HTTP_IDEMPOTENCY_KEY="translate-1")
    assert made.status_code == 201, made.content
    runs = made.json()
    assert [run["language"] for run in runs] == ["ja", "th"]
    assert {run["source_track"] for run in runs} == {work.korean.pk}
    assert TrackRun.objects.filter(kind="translation", track__source_track=work.korean
                                   ).count() == 3  # the fixture's and two new
    replay = client.post("/api/v1/translations/", {"track": work.korean.pk,
                                                   "languages": ["ja", "th"]}, format="json",
                         HTTP_IDEMPOTENCY_KEY="translate-1")
    assert replay.json() == runs
    assert TrackRun.objects.filter(kind="translation").count() == 3


def test_a_dub_of_a_track_in_review_is_refused(partner):
    user, _title, work = partner
    refused = client_with(token_for(user)).post("/api/v1/dubs/", {"track": work.korean.pk},
                                                format="json")
    assert refused.status_code == 400
    assert "Only an approved track can be dubbed" in problem(refused)["detail"]


def test_a_partner_requests_a_package_for_its_own_company_only(partner):
    user, title, work = partner
    hold(title, territory="JP", languages=("ja",), kinds=("sub",), start=D(2026, 1, 1),
         end=None)
    client = client_with(token_for(user))
    body = {"title": title.pk, "language": "ja", "territory": "JP", "media": ["svod"],
            "start": "2027-01-01", "last_day": "2027-12-31", "include_dub": False}
    refused = client.post("/api/v1/packages/", body, format="json")
    assert refused.status_code == 400
    assert "Studio A" in problem(refused)["detail"]  # not granted to the studio yet
    grant(title, licensee="Studio A", territory="JP", languages=("ja",), kinds=("sub",),
          start=D(2026, 1, 1), end=D(2029, 1, 1))
    made = client.post("/api/v1/packages/", body, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["state"] == "queued" and made.json()["licensee"] == "Studio A"
    elsewhere = client.post("/api/v1/packages/", {**body, "licensee": company("Siam").pk},
                            format="json")
    assert elsewhere.status_code == 403
    assert "own company" in problem(elsewhere)["detail"]
    assert DeliveryPackage.objects.filter(licensee__name="Siam").count() == 0


def test_translators_see_the_work_but_not_the_packages(partner):
    _user, _title, work = partner
    translator = client_with(token_for(UserFactory(role=Role.TRANSLATOR), "read"))
    assert work.job.pk in ids(translator.get("/api/v1/jobs/"))
    denied = translator.get("/api/v1/packages/")
    assert denied.status_code == 403
    manager = client_with(token_for(UserFactory(role=Role.RIGHTS_MANAGER), "read"))
    assert ids(manager.get("/api/v1/packages/")) == [work.package.pk]


def test_a_rights_manager_names_the_licensee(partner):
    _user, title, _work = partner
    manager = client_with(token_for(UserFactory(role=Role.RIGHTS_MANAGER)))
    refused = manager.post("/api/v1/packages/", {
        "title": title.pk, "language": "ja", "territory": "JP", "media": ["svod"],
        "start": "2027-01-01"}, format="json")
    assert refused.status_code == 400
    assert problem(refused)["errors"][0]["pointer"] == "#/licensee"
    backwards = manager.post("/api/v1/packages/", {
        "title": title.pk, "language": "ja", "territory": "JP", "media": ["svod"],
        "start": "2027-01-01", "last_day": "2026-01-01"}, format="json")
    assert backwards.status_code == 400
    assert problem(backwards)["errors"][0]["pointer"] == "#/last_day"
