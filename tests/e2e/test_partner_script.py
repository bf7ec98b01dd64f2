"""The README's partner script, run for real: the web app (``manage.py runserver``) and a
Celery worker are separate processes on Redis and the test database; the script uploads
the demo clip with tus, waits for its transcription through a signed webhook, asks for
the Japanese translation and waits for its approval — which a translator and a reviewer
give here through the API (If-Match on every write) — then downloads the approved track
as TTML and the delivery package, whose SHA-256 it checks."""

import contextlib
import datetime as dt
import hashlib
import io
import os
import queue
import subprocess
import sys
import threading
import zipfile
from dataclasses import dataclass

import pytest
import requests
from django.db import connection
from django.urls import reverse

from config.environment import database_url_for
from coprod.accounts.roles import Role
from localization.delivery.models import DeliveryPackage
from localization.subtitles.formats import read_subtitles
from tests.api.conftest import token_for
from tests.coprod.portal.test_portal_and_statements import partner_agreement
from tests.coprod.rights_helpers import grant, hold
from tests.e2e.workers import ROOT, _stop, _wait_for, free_port, redis_broker, worker_process
from tests.factories import UserFactory
from tests.localization.conftest import DEMO_CLIP, approve_whisper_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCRIPT = ROOT / "docs" / "examples" / "partner_pipeline.py"
STEP_TIMEOUT = 300


def server_env(data_dir, broker_url) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local",
               DATABASE_URL=database_url_for(connection.settings_dict),
               PLATFORM_DATA_DIR=str(data_dir), CELERY_BROKER_URL=broker_url,
               WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true", DEBUG="false",
               ALLOWED_HOSTS="127.0.0.1,localhost")
    return env


@contextlib.contextmanager
def web_server(data_dir, broker_url):
    port = free_port()
    log_path = data_dir / "web.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT, env=server_env(data_dir, broker_url), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the web server exited:\n{log_path.read_text()}")
        try:
            return requests.get(f"{base}/api/problems/", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        _wait_for(answers, timeout=90)
        yield base, log_path
    finally:
        _stop(process)


def lines_of(process) -> queue.Queue:
    """The script's output, line by line, read on a thread (the test waits on the queue)."""
    lines: queue.Queue = queue.Queue()

    def read():
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def next_line(lines: queue.Queue, starting: str, transcript: list[str]) -> str:
    while True:
        line = lines.get(timeout=STEP_TIMEOUT)
        if line is None:
            raise AssertionError("the script ended early:\n" + "".join(transcript))
        transcript.append(line)
        if line.startswith(starting):
            return line


def revise_and_approve(base: str, track_id: int, translator: str, reviewer: str) -> list[str]:
    """A translator writes each cue (If-Match: its ETag), a reviewer approves each one."""
    written = []
    cues_url = f"{base}/api/v1/tracks/{track_id}/cues/"
    as_translator = {"Authorization": f"Bearer {translator}"}
    as_reviewer = {"Authorization": f"Bearer {reviewer}"}
    cues = requests.get(cues_url, headers=as_translator, timeout=30).json()["results"]
    assert cues, "the translation has cues"
    for number, cue in enumerate(cues, start=1):
        url = f"{cues_url}{cue['id']}/"
        current = requests.get(url, headers=as_translator, timeout=30)
        text = f"翻訳者の字幕 {number}"
        saved = requests.patch(url, json={"text": text}, timeout=30,
                               headers={**as_translator, "If-Match": current.headers["ETag"]})
        assert saved.status_code == 200, saved.text
        written.append(text)
        approved = requests.post(f"{url}review/", json={"action": "approve"}, timeout=30,
                                 headers={**as_reviewer, "If-Match": saved.headers["ETag"]})
        assert approved.status_code in (200, 201), approved.text
    return written


@dataclass
class PartnerCase:
    """A partner studio licensed for Japanese subtitles of a title whose agreement
    approves Whisper, and the API tokens of the people in the script's run."""

    partner: object
    title: object
    partner_token: str
    translator: str
    reviewer: str


def partner_case(studio: str, username: str, reference: str) -> PartnerCase:
    _agreement, partner, title = partner_agreement(studio, username, reference, issue=False)
    approve_whisper_for(title)
    hold(title, territory="JP", languages=("ja",), kinds=("sub",), start=dt.date(2026, 1, 1),
         end=None)
    grant(title, licensee=studio, territory="JP", languages=("ja",), kinds=("sub",),
          start=dt.date(2026, 1, 1), end=dt.date(2030, 1, 1))
    return PartnerCase(partner, title, token_for(partner),
                       token_for(UserFactory(role=Role.TRANSLATOR)),
                       token_for(UserFactory(role=Role.REVIEWER)))


def run_partner_script(base: str, case: PartnerCase, out, *, webhook_port: int = 0,
                       webhook_url: str = "") -> tuple[int, list[str], str]:
    """Run the README's script against ``base``; a translator and a reviewer approve its
    translation when it waits. Returns the track, the texts written and the output."""
    script = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--api", f"{base}/api/v1", "--token",
         case.partner_token, "--title", str(case.title.pk), "--file", str(DEMO_CLIP),
         "--out", str(out), "--webhook-port", str(webhook_port),
         *(["--webhook-url", webhook_url] if webhook_url else []),
         "--territory", "JP", "--media", "svod", "--start", "2027-01-01",
         "--last-day", "2027-12-31", "--chunk-mib", "1", "--timeout", str(STEP_TIMEOUT)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    transcript: list[str] = []
    try:
        lines = lines_of(script)
        waiting = next_line(lines, "WAITING FOR APPROVAL of track ", transcript)
        track_id = int(waiting.split("of track ")[1].split()[0])
        written = revise_and_approve(base, track_id, case.translator, case.reviewer)
        next_line(lines, "Package ", transcript)
        assert script.wait(timeout=STEP_TIMEOUT) == 0, "".join(transcript)
    finally:
        _stop(script)
    return track_id, written, "".join(transcript)


def test_the_readme_partner_script_goes_from_upload_to_package(tmp_path):
    case = partner_case("Studio A", "studio-a", "AGR-A")
    out = tmp_path / "downloads"

    with redis_broker(tmp_path) as broker_url, \
            worker_process(database=connection.settings_dict, data_dir=tmp_path,
                           broker_url=broker_url), \
            web_server(tmp_path, broker_url) as (base, web_log):
        track_id, written, transcript = run_partner_script(base, case, out)
        assert "Transcribed: track" in transcript, transcript

    cues, _notes = read_subtitles((out / f"track-{track_id}.ja.ttml").read_bytes(), "ttml")
    assert [cue.text for cue in cues] == written
    package = DeliveryPackage.objects.get(licensee=case.partner.company)
    assert package.state == "done" and package.track_id == track_id
    [archive_path] = out.glob("package-*.zip")
    data = archive_path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == package.sha256
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "manifest.json" in names and any(name.endswith(".ttml") for name in names)
    assert reverse("api:v1:package-download", args=[package.pk]) in web_log.read_text()
