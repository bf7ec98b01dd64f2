"""Machine translation of tracks: one target track per language, filled by the memory,
the glossary and the licensed engine."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coprod.audit.models import Event
from coprod.compute.models import Stage
from coprod.registry.gate import ModelClearance, ModelNotApproved, model_use_check
from localization import background, qa
from localization.engines.mt import (
    GlossaryHint,
    SourceCue,
    TranslationEngine,
    describe_engine,
    engine_from_settings,
)
from localization.events import pipeline_event
from localization.permissions import check_can_translate_track
from localization.qa.services import quality_check_track
from localization.runs import lifecycle, metering
from localization.runs.models import TrackRun
from localization.runs.tracks import track_run_create, track_run_kind
from localization.subtitles.cues import ITALIC_CLOSE, ITALIC_OPEN, is_all_italic, plain_text
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from localization.subtitles.services import next_track_version
from localization.translation.glossary import glossary_rules
from localization.translation.memory import (
    EXACT,
    FUZZY_FILL_THRESHOLD,
    memory_candidates,
    memory_matches,
)

State = SubtitleCue.State
KIND = track_run_kind(TrackRun.Kind.TRANSLATION, label=gettext_lazy("Translation"),
                      task=background.TRANSLATE_TRACK, stage=Stage.TRANSLATION)


class TranslationRefused(ValidationError):
    pass


def engine():
    return engine_from_settings()


def engine_description() -> str:
    return describe_engine(engine())


def engine_clearance(translation_engine: TranslationEngine, *, title) -> ModelClearance | None:
    """Ask the AI licensing gate whether the engine's model may translate ``title``.

    Returns None for an engine that uses no model (memory_only); otherwise the clearance,
    or raises ModelNotApproved with the reason. The kind is not checked: an operator may
    register a chat model as a language model or as a translation model.
    """
    if not translation_engine.identity.model_sha256:
        return None
    clearance = model_use_check(title=title, sha256=translation_engine.identity.model_sha256)
    metering.model_used(clearance.label)
    return clearance


def _engine_cleared(title, translation_engine) -> None:
    """The gate: an engine that uses a model must be approved for the title."""
    try:
        engine_clearance(translation_engine, title=title)
    except ModelNotApproved as refusal:
        raise TranslationRefused(str(refusal)) from None


@transaction.atomic
def track_translate(*, source_track: SubtitleTrack, languages=None, user=None
                    ) -> list[SubtitleTrack]:
    """Create one target track per language and queue their translation."""
    if user is not None:
        check_can_translate_track(user, source_track)
    if source_track.language != "ko":
        raise ValidationError(_("Only a Korean track is translated; this one is %(language)s.")
                              % {"language": source_track.language})
    languages = list(languages or settings.TRANSLATION_TARGET_LANGUAGES)
    translation_engine = engine()
    _engine_cleared(source_track.title, translation_engine)
    source_cues = list(source_track.cues.order_by("index"))
    if not source_cues:
        raise ValidationError(_("The track has no cues to translate."))
    targets = []
    for language in languages:
        qa.get_profile(language)  # refuses a language without a subtitle profile
        target = SubtitleTrack.objects.create(
            title=source_track.title, media=source_track.media, language=language,
            version=next_track_version(title=source_track.title, language=language),
            source=SubtitleTrack.Source.TRANSLATION,
            source_track=source_track, created_by=user,
            translation_engine=translation_engine.identity.engine)
        SubtitleCue.objects.bulk_create(
            SubtitleCue(track=target, index=cue.index, start_ms=cue.start_ms,
                        end_ms=cue.end_ms, text="", speaker=cue.speaker, source_cue=cue,
                        state=State.UNTRANSLATED, identifier=cue.identifier,
                        **cue.placement_fields())
            for cue in source_cues)
        pipeline_event(
            actor=user, action=Event.Action.TRACK_CREATED, about=target,
            after={"translated_from": source_track.pk, "language": language,
                   "engine": translation_engine.identity.engine})
        targets.append(target)

    for target in targets:
        track_run_create(KIND, track=target, actor=user)
    return targets


def translation_run(*, run_id: int, task_id: str | None = None,
                    worker: str = "") -> TrackRun | None:
    """Fill the untranslated cues of a target track, then check its quality. Harmless to
    run twice: only cues still empty and untouched are filled."""
    run, claimed = lifecycle.run_claim(KIND, run_id, task_id=task_id, worker=worker,
                                       select_related=("track__title",), result={})
    if not claimed:
        return run

    def work() -> TrackRun:
        track = run.track
        pending = list(track.cues.filter(state=State.UNTRANSLATED, text="")
                       .select_related("source_cue").order_by("index"))
        filled = _fill(track, pending) if pending else {}
        lifecycle.run_progress(KIND, run, 90)
        issues = quality_check_track(track=track)
        return lifecycle.run_finish(KIND, run, result={
            "pending": len(pending), **filled, "qa_issues": len(issues)})

    return lifecycle.run_guarded(
        KIND, run, work,
        time_limit_message=_("The translation ran past its time limit and was stopped."),
        refusals=(TranslationRefused,))


def _fill(track: SubtitleTrack, pending: list[SubtitleCue]) -> dict[str, int]:
    """Fill ``pending`` from the memory, then the engine; returns how many came from each."""
    candidates = memory_candidates(source_language="ko", target_language=track.language)
    remaining = []
    for cue in pending:
        source_text = cue.source_cue.text if cue.source_cue else ""
        matches = memory_matches(source_text=source_text, target_language=track.language,
                                 candidates=candidates, limit=1)
        best = matches[0] if matches else None
        if best and best.percent >= FUZZY_FILL_THRESHOLD:
            cue.text = qa.break_lines(best.target_text, language=track.language)
            cue.tm_match_percent = best.percent
            cue.state = State.TRANSLATED if best.percent == EXACT else State.NEEDS_REVIEW
            cue.engine = "translation_memory"
        else:
            cue.tm_match_percent = best.percent if best else None
            remaining.append(cue)
    translation_engine = engine()
    identity = translation_engine.identity
    if remaining and identity.model_sha256:
        _engine_cleared(track.title, translation_engine)
        # Engines get the words; a cue in italics as a whole is put in italics again.
        results = translation_engine.translate(
            [SourceCue(index=cue.index,
                       text=plain_text(cue.source_cue.text) if cue.source_cue else "")
             for cue in remaining],
            source_language="ko", target_language=track.language,
            glossary=[GlossaryHint(rule.source_term, rule.rendering)
                      for rule in glossary_rules(track.title, track.language)])
        for cue, result in zip(remaining, results, strict=True):
            if result is not None and result.text.strip():
                cue.text = qa.break_lines(result.text.strip(), language=track.language)
                if cue.source_cue and is_all_italic(cue.source_cue.text):
                    cue.text = f"{ITALIC_OPEN}{cue.text}{ITALIC_CLOSE}"
                cue.state = State.MACHINE_TRANSLATED
                cue.engine = identity.engine
                cue.model_name = identity.model_name
                cue.model_sha256 = identity.model_sha256
    with transaction.atomic():
        # Only cues still untouched are written, so a concurrent edit is never overwritten.
        for cue in pending:
            SubtitleCue.objects.filter(pk=cue.pk, state=State.UNTRANSLATED, text="").update(
                text=cue.text, state=cue.state, engine=cue.engine, model_name=cue.model_name,
                model_sha256=cue.model_sha256, tm_match_percent=cue.tm_match_percent)
    sources = [cue.engine for cue in pending if cue.text]
    return {"from_memory": sources.count("translation_memory"),
            "from_engine": len(sources) - sources.count("translation_memory")}
