"""Make localization/demo_media/korean-demo.ogg: Korean speech from espeak-ng, as Opus.

Needs espeak-ng (Debian: apt-get install espeak-ng) and the project venv (PyAV). The
result is committed, so nobody else needs espeak-ng. Sentences are spoken one by one
with a pause between them, as dialogue would be.

    .venv/bin/python infra/demo-media/make_korean_demo.py
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "localization" / "demo_media" / "korean-demo.ogg"
SENTENCES = [
    "안녕하세요. 별빛 식당에 오신 것을 환영합니다.",
    "오늘의 특별 메뉴는 김치찌개입니다.",
    "정말 맛있어 보이네요. 하나 주세요.",
    "잠시만 기다려 주세요. 금방 준비해 드릴게요.",
    "감사합니다. 좋은 하루 보내세요.",
]
RATE = 24_000
PAUSE_SECONDS = 0.8


def speak(text: str, folder: Path) -> np.ndarray:
    wav = folder / "sentence.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "140", "-w", str(wav), text], check=True)
    with av.open(str(wav)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        pieces = [piece.to_ndarray().reshape(-1) for frame in container.decode(audio=0)
                  for piece in resampler.resample(frame)]
        pieces += [piece.to_ndarray().reshape(-1) for piece in resampler.resample(None)]
    return np.concatenate(pieces)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        silence = np.zeros(int(PAUSE_SECONDS * RATE), dtype=np.int16)
        parts = [silence]
        for sentence in SENTENCES:
            parts += [speak(sentence, Path(folder)), silence]
    samples = np.concatenate(parts)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(OUTPUT), "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=RATE)
        stream.layout = "mono"
        stream.bit_rate = 24_000
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    print(f"{OUTPUT}: {len(samples) / RATE:.1f} s, {OUTPUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
