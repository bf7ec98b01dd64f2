"""Dub tracks: voice roles, the licensing gate for voices, synthesis, fitting and mixing.

An approved subtitle track becomes a dub track in one action: each speaker's voice
(VoiceRole on the series, else the language's default voice) must pass the licensing gate
for the title, then a task on the ``cpu`` queue synthesizes every approved cue (reusing
lines already synthesized with the same text and voice), fits each into its cue window
(pitch-preserving speed-up up to ``max_speedup``; lines that still do not fit are flagged
for the translator), places them at the cue times over the ducked original and writes one
WAV and one AAC file.
"""

from __future__ import annotations

import io
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coprod.audit.models import Event
from coprod.compute.models import Stage
from coprod.core.storage import field_local_copy
from coprod.registry.gate import ModelNotApproved, model_use_check
from coprod.registry.models import Consent
from localization import background
from localization.credentials import services as credentials
from localization.dubbing import audio
from localization.dubbing.models import DubClip, DubTrack, VoiceRole
from localization.engines import tts
from localization.events import pipeline_event
from localization.permissions import check_can_dub
from localization.runs import lifecycle
from localization.runs.lifecycle import RunKind
from localization.runs.metering import model_used, track_subject
from localization.subtitles.cues import plain_text
from localization.subtitles.disclosure import track_disclosure
from localization.subtitles.models import SubtitleCue, SubtitleTrack

State = DubTrack.State
MIX_SAMPLE_RATE = 48_000
TAIL_MS = 500  # silence after the last line when the track has no media file
# Share of the progress bar: synthesis and fitting, then mixing and encoding.
SYNTHESIS_SHARE = 80

MACHINE = background.RunStateMachine(
    states=State, active=DubTrack.ACTIVE_STATES,
    refusal=gettext_lazy("A dub that is %(state)s cannot become %(new)s."), transitions={
    State.QUEUED: {State.SYNTHESIZING, State.FAILED, State.CANCELLED},
    # A redelivered task (its worker died) starts over from synthesis; a run whose worker
    # is gone goes back to the queue.
    State.SYNTHESIZING: {State.QUEUED, State.SYNTHESIZING, State.MIXING, State.FAILED,
                         State.CANCELLED},
    State.MIXING: {State.QUEUED, State.SYNTHESIZING, State.DONE, State.FAILED,
                   State.CANCELLED},
    State.FAILED: {State.QUEUED},
    State.CANCELLED: {State.QUEUED},
    State.DONE: set(),
})
KIND = RunKind(key="dub", label=gettext_lazy("Dub"), model=DubTrack, machine=MACHINE,
               task=background.DUB_TRACK, running=State.SYNTHESIZING,
               reset={"fit_flags": [], "clips_synthesized": 0, "clips_reused": 0},
               usage=lambda dub: track_subject(Stage.DUBBING, dub.track))


class DubRefused(ValidationError):
    """The dub cannot be made; the message says why and what to do."""


# --- voices and voice roles ----------------------------------------------------------------


def voice_get(key: str) -> tts.VoiceIdentity:
    for voice in tts.available_voices():
        if voice.key == key:
            return voice
    raise DubRefused(_("The voice %(voice)s is not installed on this machine.")
                     % {"voice": key})


def voices_for_language(language: str) -> list[tts.VoiceIdentity]:
    """Installed voices for ``language``, neural voices before draft voices."""
    voices = [voice for voice in tts.available_voices() if voice.language == language]
    return sorted(voices, key=lambda voice: voice.draft)


def voice_clearance(*, title, voice: tts.VoiceIdentity):
    """The registry entry, agreement and consent clearing ``voice`` for dubbing ``title``
    in its language today, or DubRefused."""
    try:
        clearance = model_use_check(title=title, sha256=voice.model_sha256, kind="tts",
                                    language=voice.language, use=Consent.Use.DUBBING)
    except ModelNotApproved as error:
        raise DubRefused(_("The voice %(voice)s may not be used on %(title)s: %(reason)s")
                         % {"voice": voice.key, "title": title, "reason": error}) from error
    model_used(clearance.label)
    return clearance


def voice_role_set(*, title, language: str, speaker: str, voice_key: str,
                   actor=None) -> VoiceRole | None:
    """Map a speaker to a voice on the series (root title); an empty voice removes it."""
    root = title.root
    speaker = speaker.strip()
    with transaction.atomic():
        existing = VoiceRole.objects.select_for_update().filter(
            title=root, language=language, speaker=speaker).first()
        before = {"voice": existing.voice_key} if existing else {}
        if not voice_key:
            if existing:
                existing.delete()
            role = None
        else:
            voice = voice_get(voice_key)
            if voice.language != language:
                raise DubRefused(_("The voice %(voice)s speaks %(spoken)s, not %(language)s.")
                                 % {"voice": voice.key, "spoken": voice.language,
                                    "language": language})
            voice_clearance(title=title, voice=voice)
            role, _created = VoiceRole.objects.update_or_create(
                title=root, language=language, speaker=speaker,
                defaults={"voice_key": voice_key, "updated_by": actor})
        pipeline_event(
            actor=actor, action=Event.Action.VOICE_ROLE_SET, about=role, before=before,
            after={"title": root.pk, "language": language, "speaker": speaker,
                   "voice": voice_key})
    return role


def voice_roles_for(*, track: SubtitleTrack) -> dict[str, str]:
    """speaker -> voice key, as set on the track's series for its language."""
    return dict(VoiceRole.objects.filter(title=track.title.root, language=track.language)
                .values_list("speaker", "voice_key"))


def voice_roles_proposed(*, track: SubtitleTrack) -> dict[str, str]:
    """A voice for each named speaker without a role: the language's voices in turn
    (neural before draft), those other roles use last, so speakers sound different until
    someone chooses. Proposals are not roles until the form is saved."""
    roles = voice_roles_for(track=track)
    voices = [voice.key for voice in voices_for_language(track.language)
              if _cleared(track.title, voice)]
    if not voices:
        return {}
    used = set(roles.values())
    order = [key for key in voices if key not in used] + [key for key in voices if key in used]
    waiting = [speaker for speaker in track_speakers(track=track)
               if speaker and speaker not in roles]
    return {speaker: order[number % len(order)] for number, speaker in enumerate(waiting)}


def _cleared(title, voice: tts.VoiceIdentity) -> bool:
    try:
        model_use_check(title=title, sha256=voice.model_sha256, kind="tts",
                        language=voice.language, use=Consent.Use.DUBBING)
    except ModelNotApproved:
        return False
    return True


def track_speakers(*, track: SubtitleTrack) -> list[str]:
    """The speakers of the track's cues ("" for cues without one), in order of appearance."""
    speakers = track.cues.order_by("index").values_list("speaker", flat=True)
    return list(dict.fromkeys(speaker.strip() for speaker in speakers))


def voice_for_speaker(*, track: SubtitleTrack, speaker: str,
                      roles: dict[str, str] | None = None) -> tts.VoiceIdentity:
    roles = voice_roles_for(track=track) if roles is None else roles
    key = roles.get(speaker) or roles.get("")
    if key:
        return voice_get(key)
    voice = tts.default_voice(track.language)
    if voice is None:
        raise DubRefused(_("No voice is installed for %(language)s.")
                         % {"language": track.language})
    return voice


# --- dub tracks ----------------------------------------------------------------------------


def _dub_cues(track: SubtitleTrack) -> list[SubtitleCue]:
    return list(track.cues.filter(state=SubtitleCue.State.APPROVED).exclude(text="")
                .order_by("index"))


def dub_voices(*, track: SubtitleTrack) -> dict[str, dict]:
    """speaker -> the voice that will speak, with its clearance; DubRefused if any fails."""
    roles = voice_roles_for(track=track)
    speakers = list(dict.fromkeys(cue.speaker.strip() for cue in _dub_cues(track)))
    result = {}
    for speaker in speakers:
        voice = voice_for_speaker(track=track, speaker=speaker, roles=roles)
        clearance = voice_clearance(title=track.title, voice=voice)
        result[speaker] = {"key": voice.key, "model_name": voice.model_name,
                           "model_sha256": voice.model_sha256, "draft": voice.draft,
                           "agreement": clearance.agreement.reference,
                           "agreement_version": clearance.agreement_version,
                           "consent": consent_snapshot(clearance, track.title)}
    return result


def consent_snapshot(clearance, title) -> dict | None:
    """What the dub records of the consent that cleared its voice (the scope's titles
    that cover this title only: the dub's manifest goes to licensees)."""
    if clearance.consent is None:
        return None
    family = [title.pk, *(ancestor.pk for ancestor in title.ancestors())]
    return clearance.consent.snapshot(for_family=family)


def consent_ids(voices: dict[str, dict]) -> list[int]:
    return sorted({voice["consent"]["id"] for voice in voices.values() if voice.get("consent")})


def dub_create(*, track: SubtitleTrack, actor=None, max_speedup: float | None = None,
               duck_original: bool = True, enqueue: bool = True) -> DubTrack:
    """Check the track and its voices, record the dub and queue its synthesis."""
    if actor is not None:
        check_can_dub(actor, track)
    if track.review_state != SubtitleTrack.ReviewState.APPROVED:
        raise DubRefused(_("Only an approved track can be dubbed; approve every cue first."))
    if not _dub_cues(track):
        raise DubRefused(_("The track has no approved cues to speak."))
    max_speedup = float(max_speedup or getattr(settings, "DUBBING_MAX_SPEEDUP",
                                               audio.DEFAULT_MAX_SPEEDUP))
    if not 1.0 <= max_speedup <= 2.0:
        raise DubRefused(_("The maximum speed-up must be between 1.0 and 2.0."))
    voices = dub_voices(track=track)
    with transaction.atomic():
        dub = DubTrack.objects.create(track=track, voices=voices, max_speedup=max_speedup,
                                      duck_original=duck_original and track.media_id is not None,
                                      consent_ids=consent_ids(voices), created_by=actor)
        pipeline_event(
            actor=actor, action=Event.Action.DUB_REQUESTED, about=dub,
            after={"track": track.pk, "voices": {speaker: voice["key"]
                                             for speaker, voice in voices.items()},
                   "max_speedup": max_speedup})
        if enqueue:
            lifecycle.run_enqueue(KIND, dub)
    return dub


def _transition(dub: DubTrack, new_state: str, **fields) -> None:
    lifecycle.run_move(KIND, dub, new_state, **fields)


def dub_run(*, dub_id: int, task_id: str | None = None, worker: str = "",
            on_progress: Callable[[int], None] | None = None) -> DubTrack | None:
    """Synthesize, fit and mix a dub. Safe to run twice: a finished dub is left alone and
    an interrupted one starts over, reusing the lines already synthesized."""
    dub, claimed = lifecycle.run_claim(
        KIND, dub_id, task_id=task_id, worker=worker,
        select_related=("track__title", "track__media"),
        fit_flags=[], clips_synthesized=0, clips_reused=0, credentials={})
    if not claimed:
        return dub
    return lifecycle.run_guarded(
        KIND, dub, lambda: _synthesize_and_mix(dub, on_progress),
        time_limit_message=_("The dub ran past its time limit and was stopped."),
        refusals=(DubRefused, tts.SpeechSynthesisError, credentials.CredentialsError))


def _progress(dub: DubTrack, percent: int, on_progress) -> None:
    if percent > dub.progress:
        lifecycle.run_progress(KIND, dub, percent)  # stops if cancelled or requeued meanwhile
        if on_progress:
            on_progress(percent)


def _synthesize_and_mix(dub: DubTrack, on_progress) -> DubTrack:
    track = dub.track
    # The gate is asked again: an agreement may have changed since the dub was requested.
    voices = {}
    for speaker, snapshot in dub.voices.items():
        voice = voice_get(snapshot["key"])
        if voice.model_sha256 != snapshot["model_sha256"]:
            raise DubRefused(_("The voice %(voice)s changed since the dub was requested; "
                               "request it again.") % {"voice": voice.key})
        clearance = voice_clearance(title=track.title, voice=voice)
        # The dub is made under the consent in force now (a newer one may have replaced
        # the one it was requested under).
        snapshot["consent"] = consent_snapshot(clearance, track.title)
        voices[speaker] = voice
    cues = _dub_cues(track)
    placements: list[audio.Placement] = []
    flags: list[dict] = []
    synthesized = reused = 0
    for number, cue in enumerate(cues, start=1):
        voice = voices.get(cue.speaker.strip()) or voice_for_speaker(track=track,
                                                                     speaker=cue.speaker.strip())
        synthesis, fresh = clip_for(text=plain_text(cue.text), voice=voice)
        synthesized += fresh
        reused += not fresh
        window_ms = cue.end_ms - cue.start_ms
        fitted = audio.fit_to_window(synthesis, window_ms, max_speedup=dub.max_speedup)
        if not fitted.fits:
            flags.append({"cue": cue.pk, "index": cue.index, "window_ms": window_ms,
                          "speech_ms": round(synthesis.duration_ms),
                          "fitted_ms": round(fitted.duration_ms),
                          "needed_speed": round(synthesis.duration_ms / window_ms, 2)})
        placements.append(audio.Placement(start_ms=cue.start_ms, clip=fitted))
        _progress(dub, SYNTHESIS_SHARE * number // len(cues), on_progress)

    with transaction.atomic():
        locked = DubTrack.objects.select_for_update().get(pk=dub.pk)
        if locked.state != State.SYNTHESIZING or not lifecycle.run_held(KIND, locked, dub):
            return locked  # cancelled or requeued meanwhile
        _transition(locked, State.MIXING, progress=SYNTHESIS_SHARE, fit_flags=flags,
                    clips_synthesized=synthesized, clips_reused=reused, voices=dub.voices,
                    consent_ids=consent_ids(dub.voices))
    dub = locked
    total_ms = max(cue.end_ms for cue in cues) + TAIL_MS
    original = None
    if track.media_id is not None:
        total_ms = max(total_ms, track.media.duration_ms)
        if dub.duck_original:
            with field_local_copy(track.media.file) as path:
                original = audio.read_audio(path, MIX_SAMPLE_RATE)
    mixed = audio.mix_track(placements, total_ms=total_ms, sample_rate=MIX_SAMPLE_RATE,
                            original=original, duck_db=dub.duck_db)
    _progress(dub, 90, on_progress)
    stem = f"dub-{dub.pk}-{track.language}"
    with tempfile.TemporaryDirectory(prefix=f"dub-{dub.pk}-") as folder:
        wav_path = audio.write_wav(mixed, MIX_SAMPLE_RATE, Path(folder) / f"{stem}.wav")
        aac_path = audio.write_aac(mixed, MIX_SAMPLE_RATE, Path(folder) / f"{stem}.m4a")
        # Each file carries its Content Credentials: what made it, from which words.
        disclosure = track_disclosure(track)
        signed = credentials.files_sign(
            [wav_path, aac_path],
            lambda path: credentials.dub_manifest(dub, file_name=path.name,
                                                  disclosure=disclosure))
        with transaction.atomic():
            locked = DubTrack.objects.select_for_update().get(pk=dub.pk)
            if locked.state != State.MIXING or not lifecycle.run_held(KIND, locked, dub):
                return locked  # another delivery finished, failed or requeued it
            with wav_path.open("rb") as wav_file, aac_path.open("rb") as aac_file:
                locked.wav.save(wav_path.name, File(wav_file), save=False)
                locked.aac.save(aac_path.name, File(aac_file), save=False)
            _transition(locked, State.DONE, progress=100, finished_at=timezone.now(),
                        credentials=signed)
            pipeline_event(
                action=Event.Action.DUB_FINISHED, about=locked,
                after={"track": track.pk, "cues": len(cues), "too_long": len(flags),
                       "synthesized": synthesized, "reused": reused,
                       "signed": {name: entry["signed"] for name, entry in signed.items()}})
    if on_progress:
        on_progress(100)
    return locked


# --- the cache of synthesized lines ----------------------------------------------------------


def clip_for(*, text: str, voice: tts.VoiceIdentity) -> tuple[tts.Synthesis, bool]:
    """The line spoken by ``voice``: from the cache when this text and voice were
    synthesized before, else synthesized now and stored. Returns (synthesis, fresh)."""
    key = audio.synthesis_cache_key(text, voice)
    cached = DubClip.objects.filter(cache_key=key).first()
    if cached is not None:
        try:
            with cached.file.open("rb") as stored:
                return _read_wav(stored.read()), False
        except (OSError, wave.Error):
            cached.delete()  # the file went missing: synthesize again
    synthesis = tts.engine_for(voice).synthesize(text)
    content = io.BytesIO()
    _write_wav(synthesis, content)
    try:
        with transaction.atomic():
            clip = DubClip(cache_key=key, voice_key=voice.key, sample_rate=synthesis.sample_rate,
                           duration_ms=round(synthesis.duration_ms))
            clip.file.save(f"{key}.wav", ContentFile(content.getvalue()), save=False)
            clip.save()
    except IntegrityError:
        pass  # another worker cached the same line meanwhile
    return synthesis, True


def _write_wav(synthesis: tts.Synthesis, output) -> None:
    pcm = (np.clip(synthesis.samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(output, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(synthesis.sample_rate)
        writer.writeframes(pcm.tobytes())


def _read_wav(data: bytes) -> tts.Synthesis:
    with wave.open(io.BytesIO(data), "rb") as reader:
        rate = reader.getframerate()
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    return tts.Synthesis(pcm.astype(np.float32) / 32767, rate)
