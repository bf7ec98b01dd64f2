"""Subtitle QA on stored tracks: whole-track checks, safe fixes (through the edit rules
and history), one cue's check, export blockers."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coprod.audit.models import Event
from coprod.compute.models import Stage
from localization import background, qa
from localization.events import pipeline_event
from localization.permissions import check_can_check_quality, check_can_edit_track
from localization.runs import lifecycle
from localization.runs.models import TrackRun
from localization.runs.tracks import track_run_create, track_run_kind
from localization.shots import selectors as shots_selectors
from localization.subtitles.history import cue_revision_record, cue_snapshot_if_missing
from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack
from localization.translation.glossary import glossary_rules


def qa_cues(track: SubtitleTrack) -> list[qa.QACue]:
    return [qa.QACue(index=cue.index, start_ms=cue.start_ms, end_ms=cue.end_ms, text=cue.text,
                     source_text=cue.source_cue.text if cue.source_cue else "",
                     **_layout_of(cue))
            for cue in track.cues.select_related("source_cue").order_by("index")]


def _layout_of(cue: SubtitleCue) -> dict:
    """Where the stored cue sits and whether it is vertical (what its file said)."""
    return {"vertical": bool(cue.vertical), "position": cue.position}


def media_timing(track: SubtitleTrack) -> dict:
    """The frame rate of the track's media and its shot changes, for the QA engine (the
    profile's frame rate, with a note on the track, when the media gives none; no shot
    rules without a detection)."""
    rate = shots_selectors.media_frame_rate(media=track.media)
    return {"shot_changes": shots_selectors.shot_changes_for(media=track.media),
            **({"frame_rate": rate} if rate else {})}


def frame_rate_result(track: SubtitleTrack, issues: list[qa.Issue]) -> dict:
    """The frame rate the checks were counted at, for the run's result: the media's, or
    the profile's default with the note saying the media's is unknown."""
    notes = [str(issue.message) for issue in issues
             if issue.cue_index == qa.TRACK and issue.rule == "frame_rate"]
    if notes:
        return {"frame_rate": qa.get_profile(track.language).frame_rate,
                "frame_rate_from": "profile", "frame_rate_note": notes[0]}
    return {"frame_rate": shots_selectors.media_frame_rate(media=track.media),
            "frame_rate_from": "media"}


KIND = track_run_kind(TrackRun.Kind.QUALITY_CHECK, label=gettext_lazy("Quality check"),
                      task=background.CHECK_TRACK_QUALITY, stage=Stage.QA)


def quality_check_enqueue(*, track: SubtitleTrack, user=None) -> TrackRun:
    """Run the whole-track QA on the ``cpu`` queue, as a run with its own row."""
    if user is not None:
        check_can_check_quality(user, track)
    return track_run_create(KIND, track=track, actor=user)


def quality_check_run(*, run_id: int, task_id: str | None = None,
                      worker: str = "") -> TrackRun | None:
    """The queued whole-track check; harmless to run twice (it only rewrites findings)."""
    run, claimed = lifecycle.run_claim(KIND, run_id, task_id=task_id, worker=worker,
                                       select_related=("track__title",), result={})
    if not claimed:
        return run

    def work() -> TrackRun:
        issues = quality_check_track(track=run.track)
        severities = [issue.severity for issue in issues]
        return lifecycle.run_finish(KIND, run, result={
            "issues": len(issues), "errors": severities.count("error"),
            "warnings": severities.count("warning"), **frame_rate_result(run.track, issues)})

    return lifecycle.run_guarded(
        KIND, run, work,
        time_limit_message=_("The quality check ran past its time limit and was stopped."))


def quality_check_track(*, track: SubtitleTrack) -> list[qa.Issue]:
    """Run QA over the whole track and store each cue's issues on it."""
    issues = qa.check_track(qa_cues(track), language=track.language,
                            glossary=glossary_rules(track.title, track.language),
                            **media_timing(track))
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
    """Apply the safe automatic fixes (``localization/qa/fixes.py``: the text corrections
    the guides allow, line breaks, out-times, and in-times snapped to shot changes; never
    a word), then re-check.

    The same rules as a person's edit: the track's lock and assignment are checked, the
    fixes are computed under the track's row lock from the cues as they are, each changed
    cue gets a new revision in its history, and a changed approved cue needs approving
    again.
    """

    with transaction.atomic():
        track = SubtitleTrack.objects.select_for_update().select_related("title")\
            .get(pk=track.pk)
        if user is not None:  # a person's action; system callers pass no user
            check_can_edit_track(user, track)
        cues = {cue.index: cue for cue in
                track.cues.select_for_update(of=("self",)).select_related("source_cue")}
        result = qa.fix_track(qa_cues(track), language=track.language,
                              glossary=glossary_rules(track.title, track.language),
                              **media_timing(track))
        for fixed in result.cues:
            cue = cues[fixed.index]
            if (fixed.start_ms, fixed.end_ms, fixed.text) == (cue.start_ms, cue.end_ms,
                                                              cue.text):
                continue
            cue_snapshot_if_missing(cue)
            cue.start_ms, cue.end_ms, cue.text = fixed.start_ms, fixed.end_ms, fixed.text
            if cue.state == SubtitleCue.State.APPROVED:
                cue.state = SubtitleCue.State.TRANSLATED
            cue.revision += 1
            cue.save(update_fields=["start_ms", "end_ms", "text", "state", "revision",
                                    "updated_at"])
            cue_revision_record(cue, actor=user, action=CueRevision.Action.QA_FIX)
        pipeline_event(
            actor=user, action=Event.Action.TRACK_QA_FIXED, about=track,
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
                  "source_text": item.source_cue.text if item.source_cue_id else "",
                  **_layout_of(item)}
        values.update({key: value for key, value in changes.items() if value is not None})
        return qa.QACue(**values)

    previous, following = neighbours.get(cue.index - 1), neighbours.get(cue.index + 1)
    return qa.check_cue(as_qa(cue, text=text, start_ms=start_ms, end_ms=end_ms),
                        language=track.language,
                        previous=as_qa(previous) if previous else None,
                        next=as_qa(following) if following else None,
                        glossary=glossary_rules(track.title, track.language),
                        **media_timing(track))


def export_blockers(*, track: SubtitleTrack) -> list[qa.Issue]:
    """The QA errors that stop a translation's export (the track page's and the API's)
    unless the user exports anyway; a transcript or an imported file is exported as it
    is."""
    if track.source != SubtitleTrack.Source.TRANSLATION:
        return []
    return [issue for issue in quality_check_track(track=track) if issue.severity == "error"]
