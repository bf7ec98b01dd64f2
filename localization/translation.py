"""Translation of subtitle tracks: translation memory, glossary, engines and QA.

A Korean track is translated into the target languages in one action: each target gets a
new track whose cues keep the source timing; a task on the `cpu` queue fills each cue
from the translation memory (exact matches as translated, good fuzzy matches for review),
then from the configured engine (machine translated, with the engine and model recorded),
and leaves the rest untranslated for a translator. QA then runs over the whole track.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from localization import qa
from localization.models import (
    GlossaryTerm,
    LocalizationEvent,
    SubtitleCue,
    SubtitleTrack,
    TranslationMemoryEntry,
)
from localization.services import next_track_version

State = SubtitleCue.State
EXACT = 100
# A fuzzy match at least this good is filled in for review; lower ones are only offered.
FUZZY_FILL_THRESHOLD = 85


class TranslationRefused(ValidationError):
    pass


# --- translation memory ----------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """The memory's key: line breaks and runs of spaces folded, ends trimmed."""
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class MemoryMatch:
    percent: int
    source_text: str
    target_text: str


def memory_matches(*, source_text: str, target_language: str, source_language: str = "ko",
                   limit: int = 3, candidates: list | None = None) -> list[MemoryMatch]:
    """Exact and fuzzy matches, best first, at or above the TM_FUZZY_THRESHOLD."""
    from rapidfuzz import fuzz, process

    key = normalize(source_text)
    if not key:
        return []
    exact = (TranslationMemoryEntry.objects
             .filter(source_language=source_language, target_language=target_language,
                     source_key=key).order_by("-created_at").first())
    matches = [MemoryMatch(EXACT, exact.source_text, exact.target_text)] if exact else []
    if candidates is None:
        candidates = memory_candidates(source_language=source_language,
                                       target_language=target_language)
    keys = [candidate[0] for candidate in candidates]
    for _choice, score, position in process.extract(
            key, keys, scorer=fuzz.ratio, limit=limit + 1,
            score_cutoff=settings.TM_FUZZY_THRESHOLD):
        candidate_key, source, target = candidates[position]
        if candidate_key == key:
            continue
        matches.append(MemoryMatch(int(score), source, target))
    return matches[:limit]


def memory_candidates(*, source_language: str, target_language: str) -> list[tuple]:
    """Every entry of a language pair, loaded once per track rather than once per cue."""
    return list(TranslationMemoryEntry.objects
                .filter(source_language=source_language, target_language=target_language)
                .values_list("source_key", "source_text", "target_text"))


def memory_add(*, source_text: str, target_text: str, target_language: str,
               source_language: str = "ko", title=None, user=None,
               origin: str = "approved_cue") -> TranslationMemoryEntry | None:
    key = normalize(source_text)
    if not key or not target_text.strip():
        return None
    entry, _created = TranslationMemoryEntry.objects.get_or_create(
        source_language=source_language, target_language=target_language, source_key=key,
        target_text=target_text.strip(),
        defaults={"source_text": source_text.strip(), "title": title, "created_by": user,
                  "origin": origin})
    return entry


def memory_export_tmx(*, target_language: str | None = None) -> bytes:
    """TMX 1.4, one translation unit per entry (Translate Toolkit writes the XML)."""
    from translate.storage import tmx

    entries = TranslationMemoryEntry.objects.order_by("id")
    if target_language:
        entries = entries.filter(target_language=target_language)
    store = tmx.tmxfile(sourcelanguage="ko")
    for entry in entries:
        store.addtranslation(entry.source_text, entry.source_language, entry.target_text,
                             entry.target_language)
    return bytes(store)


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def memory_import_tmx(*, data: bytes, user=None, source_language: str = "ko") -> int:
    """Add every unit that has the source language and one of the target languages;
    returns how many pairs were added. A file that is not TMX is refused whole."""
    from translate.storage import tmx

    try:
        store = tmx.tmxfile.parsestring(data)
    except Exception as error:  # the toolkit raises lxml and ValueError variants
        raise ValidationError(_("This is not a TMX file: %(error)s") % {"error": error}) \
            from None
    added = 0
    with transaction.atomic():
        for unit in store.units:
            variants = {}
            for tuv in unit.xmlelement.iter("tuv", "{*}tuv"):
                language = tuv.get(XML_LANG) or tuv.get("lang") or ""
                segment = tuv.find("seg")
                if segment is not None:
                    variants[_language_code(language)] = "".join(segment.itertext())
            source = variants.get(source_language)
            if not source:
                continue
            for language, text in variants.items():
                if language != source_language and memory_add(
                        source_text=source, target_text=text, target_language=language,
                        source_language=source_language, user=user, origin="tmx_import"):
                    added += 1
    return added


def _language_code(tag: str) -> str:
    """TMX files write zh-CN, ja-JP, ko-KR...: map them to the platform's codes."""
    lowered = tag.replace("_", "-").lower()
    if lowered.startswith("zh"):
        return "zh-Hans" if ("hant" not in lowered and not lowered.endswith(("tw", "hk")))\
            else "zh-Hant"
    return lowered.split("-")[0]


# --- glossary ---------------------------------------------------------------------------

def glossary_for(title) -> list[GlossaryTerm]:
    """Terms of the title and of the series and season it belongs to."""
    ids = [title.pk, *(ancestor.pk for ancestor in title.ancestors())]
    return list(GlossaryTerm.objects.filter(title_id__in=ids).order_by("source_term"))


def glossary_rules(title, language: str) -> list[qa.GlossaryRule]:
    return [qa.GlossaryRule(source_term=term.source_term, rendering=term.renderings[language])
            for term in glossary_for(title) if term.renderings.get(language)]


def glossary_term_save(*, title, source_term: str, renderings: dict, kind: str = "term",
                       note: str = "") -> GlossaryTerm:
    source_term = source_term.strip()
    if not source_term:
        raise ValidationError({"source_term": _("Give the Korean term.")})
    renderings = {language: text.strip() for language, text in renderings.items()
                  if text and text.strip()}
    term, _created = GlossaryTerm.objects.update_or_create(
        title=title, source_term=source_term,
        defaults={"renderings": renderings, "kind": kind, "note": note})
    return term


# --- translating a track -------------------------------------------------------------------

def engine():
    from localization.engines.mt import engine_from_settings

    return engine_from_settings()


def engine_description() -> str:
    from localization.engines.mt import describe_engine

    return describe_engine(engine())


def _engine_cleared(title, translation_engine) -> None:
    """The gate: an engine that uses a model must be approved for the title."""
    from coprod.registry.gate import ModelNotApproved
    from localization.engines.mt import engine_clearance

    try:
        engine_clearance(translation_engine, title=title)
    except ModelNotApproved as refusal:
        raise TranslationRefused(str(refusal)) from None


@transaction.atomic
def track_translate(*, source_track: SubtitleTrack, languages=None, user=None
                    ) -> list[SubtitleTrack]:
    """Create one target track per language and queue their translation."""
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
                        state=State.UNTRANSLATED)
            for cue in source_cues)
        LocalizationEvent.objects.create(
            actor=user, action=LocalizationEvent.Action.TRACK_CREATED, track=target,
            after={"translated_from": source_track.pk, "language": language,
                   "engine": translation_engine.identity.engine})
        targets.append(target)

    def enqueue():
        from localization.tasks import translate_track

        for target in targets:
            translate_track.apply_async(args=[target.pk])

    transaction.on_commit(enqueue)
    return targets


def translation_run(*, track_id: int) -> SubtitleTrack | None:
    """Fill the untranslated cues of a target track; harmless to run twice."""
    track = SubtitleTrack.objects.select_related("title").filter(pk=track_id).first()
    if track is None or track.source_track_id is None:
        return None
    pending = list(track.cues.filter(state=State.UNTRANSLATED, text="")
                   .select_related("source_cue").order_by("index"))
    if pending:
        _fill(track, pending)
    quality_check_track(track=track)
    return track


def _fill(track: SubtitleTrack, pending: list[SubtitleCue]) -> None:
    from localization.engines.mt import GlossaryHint, SourceCue

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
        results = translation_engine.translate(
            [SourceCue(index=cue.index, text=cue.source_cue.text if cue.source_cue else "")
             for cue in remaining],
            source_language="ko", target_language=track.language,
            glossary=[GlossaryHint(rule.source_term, rule.rendering)
                      for rule in glossary_rules(track.title, track.language)])
        for cue, result in zip(remaining, results, strict=True):
            if result is not None and result.text.strip():
                cue.text = qa.break_lines(result.text.strip(), language=track.language)
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


# --- quality --------------------------------------------------------------------------------

def qa_cues(track: SubtitleTrack) -> list[qa.QACue]:
    return [qa.QACue(index=cue.index, start_ms=cue.start_ms, end_ms=cue.end_ms, text=cue.text,
                     source_text=cue.source_cue.text if cue.source_cue else "")
            for cue in track.cues.select_related("source_cue").order_by("index")]


def quality_check_track(*, track: SubtitleTrack) -> list[qa.Issue]:
    """Run QA over the whole track and store each cue's issues on it."""
    issues = qa.check_track(qa_cues(track), language=track.language,
                            glossary=glossary_rules(track.title, track.language))
    by_cue: dict[int, list[dict]] = {}
    for issue in issues:
        by_cue.setdefault(issue.cue_index, []).append(issue.as_dict())
    with transaction.atomic():
        for cue in track.cues.only("pk", "index", "qa_issues"):
            found = by_cue.get(cue.index, [])
            if found != cue.qa_issues:
                SubtitleCue.objects.filter(pk=cue.pk).update(qa_issues=found)
    return issues


def quality_fix_track(*, track: SubtitleTrack, user=None) -> qa.FixResult:
    """Apply the safe automatic fixes (line breaks and out-times only), then re-check.

    The same rules as a person's edit: the track's lock and assignment are checked, the
    fixes are computed under the track's row lock from the cues as they are, each changed
    cue gets a new revision in its history, and a changed approved cue needs approving
    again.
    """
    from localization.editor import cue_revision_record, cue_snapshot_if_missing, check_can_edit_track

    with transaction.atomic():
        track = SubtitleTrack.objects.select_for_update().select_related("title")\
            .get(pk=track.pk)
        if user is not None:  # a person's action; system callers pass no user
            check_can_edit_track(user, track)
        cues = {cue.index: cue for cue in
                track.cues.select_for_update(of=("self",)).select_related("source_cue")}
        result = qa.fix_track(qa_cues(track), language=track.language,
                              glossary=glossary_rules(track.title, track.language))
        for fixed in result.cues:
            cue = cues[fixed.index]
            if (fixed.start_ms, fixed.end_ms, fixed.text) == (cue.start_ms, cue.end_ms,
                                                              cue.text):
                continue
            cue_snapshot_if_missing(cue)
            cue.start_ms, cue.end_ms, cue.text = fixed.start_ms, fixed.end_ms, fixed.text
            if cue.state == State.APPROVED:
                cue.state = State.TRANSLATED
            cue.revision += 1
            cue.save(update_fields=["start_ms", "end_ms", "text", "state", "revision",
                                    "updated_at"])
            cue_revision_record(cue, actor=user, action="qa_fix")
        LocalizationEvent.objects.create(
            actor=user, action=LocalizationEvent.Action.TRACK_CREATED, track=track,
            after={"automatic_fixes": [list(change) for change in result.changes]})
    quality_check_track(track=track)
    return result


def quality_check_cue(*, cue: SubtitleCue, text: str | None = None,
                      start_ms: int | None = None, end_ms: int | None = None) -> list[qa.Issue]:
    """Inline QA of one cue (as it is, or as it would be with the given edits)."""
    track = cue.track
    neighbours = {other.index: other for other in track.cues.filter(
        index__in=[cue.index - 1, cue.index + 1])}

    def as_qa(item, **changes):
        values = {"index": item.index, "start_ms": item.start_ms, "end_ms": item.end_ms,
                  "text": item.text,
                  "source_text": item.source_cue.text if item.source_cue_id else ""}
        values.update({key: value for key, value in changes.items() if value is not None})
        return qa.QACue(**values)

    previous, following = neighbours.get(cue.index - 1), neighbours.get(cue.index + 1)
    return qa.check_cue(as_qa(cue, text=text, start_ms=start_ms, end_ms=end_ms),
                        language=track.language,
                        previous=as_qa(previous) if previous else None,
                        next=as_qa(following) if following else None,
                        glossary=glossary_rules(track.title, track.language))


def export_blockers(*, track: SubtitleTrack) -> list[qa.Issue]:
    """QA errors that stop an export unless the user chooses to export anyway."""
    return [issue for issue in quality_check_track(track=track) if issue.severity == "error"]
