"""The platform on three hosts: the web app (gunicorn), a ``gpu`` worker and a ``cpu``
worker (with the periodic tasks), each in a Linux network namespace of its own with its
own data and temporary folders, sharing no disk and reaching only PostgreSQL, the broker
and the S3 server, over the network (veth pairs and a bridge). The README's partner
script, on the test machine, takes the demo clip from a tus upload to the delivery
package through them: the gpu host transcribes it (in parallel chunks whose audio goes
through the bucket), the cpu host translates it and builds the package.

Skipped, saying why, where network namespaces cannot be made (not root, no iproute2).
"""

import hashlib
import os
import sys
from urllib.parse import urlsplit

import pytest
import requests
from django.db import connection
from django.urls import reverse

from localization.delivery.models import DeliveryPackage
from localization.runs.models import TrackRun
from localization.subtitles.formats import read_subtitles
from localization.transcription.models import LocalizationJob, TranscriptionChunk
from tests.e2e import hosts
from tests.e2e.test_partner_script import partner_case, run_partner_script
from tests.e2e.workers import ROOT, _stop, _wait_for, free_port, redis_broker
from tests.localization.conftest import DEMO_CLIP
from tests.storage.s3 import moto_server, new_bucket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WHY_NOT = hosts.unavailable_reason()
HOSTS = ["web", "gpu", "cpu"]
WEB_PORT = 8000


@pytest.fixture
def net():
    if WHY_NOT:
        pytest.skip(f"no separate hosts here: {WHY_NOT}")
    with hosts.network(HOSTS) as created:
        yield created


def host_env(net, name: str, folder, *, database: str, broker: str, bucket) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "TMPDIR"}}
    (folder / "tmp").mkdir(parents=True)
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL=database,
               CELERY_BROKER_URL=broker, PLATFORM_DATA_DIR=str(folder),
               TMPDIR=str(folder / "tmp"), PWD=str(ROOT), DEBUG="false",
               ALLOWED_HOSTS=net.addresses["web"], WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true",
               # The 28 s clip in chunks of about 10 s, each a task of its own.
               WHISPER_PARALLEL_CHUNK_SECONDS="10", **bucket.environment,
               # The venture's signing identity, as a mounted secret outside the host's
               # data folder (the tests' development pair).
               **signing_secret())
    return env


def signing_secret() -> dict:
    from django.conf import settings

    from localization.credentials.services import signing_identity

    signing_identity()  # made once for the whole run
    return {"C2PA_CERT_FILE": settings.C2PA_CERT_FILE, "C2PA_KEY_FILE": settings.C2PA_KEY_FILE,
            "C2PA_TRUST_ANCHORS_FILE": settings.C2PA_TRUST_ANCHORS_FILE}


def started(process, log_path, ready) -> None:
    def up() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"a host's process exited:\n{log_path.read_text()}")
        return ready()
    _wait_for(up, timeout=120)


def web_answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/api/problems/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def worker_command(queues: str, name: str, folder, *, beat: bool = False) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues,
            "--concurrency", "1", "--prefetch-multiplier", "1", "--hostname", name,
            "--loglevel", "INFO", "--without-gossip", "--without-mingle",
            *(["--beat", "--schedule", str(folder / "beat")] if beat else [])]


def kept_files(folder) -> list[str]:
    """What a host left in its folders besides its logs, beat's schedule and the hidden
    markers native libraries leave in a temporary folder."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*")
                  if path.is_file() and path.suffix != ".log"
                  and not path.name.startswith(("beat", ".")))


def test_upload_to_delivery_package_across_three_hosts(tmp_path, net):
    case = partner_case("Studio N", "studio-n", "AGR-N")
    out = tmp_path / "partner-downloads"
    gateway = net.gateway
    db = connection.settings_dict
    db_port = int(db.get("PORT") or 5432)

    with redis_broker(tmp_path) as local_broker, \
            moto_server(tmp_path / "s3.log", host=gateway) as endpoint:
        broker = urlsplit(local_broker)
        bucket = new_bucket(endpoint)
        targets = {db_port: (db.get("HOST") or "127.0.0.1", db_port),
                   broker.port: (broker.hostname, broker.port)}
        database_url = f"postgres://{db['USER']}@{gateway}:{db_port}/{db['NAME']}"
        broker_url = f"redis://{gateway}:{broker.port}{broker.path}"
        folders = {name: tmp_path / name for name in HOSTS}
        envs = {name: host_env(net, name, folders[name], database=database_url,
                               broker=broker_url, bucket=bucket) for name in HOSTS}
        base = f"http://{net.addresses['web']}:{WEB_PORT}"
        processes = []
        with hosts.forwarded(gateway, targets):
            try:
                web = net.popen("web", [
                    sys.executable, "-m", "gunicorn", "config.wsgi", "--bind",
                    f"{net.addresses['web']}:{WEB_PORT}", "--workers", "2", "--timeout", "300",
                    "--access-logfile", "-"], env=envs["web"], log_path=folders["web"] / "web.log")
                processes.append(web)
                gpu = net.popen("gpu", worker_command("gpu", "gpu@host-gpu", folders["gpu"]),
                                env=envs["gpu"], log_path=folders["gpu"] / "worker.log")
                processes.append(gpu)
                cpu = net.popen("cpu", worker_command("cpu,default", "cpu@host-cpu",
                                                      folders["cpu"], beat=True),
                                env=envs["cpu"], log_path=folders["cpu"] / "worker.log")
                processes.append(cpu)
                started(web, folders["web"] / "web.log", lambda: web_answers(base))
                for process, name in ((gpu, "gpu"), (cpu, "cpu")):
                    log = folders[name] / "worker.log"
                    started(process, log, lambda log=log: b"ready." in log.read_bytes())

                hook_port = free_port()
                track_id, written, _transcript = run_partner_script(
                    base, case, out, webhook_port=hook_port,
                    webhook_url=f"http://{gateway}:{hook_port}/hooks")
                keys = bucket.object_keys()
            finally:
                for process in reversed(processes):
                    _stop(process)

    # The script got what it asked for.
    cues, _notes = read_subtitles((out / f"track-{track_id}.ja.ttml").read_bytes(), "ttml")
    assert [cue.text for cue in cues] == written
    package = DeliveryPackage.objects.get(licensee=case.partner.company)
    [archive] = out.glob("package-*.zip")
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == package.sha256
    # Each step ran on its host.
    job = LocalizationJob.objects.get(media__title=case.title)
    assert job.state == "done" and job.worker == "gpu@host-gpu"
    chunks = TranscriptionChunk.objects.filter(job=job)
    assert job.chunk_count == chunks.count() >= 2
    assert set(chunks.values_list("worker", flat=True)) == {"gpu@host-gpu"}
    translation = TrackRun.objects.get(track_id=track_id, kind=TrackRun.Kind.TRANSLATION)
    assert translation.worker == "cpu@host-cpu"
    assert package.worker == "cpu@host-cpu" and package.state == "done"
    assert package.credentials["signed"] is True  # the ZIP's sidecar, signed on the cpu host
    # The files are in the bucket; no host kept one (the temporary copies are gone too).
    assert any(key.endswith(DEMO_CLIP.suffix) for key in keys)
    assert any(key.endswith(".zip") for key in keys)
    assert not any(key.startswith("transcription/") for key in keys)  # chunk audio removed
    for name in HOSTS:
        assert kept_files(folders[name]) == [], name
    download = reverse("api:v1:package-download", args=[package.pk])
    assert download in (folders["web"] / "web.log").read_text()
