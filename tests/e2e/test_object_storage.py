"""The web process and a real worker share a bucket and nothing else: each has its own
data folder (PLATFORM_DATA_DIR, MEDIA_ROOT) and both keep their files on an S3-compatible
server (moto's server mode on 127.0.0.1, reached over HTTP). A clip uploaded through the
page is transcribed by the worker with the real Whisper model, an approved track over it
is dubbed by the worker (reading the original from the bucket), the worker builds the
delivery package, and the package downloaded through the view has the recorded SHA-256.
"""

import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from config.celery import app as platform_app
from coprod.accounts.models import Company
from coprod.accounts.roles import Role
from localization import background
from localization.delivery import services as delivery
from localization.delivery.models import DeliveryPackage
from localization.dubbing import services as dubbing
from localization.dubbing.models import DubTrack
from localization.subtitles.models import SubtitleTrack
from localization.transcription.models import LocalizationJob
from tests.coprod.rights_helpers import company, grant, hold
from tests.e2e.workers import producer, redis_broker, wait_for, worker_process
from tests.factories import TitleFactory, UserFactory
from tests.localization.conftest import DEMO_CLIP
from tests.localization.dubbing_helpers import approve_models_for, approved_track
from tests.storage.s3 import files_under, moto_server, new_bucket, use_bucket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def finished(run) -> bool:
    return run is not None and run.state in ("done", "failed", "cancelled")


@pytest.fixture
def bucket(tmp_path, settings, monkeypatch):
    """The web side (this process) stores its files in a new bucket; its MEDIA_ROOT
    stays empty."""
    with moto_server(tmp_path / "s3.log") as endpoint:
        created = new_bucket(endpoint)
        use_bucket(created, settings=settings, monkeypatch=monkeypatch,
                   media_root=tmp_path / "web" / "media")
        yield created


def forward_to(sender):
    """Services queue their tasks after commit, as always; in this test process (whose
    settings run tasks eagerly) the message goes to the broker the worker listens on,
    with its task id, routed by the platform's routes."""
    def enqueue(name: str, *, args: list, task_id: str | None = None) -> None:
        queue = platform_app.amqp.router.route({}, name)["queue"].name
        transaction.on_commit(lambda: sender.send_task(
            name, args=args, task_id=task_id, queue=queue, routing_key=queue))
    return enqueue


def test_web_and_worker_share_only_the_bucket(tmp_path, bucket, client,
                                              monkeypatch):
    title = TitleFactory(romanized_title="Haebaragi")
    approve_models_for(title, "whisper-base", "espeak-ng th")
    translator = UserFactory(role=Role.TRANSLATOR)
    rights_manager = UserFactory(role=Role.RIGHTS_MANAGER)
    worker_data = tmp_path / "worker"
    worker_data.mkdir()

    with redis_broker(tmp_path) as broker_url:
        sender = producer(broker_url)
        sender.control.purge()
        monkeypatch.setattr(background, "task_enqueue_on_commit", forward_to(sender))
        with worker_process(database=connection.settings_dict, data_dir=worker_data,
                            broker_url=broker_url, extra_env=bucket.environment):
            client.force_login(translator)
            response = client.post(reverse("localization:media-upload"), {
                "title": title.pk, "file": SimpleUploadedFile(DEMO_CLIP.name,
                                                              DEMO_CLIP.read_bytes())})
            assert response.status_code == 302
            job = wait_for(lambda: LocalizationJob.objects.filter(media__title=title).first(),
                           finished, 600, "the transcription")
            assert job.state == LocalizationJob.State.DONE, job.error
            media = job.media
            assert bucket.read(media.file.name) == DEMO_CLIP.read_bytes()
            korean = SubtitleTrack.objects.get(job=job)
            assert korean.cues.exists()

            thai = approved_track(title, "th", [(0, 2500, "สวัสดีครับ", ""),
                                                (3000, 5000, "ลาก่อนครับ", "")],
                                  media=media, user=rights_manager)
            thai.source_track = korean
            thai.save()
            queued = dubbing.dub_create(track=thai)
            dub = wait_for(lambda: DubTrack.objects.get(pk=queued.pk), finished, 300,
                           "the dub")
            assert dub.state == DubTrack.State.DONE, dub.error
            assert {dub.wav.name, dub.aac.name} <= set(bucket.object_keys())

            licensee = company("Siam Stream", kind=Company.Kind.PARTNER_STUDIO, country="TH")
            hold(title, territory="TH", languages=("th",), kinds=("sub", "dub"),
                 start=date(2026, 1, 1), end=date(2030, 1, 1), contract="CT-IN-7")
            grant(title, licensee="Siam Stream", territory="TH", languages=("th",),
                  kinds=("sub", "dub"), start=date(2026, 1, 1), end=date(2028, 1, 1),
                  contract="CT-OUT-9")
            requested = delivery.package_create(
                title=title, language="th", licensee=licensee, territory="TH",
                media=["svod"], start=date(2026, 6, 1), end=date(2027, 6, 1))
            package = wait_for(lambda: DeliveryPackage.objects.get(pk=requested.pk),
                               finished, 300, "the package")
            assert package.state == DeliveryPackage.State.DONE, package.error

    client.force_login(rights_manager)
    download = client.get(reverse("localization:package-download", args=[package.pk]))
    assert download.status_code == 200 and download.streaming
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == package.sha256
    assert data == bucket.read(package.file.name)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        dub_files = [entry for entry in manifest["files"] if entry["kind"] == "dub"]
        assert len(dub_files) == 2
        for entry in dub_files:
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
        wav = next(entry["path"] for entry in dub_files if entry["format"] == "wav")
        assert archive.read(wav) == bucket.read(dub.wav.name)
    # No disk was shared: neither side kept a stored file in its own folders.
    assert files_under(tmp_path / "web" / "media") == []
    assert files_under(worker_data / "media") == []
