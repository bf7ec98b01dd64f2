"""Command-line runs: transcribe with a progress bar, the demo data, the model installer."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from localization.engines import whisper_model
from localization.media.models import MediaAsset
from localization.transcription.models import LocalizationJob
from tests.localization.conftest import JAPANESE_CLIP


def test_transcribe_command_runs_a_job_with_progress(title, capsys):
    out = StringIO()
    call_command("transcribe", str(JAPANESE_CLIP), "--title", str(title.pk), "--language", "ja",
                 stdout=out)
    job = LocalizationJob.objects.get()
    assert job.state == LocalizationJob.State.DONE
    assert f"Job {job.pk} done" in out.getvalue()
    assert "飲みます" in out.getvalue()
    assert "100%" in capsys.readouterr().err  # tqdm draws on stderr


def test_transcribe_command_refuses_bad_input(title, tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not media")
    with pytest.raises(CommandError, match="not a video or audio file"):
        call_command("transcribe", str(text), "--title", str(title.pk), "--no-progress")
    with pytest.raises(CommandError, match="no job"):
        call_command("transcribe", "--job", "999999")


def test_seed_localization_demo_is_idempotent(title):
    call_command("seed_localization_demo", stdout=StringIO())
    call_command("seed_localization_demo", stdout=StringIO())
    asset = MediaAsset.objects.get()
    assert asset.original_name == "korean-demo.ogg"
    assert asset.jobs.count() == 1


def test_model_installer_verifies_checksums(tmp_path, settings):
    installed = whisper_model.install(tmp_path / "model")
    assert whisper_model.is_installed(installed)
    assert whisper_model.install(installed) == installed  # already there: nothing to do
    (installed / "model.bin").write_bytes(b"tampered")
    assert not whisper_model.is_installed(installed)
    whisper_model.install(installed)
    assert whisper_model.file_sha256(installed / "model.bin") == whisper_model.SHA256["model.bin"]
