"""Print the translation throughput (cues per second) of the CTranslate2 engine.

    .venv/bin/python bench/mt.py [--model-dir PATH ...] [--cues 1500] [--target ja]

Without --model-dir only the tiny test model is measured (built in a temporary folder as
the tests build it: two layers, width 16, random weights). Its output is nonsense that
usually runs to the engine's decoding cap (three times the source length plus 16
tokens), so its figures show the cost of the engine's own path (tokenizing, batching,
decoding loop, detokenizing), not what a real model will do. Give an operator's
converted NLLB-200, M2M100 or OPUS-MT directory with --model-dir for real figures.

Each configuration (device, beam size, batch size) loads the model, translates a
warm-up batch, then translates all cues once, timed. CUDA rows appear when a GPU is
present. Figures only; no test asserts a time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Short Korean subtitle lines, combined into cues of one or two lines.
LINES = [
    "안녕하세요.", "만나서 반갑습니다.", "오늘 밤에 서울로 떠나야 해요.",
    "그 사람은 아무것도 몰라요.", "빨리 와!", "시간이 없어.", "우리 엄마가 김치찌개를 만들었어요.",
    "경찰이 곧 도착할 거예요.", "왜 그랬어?", "나도 몰라.", "내일 다시 이야기하자.", "문 닫아!",
    "괜찮아요?", "정말 미안해요.",
]
CONFIGURATIONS = [  # (beam size, batch size)
    (1, 16), (1, 64), (4, 16), (4, 64),
]


def korean_cues(count: int):
    from localization.engines.mt import SourceCue

    cues = []
    for index in range(count):
        first = LINES[index % len(LINES)]
        text = first if index % 3 else f"{first}\n{LINES[(index * 7 + 3) % len(LINES)]}"
        cues.append(SourceCue(index, text))
    return cues


def measure(model_dir: Path, *, device: str, beam_size: int, batch_size: int, cues,
            target: str) -> tuple[float, int]:
    from localization.engines.mt.ctranslate2_engine import CTranslate2Engine, load_model

    engine = CTranslate2Engine(model_dir, device=device, beam_size=beam_size,
                               batch_size=batch_size)
    load_model(model_dir, device=device)
    engine.translate(cues[:batch_size], source_language="ko", target_language=target)
    started = time.perf_counter()
    results = engine.translate(cues, source_language="ko", target_language=target)
    seconds = time.perf_counter() - started
    return seconds, sum(result is not None for result in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, action="append", default=[],
                        help="a converted CTranslate2 model directory (repeatable)")
    parser.add_argument("--cues", type=int, default=1500)
    parser.add_argument("--target", default="ja", choices=["ja", "zh-Hans", "th"])
    parser.add_argument("--cpu-only", action="store_true")
    arguments = parser.parse_args()

    from django.conf import settings

    if not settings.configured:  # messages only; no database, no project settings needed
        settings.configure(USE_I18N=False)

    from localization.engines.mt import TranslationEngineError
    from localization.engines.mt.ctranslate2_engine import cuda_available, forget_loaded_models
    from tests.localization.mt_fixtures import build_tiny_model

    devices = ["cpu"] + (["cuda"] if cuda_available() and not arguments.cpu_only else [])
    cues = korean_cues(arguments.cues)
    print(f"{len(cues)} Korean cues -> {arguments.target}; {os.cpu_count()} CPU cores; "
          f"devices: {', '.join(devices)}")
    print(f"{'model':<32} {'device':<6} {'beam':>4} {'batch':>5} {'seconds':>8} "
          f"{'cues/s':>8} {'translated':>10}")
    with tempfile.TemporaryDirectory() as folder:
        models = [build_tiny_model(Path(folder) / "tiny-nllb (test model)"),
                  *arguments.model_dir]
        for model_dir in models:
            for device in devices:
                for beam_size, batch_size in CONFIGURATIONS:
                    forget_loaded_models()
                    try:
                        seconds, translated = measure(
                            model_dir, device=device, beam_size=beam_size,
                            batch_size=batch_size, cues=cues, target=arguments.target)
                    except TranslationEngineError as error:
                        print(f"{model_dir.name[:32]:<32} {device:<6} failed: {error}")
                        break
                    print(f"{model_dir.name[:32]:<32} {device:<6} {beam_size:>4} "
                          f"{batch_size:>5} {seconds:>8.2f} {len(cues) / seconds:>8.1f} "
                          f"{translated:>10}", flush=True)


if __name__ == "__main__":
    main()
