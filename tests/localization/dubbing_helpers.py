"""Titles whose agreement approves voices, and approved tracks ready to be dubbed."""

from coprod.registry.models import AIModel
from localization.subtitles.models import SubtitleCue, SubtitleTrack

THAI_VOICE = "espeak_ng:th"
KOKORO_VOICE = "kokoro:jf_alpha"


def approve_models_for(title, *model_names):
    """An executed agreement covering ``title`` approving the registry entries named."""
    from coprod.agreements import services as agreement_services
    from tests.coprod.agreement_helpers import execute, fifty_fifty

    models = [AIModel.objects.get(name=name) for name in model_names]
    agreement, sfr, utopai = fifty_fifty(titles=[title])
    agreement_services.agreement_update(actor=None, agreement=agreement, data={},
                                        approved_models=models)
    return execute(agreement, sfr, utopai)


def approved_track(title, language, lines, *, media=None, user=None):
    """A track in review state approved whose cues are (start_ms, end_ms, text, speaker)."""
    track = SubtitleTrack.objects.create(
        title=title, language=language, version=1, source=SubtitleTrack.Source.TRANSLATION,
        translation_engine="memory_only", media=media, review_state="approved",
        approved_by=user, reviewer=user)
    for number, (start, end, text, speaker) in enumerate(lines, start=1):
        SubtitleCue.objects.create(track=track, index=number, start_ms=start, end_ms=end,
                                   text=text, speaker=speaker,
                                   state=SubtitleCue.State.APPROVED, engine="memory",
                                   model_name="tm")
    return track
