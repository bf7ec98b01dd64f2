"""Titles whose agreement approves voices, and approved tracks ready to be dubbed."""

from coprod.registry.models import AIModel
from localization.subtitles.models import SubtitleCue, SubtitleTrack

THAI_VOICE = "espeak_ng:th"
KOKORO_VOICE = "kokoro:jf_alpha"


def approve_models_for(title, *model_names):
    """An executed agreement covering ``title`` (or each of a list of titles) approving
    the registry entries named."""
    from coprod.agreements import services as agreement_services
    from tests.coprod.agreement_helpers import execute, fifty_fifty

    models = [AIModel.objects.get(name=name) for name in model_names]
    titles = list(title) if isinstance(title, list | tuple) else [title]
    agreement, sfr, utopai = fifty_fifty(titles=titles)
    agreement_services.agreement_update(actor=None, agreement=agreement, data={},
                                        approved_models=models)
    return execute(agreement, sfr, utopai)


def record_consent(model_name: str, *, titles=(), languages=("*",), uses=("dubbing",),
                   valid_from=None, valid_until=None, holder="Voice actor"):
    """A consent of the voice's rights holder with the scope given (every title when
    ``titles`` is empty), recorded by a rights manager."""
    import datetime as dt

    from coprod.accounts.roles import Role
    from coprod.registry.services import consent_record
    from tests.factories import UserFactory

    return consent_record(
        actor=UserFactory(role=Role.RIGHTS_MANAGER), model=AIModel.objects.get(name=model_name),
        kind="voice", holder=holder, all_titles=not titles, titles=list(titles),
        languages=list(languages), uses=list(uses),
        valid_from=valid_from or dt.date(2026, 1, 1), valid_until=valid_until,
        document="Consent form CF-1, signed")


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
