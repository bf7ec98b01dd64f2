"""A partner studio's finished pipeline work, made directly in the database (no Whisper,
no synthesis): its media file, the transcription job and Korean track, a Japanese
translation run and approved track, a finished dub and a built delivery package
licensed to the partner's company. Every text carries ``marker`` so that a test can
look for it in any answer."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass

from django.core.files.base import ContentFile

from localization.credentials import services as credentials
from localization.delivery.models import DeliveryPackage
from localization.dubbing.models import DubTrack
from localization.media.models import MediaAsset
from localization.runs.models import TrackRun
from localization.subtitles.disclosure import track_disclosure
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from localization.transcription.models import LocalizationJob


@dataclass
class PartnerWork:
    media: MediaAsset
    job: LocalizationJob
    korean: SubtitleTrack
    japanese: SubtitleTrack
    translation: TrackRun
    dub: DubTrack
    package: DeliveryPackage
    wav: bytes
    zip: bytes


def _track(title, media, language, *, marker, approved, source=None, job=None, version=1):
    track = SubtitleTrack.objects.create(
        title=title, media=media, language=language, version=version, job=job,
        source=SubtitleTrack.Source.TRANSLATION if source else
        SubtitleTrack.Source.SPEECH_RECOGNITION, source_track=source,
        review_state="approved" if approved else "in_progress")
    lines = [(0, 1800, f"{marker} 첫 대사"), (2000, 3900, f"{marker} 둘째 대사")]
    for index, (start, end, text) in enumerate(lines, start=1):
        SubtitleCue.objects.create(
            track=track, index=index, start_ms=start, end_ms=end, text=text,
            state=SubtitleCue.State.APPROVED if approved else SubtitleCue.State.TRANSLATED)
    return track


def partner_work(company, title, *, marker: str, version: int = 1) -> PartnerWork:
    media = MediaAsset.objects.create(
        title=title, file=f"localization/media/{marker}.ogg", original_name=f"{marker}.ogg",
        size_bytes=1234, sha256="0" * 64, duration_ms=4000, container_format="ogg",
        audio_codec="vorbis", company=company)
    job = LocalizationJob.objects.create(media=media, state=LocalizationJob.State.DONE,
                                         progress=100)
    korean = _track(title, media, "ko", marker=marker, approved=False, job=job,
                    version=version)
    japanese = _track(title, media, "ja", marker=marker, approved=True, source=korean,
                      version=version)
    translation = TrackRun.objects.create(track=japanese, kind=TrackRun.Kind.TRANSLATION,
                                          state=TrackRun.State.DONE, progress=100)
    wav = b"RIFF" + marker.encode() + b"WAVEfmt "
    dub = DubTrack.objects.create(track=japanese, state=DubTrack.State.DONE, progress=100)
    dub.wav.save(f"{marker}.wav", ContentFile(wav), save=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"marker": marker}))
    data = buffer.getvalue()
    package = DeliveryPackage.objects.create(
        title=title, language="ja", track=japanese, dub=dub, licensee=company,
        territory_expression="JP", countries=["JP"], media=["svod"],
        window_start=dt.date(2027, 1, 1), window_end=dt.date(2028, 1, 1),
        state=DeliveryPackage.State.DONE, progress=100, sha256=hashlib.sha256(data).hexdigest())
    package.file.save(f"{marker}.zip", ContentFile(data), save=True)
    # Its Content Credentials: a real C2PA sidecar bound to the ZIP's bytes.
    sidecar = credentials.sidecar_sign(io.BytesIO(data), credentials.package_manifest(
        package, {}, file_name=f"{marker}.zip", disclosure=track_disclosure(japanese)))
    package.credentials_file.save(f"{marker}.zip.c2pa", ContentFile(sidecar), save=True)
    return PartnerWork(media=media, job=job, korean=korean, japanese=japanese,
                       translation=translation, dub=dub, package=package, wav=wav, zip=data)
