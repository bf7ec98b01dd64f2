"""Print what measuring costs per task, and the cost per minute of media of each stage.

    .venv/bin/python bench/cost.py [--passes 2] [--languages ja zh-Hans th]

The platform runs in this process on an embedded PostgreSQL with the demo data (its
illustrative prices and grid intensity for the site ``local``); tasks run eagerly, one
after another, through the same services and life cycle the workers use, so each is
measured and recorded as in production. Stages: transcription of the Korean demo clip
(Whisper base), translation of its track into ``--languages`` (the configured
MT_ENGINE), whole-track QA of every track, a dub of the first translation (its cues
approved for the bench) and a delivery package when the demo's rights allow one.

Per task, the overhead is the time the meter adds around the work: the readings before
and after (CPU, memory, NVML when a card is present) and writing the priced record.
Figures only; no test asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.demo_platform import demo_platform  # noqa: E402

DEMO_CLIP = ROOT / "localization" / "demo_media" / "korean-demo.ogg"
LINES = ["いらっしゃいませ。", "今日のおすすめは何ですか。", "また来てくださいね。"]


def setup(folder: Path) -> None:
    demo_platform(folder)
    from localization import background

    background.app.conf.task_always_eager = True  # every queued task runs here, now
    background.app.conf.task_eager_propagates = True


def capture_overheads() -> dict[int, tuple[float, float]]:
    """Wrap the recording so each task's meter overhead is kept, by usage row."""
    from coprod.compute.models import ComputeUsage
    from localization.runs import lifecycle, metering

    overheads: dict[int, tuple[float, float]] = {}
    original = metering.usage_record

    def recording(kind, claimed, run, measurement, subject_of):
        last = ComputeUsage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        original(kind, claimed, run, measurement, subject_of)
        for pk in ComputeUsage.objects.filter(pk__gt=last).values_list("pk", flat=True):
            overheads[pk] = (measurement.overhead_seconds - measurement.record_seconds,
                             measurement.record_seconds)

    lifecycle.metering.usage_record = recording
    return overheads


def one_pass(title, languages: list[str]) -> list[str]:
    """Run every stage once; returns what was skipped, and why."""
    from django.core.files.uploadedfile import UploadedFile
    from django.db import transaction

    from coprod.accounts.models import Company
    from coprod.registry.models import AIModel, Consent
    from coprod.rights import services as rights
    from coprod.rights.models import RightsBlock
    from localization.delivery import services as delivery
    from localization.dubbing import services as dubbing
    from localization.dubbing.models import DubTrack
    from localization.qa import services as qa
    from localization.subtitles.models import SubtitleCue, SubtitleTrack
    from localization.transcription import services as transcription
    from localization.translation import services as translation

    skipped = []
    with DEMO_CLIP.open("rb") as handle, transaction.atomic():
        _asset, job = transcription.media_transcribe(
            title=title, uploaded_file=UploadedFile(handle, name=DEMO_CLIP.name,
                                                    size=DEMO_CLIP.stat().st_size),
            episode_label="E01")
    job.refresh_from_db()
    if job.state != "done":
        raise SystemExit(f"the transcription ended {job.state}: {job.error}")
    source = SubtitleTrack.objects.get(job=job)
    targets = translation.track_translate(source_track=source, languages=languages)
    for track in [source, *targets]:
        qa.quality_check_enqueue(track=track)
    first = targets[0]
    # The bench approves the first translation as it is, with a line for every cue the
    # memory left empty, so that it can be dubbed and delivered.
    for cue in first.cues.all():
        SubtitleCue.objects.filter(pk=cue.pk).update(
            text=cue.text or LINES[cue.index % len(LINES)], state=SubtitleCue.State.APPROVED)
    SubtitleTrack.objects.filter(pk=first.pk).update(
        review_state=SubtitleTrack.ReviewState.APPROVED)
    first.refresh_from_db()
    # The demo registry records no voice consent; the bench records one for its own data.
    for voice in AIModel.objects.filter(kind=AIModel.Kind.SPEECH_SYNTHESIS,
                                        consents__isnull=True):
        Consent.objects.create(model=voice, kind=Consent.Kind.VOICE, holder="Benchmark",
                               all_titles=True, languages=["*"], uses=["dubbing"],
                               valid_from=dt.date(2026, 1, 1),
                               document="Recorded for the benchmark's own data only")
    try:
        dub = dubbing.dub_create(track=first)
        dub.refresh_from_db()
        if dub.state != "done":
            skipped.append(f"dubbing ended {dub.state}: {dub.error}")
    except Exception as error:  # noqa: BLE001 - the bench reports and goes on
        skipped.append(f"dubbing: {error}")
    try:
        licensee = Company.objects.get(name="Tokyo Stream")
        if not RightsBlock.objects.filter(title=title, direction="out").exists():
            rights.rights_out_grant(
                actor=None, title=title, licensee=licensee, contract_reference="BENCH-1",
                terms=rights.RightsTerms(
                    territory_expression="JP", media=("svod",), languages=(first.language,),
                    language_kinds=("sub", "dub"), start=_today(), end=None,
                    exclusive=False))
        delivery.package_create(title=title, language=first.language, licensee=licensee,
                                territory="JP", media=["svod"], start=_today(), end=None,
                                include_dub=DubTrack.objects.filter(track=first,
                                                                    state="done").exists())
    except Exception as error:  # noqa: BLE001 - the demo's rights may not allow one
        skipped.append(f"delivery: {' '.join(getattr(error, 'messages', [str(error)]))}")
    return skipped


def _today():
    import datetime as dt

    return dt.date.today()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--languages", nargs="+", default=["ja", "zh-Hans", "th"])
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cost-") as folder:
        setup(Path(folder))
        from django.conf import settings

        from coprod.catalog.models import Title
        from coprod.compute import selectors
        from coprod.compute.models import ComputeUsage, PriceList

        overheads = capture_overheads()
        title = Title.objects.get(original_title="별빛 식당", parent__isnull=True)
        skipped = []
        for _ in range(arguments.passes):
            skipped += one_pass(title, arguments.languages)
        prices = PriceList.objects.get(site=settings.COMPUTE_SITE)
        print(f"{os.cpu_count()} cores, MT_ENGINE={settings.MT_ENGINE}, "
              f"{arguments.passes} passes over the {DEMO_CLIP.name} clip; prices: "
              f"{prices.cpu_hour} {prices.currency}/CPU-hour, {prices.kwh}/kWh "
              f"(demo figures), CPU energy estimated at "
              f"{settings.COMPUTE_CPU_WATTS_PER_CORE:g} W per busy core")
        print()
        print("| task | tasks | mean task time | readings | record | overhead / task |")
        print("|---|---|---|---|---|---|")
        by_task = defaultdict(list)
        for usage in ComputeUsage.objects.order_by("pk"):
            by_task[usage.task].append((float(usage.wall_seconds),
                                        *overheads.get(usage.pk, (0.0, 0.0))))
        for task, rows in by_task.items():
            # The first pass pays for loading models and first queries; later ones do not.
            steady = rows[len(rows) // arguments.passes:] if arguments.passes > 1 else rows
            wall = sum(row[0] for row in steady) / len(steady)
            readings = sum(row[1] for row in steady) / len(steady)
            record = sum(row[2] for row in steady) / len(steady)
            print(f"| {task} | {len(rows)} | {wall * 1000:.1f} ms | {readings * 1000:.2f} ms | "
                  f"{record * 1000:.2f} ms | "
                  f"{(readings + record) / (wall + readings + record) * 100:.2f} % |")
        print()
        print("| stage | tasks | media minutes | CPU s per media minute | "
              f"cost per media minute ({prices.currency}) | Wh per media minute | "
              "g CO2e per media minute |")
        print("|---|---|---|---|---|---|---|")
        for row in selectors.rollup(ComputeUsage.objects.all(), by="stage"):
            minutes = row.media_seconds / 60

            def per(value, minutes=minutes):
                return value / minutes if minutes else Decimal(0)

            print(f"| {row.label} | {row.tasks} | {minutes:.2f} | "
                  f"{per(row.cpu_seconds):.2f} | {per(row.cost):.6f} | "
                  f"{per(row.energy_kwh) * 1000:.3f} | {per(row.emissions_grams):.3f} |")
        for reason in sorted(set(skipped)):
            print(f"\nnot measured: {reason}")


if __name__ == "__main__":
    main()
