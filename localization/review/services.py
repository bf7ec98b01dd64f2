"""The subtitle editor's writes: cue edits with optimistic locking, split and merge, the
review workflow, assignment, approval and reopening, comments."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coprod.accounts.roles import Role
from coprod.audit.models import Event
from localization import notifications, signals
from localization.events import pipeline_event
from localization.permissions import (
    REVIEW_ROLES,
    check_can_assign_track,
    check_can_comment,
    check_can_edit_track,
    check_can_reopen_track,
    check_can_review_track,
    user_display_name,
)
from localization.qa import services as qa_services
from localization.review.models import CueComment
from localization.subtitles.cues import (
    DEFAULT_POSITION,
    placement_description,
    split_markup,
)
from localization.subtitles.history import cue_revision_record, cue_snapshot_if_missing
from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack
from localization.subtitles.services import SPEAKER_MAX_LENGTH
from localization.translation import memory as translation_memory

State = SubtitleCue.State


# Indexes move out of the way by this much while a track is renumbered, so that the
# unique (track, index) constraint never sees two cues with one number.
RENUMBER_OFFSET = 10_000_000


class CueConflict(Exception):
    """The cue changed since the editor loaded it; ``current`` is the server's version."""

    def __init__(self, current: dict):
        super().__init__(_("Someone else saved this cue in the meantime."))
        self.current = current


class WorkflowError(ValidationError):
    """An illegal state change or an edit the workflow does not allow."""


def cue_as_dict(cue: SubtitleCue) -> dict:
    """The compact form the editor loads (1,500 of them make one ~300 KB payload)."""
    source = cue.source_cue
    return {"id": cue.pk, "index": cue.index, "start": cue.start_ms, "end": cue.end_ms,
            "text": cue.text, "source": source.text if source else "", "state": cue.state,
            "revision": cue.revision, "qa": cue.qa_issues, "tm": cue.tm_match_percent,
            "comments": getattr(cue, "comment_count", None), "speaker": cue.speaker,
            **({"about": about} if (about := cue_about(cue)) else {})}


def cue_about(cue: SubtitleCue) -> str:
    """What the file said of the cue beyond its words (speaker, place, identifier), for the
    editor to show; the editor never changes it, and an edit of the text keeps it."""
    parts = []
    if cue.speaker:
        parts.append(_("speaker: %(name)s") % {"name": cue.speaker})
    if cue.position != DEFAULT_POSITION or cue.vertical:
        parts.append(_("position: %(place)s")
                     % {"place": placement_description(cue.position, cue.vertical)})
    if cue.identifier:
        parts.append(_("identifier: %(identifier)s") % {"identifier": cue.identifier[:60]})
    return " · ".join(parts)


def track_as_dict(track: SubtitleTrack) -> dict:
    return {"id": track.pk, "language": track.language, "version": track.version,
            "review_state": track.review_state, "locked": track.locked_at is not None,
            "translator": user_display_name(track.translator),
            "reviewer": user_display_name(track.reviewer)}


def revision_as_dict(revision: CueRevision) -> dict:
    return {"id": revision.pk, "revision": revision.revision, "text": revision.text,
            "start": revision.start_ms, "end": revision.end_ms, "state": revision.state,
            "action": revision.action, "author": user_display_name(revision.author),
            "speaker": revision.speaker,
            "created_at": revision.created_at.isoformat()}


def comment_as_dict(comment: CueComment) -> dict:
    return {"id": comment.pk, "parent": comment.parent_id, "text": comment.text,
            "author": user_display_name(comment.author), "rejection": comment.is_rejection,
            "created_at": comment.created_at.isoformat()}


def _locked_cue(cue_id: int) -> SubtitleCue:
    """The cue, after its track: every cue write takes the track's row lock first, so
    that approving the last cues, or an edit beside them, sees the whole track settled."""
    track_id = SubtitleCue.objects.values_list("track_id", flat=True).get(pk=cue_id)
    SubtitleTrack.objects.select_for_update().filter(pk=track_id).first()
    return (SubtitleCue.objects.select_for_update(of=("self",))
            .select_related("track", "source_cue").get(pk=cue_id))


def _check_revision(cue: SubtitleCue, expected_revision: int | None) -> None:
    if expected_revision is not None and int(expected_revision) != cue.revision:
        raise CueConflict(cue_as_dict(cue))


# No programme runs this long; the bound also keeps times inside PostgreSQL's integer columns.
MAX_CUE_TIME_MS = 100 * 3_600_000


def _check_times(start_ms: int, end_ms: int) -> None:
    if start_ms < 0 or end_ms <= start_ms:
        raise WorkflowError(_("A cue must end after it starts (%(start)d ms → %(end)d ms).")
                            % {"start": start_ms, "end": end_ms})
    if end_ms > MAX_CUE_TIME_MS:
        raise WorkflowError(_("A cue must end within 100 hours (%(max)d ms); this one ends "
                              "at %(end)d ms.") % {"max": MAX_CUE_TIME_MS, "end": end_ms})


def _check_text(text: str) -> None:
    """PostgreSQL refuses NUL in text, and UTF-8 cannot carry a lone surrogate."""
    if "\x00" in text:
        raise WorkflowError(_("The text contains a NUL character, which cannot be stored."))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise WorkflowError(_("The text contains a character that is not valid Unicode."))\
            from None


def cue_save(*, cue: SubtitleCue, text: str, start_ms: int, end_ms: int,
             expected_revision: int, actor, action: str = CueRevision.Action.EDIT) -> SubtitleCue:
    """Save a person's edit of one cue; raise CueConflict when the cue moved on."""
    with transaction.atomic():
        cue = _locked_cue(cue.pk)
        check_can_edit_track(actor, cue.track)
        _check_revision(cue, expected_revision)
        text = text.replace("\r\n", "\n").strip()
        start_ms, end_ms = int(start_ms), int(end_ms)
        _check_text(text)
        _check_times(start_ms, end_ms)
        if (text, start_ms, end_ms) == (cue.text, cue.start_ms, cue.end_ms):
            return cue
        cue_snapshot_if_missing(cue)
        text_changed = text != cue.text
        cue.text, cue.start_ms, cue.end_ms = text, start_ms, end_ms
        # A person's words replace the machine's; an edited approval is no approval.
        if cue.state == State.APPROVED or (
                text_changed and cue.state in (State.UNTRANSLATED, State.MACHINE_TRANSLATED)):
            cue.state = State.TRANSLATED if text else State.UNTRANSLATED
        if text_changed:
            cue.engine, cue.model_name, cue.model_sha256 = "", "", ""
        cue.revision += 1
        _store_qa(cue)
        cue.save()
        cue_revision_record(cue, actor=actor, action=action)
    return cue


def _store_qa(cue: SubtitleCue) -> None:
    cue.qa_issues = [issue.as_dict() for issue in qa_services.quality_check_cue(cue=cue)
                     if issue.cue_index == cue.index]


def cue_revert(*, cue: SubtitleCue, revision_id: int, expected_revision: int,
               actor) -> SubtitleCue:
    """Bring back an old version's text and times as a new revision (history is kept)."""
    old = CueRevision.objects.filter(cue_id=cue.pk, pk=revision_id).first()
    if old is None:
        raise WorkflowError(_("That version does not belong to this cue."))
    return cue_save(cue=cue, text=old.text, start_ms=old.start_ms, end_ms=old.end_ms,
                    expected_revision=expected_revision, actor=actor,
                    action=CueRevision.Action.REVERT)


def _shift_indexes(track_id: int, *, after: int, by: int) -> None:
    """Move every cue numbered above ``after`` by ``by``, through a temporary offset."""
    cues = SubtitleCue.objects.filter(track_id=track_id, index__gt=after)
    cues.update(index=F("index") + RENUMBER_OFFSET)
    SubtitleCue.objects.filter(track_id=track_id, index__gt=after + RENUMBER_OFFSET).update(
        index=F("index") - RENUMBER_OFFSET + by)


def cue_split(*, cue: SubtitleCue, at_ms: int, text_left: str, text_right: str,
              expected_revision: int, actor) -> tuple[SubtitleCue, SubtitleCue]:
    """Split a cue at ``at_ms``: the cue keeps the left part, a new cue after it the
    right; the cues after it are renumbered."""
    with transaction.atomic():
        SubtitleTrack.objects.select_for_update().filter(pk=cue.track_id).first()
        cue = _locked_cue(cue.pk)
        check_can_edit_track(actor, cue.track)
        _check_revision(cue, expected_revision)
        at_ms = int(at_ms)
        _check_text(text_left)
        _check_text(text_right)
        if not cue.start_ms < at_ms < cue.end_ms:
            raise WorkflowError(_("Split inside the cue: between %(start)d and %(end)d ms.")
                                % {"start": cue.start_ms, "end": cue.end_ms})
        cue_snapshot_if_missing(cue)
        _shift_indexes(cue.track_id, after=cue.index, by=1)
        # Italics cut by the split close in the left half and open again in the right;
        # the right half sits where the cue sat (its identifier stays with the left).
        text_left, text_right = split_markup(text_left.strip(), text_right.strip())
        right = SubtitleCue.objects.create(
            track=cue.track, index=cue.index + 1, start_ms=at_ms, end_ms=cue.end_ms,
            text=text_right, speaker=cue.speaker, source_cue=cue.source_cue,
            state=State.TRANSLATED if text_right else State.UNTRANSLATED,
            **cue.placement_fields())
        cue.text, cue.end_ms = text_left, at_ms
        if cue.state != State.NEEDS_REVIEW:
            cue.state = State.TRANSLATED if cue.text else State.UNTRANSLATED
        cue.revision += 1
        _store_qa(cue)
        cue.save()
        cue_revision_record(cue, actor=actor, action=CueRevision.Action.SPLIT)
        _store_qa(right)
        right.save(update_fields=["qa_issues"])
        cue_revision_record(right, actor=actor, action=CueRevision.Action.SPLIT)
    return cue, right


def cue_merge(*, cue: SubtitleCue, next_cue: SubtitleCue, expected_revision: int,
              next_expected_revision: int, actor) -> SubtitleCue:
    """Merge a cue with the one after it; the later cues are renumbered."""
    with transaction.atomic():
        SubtitleTrack.objects.select_for_update().filter(pk=cue.track_id).first()
        cue = _locked_cue(cue.pk)
        following = _locked_cue(next_cue.pk)
        check_can_edit_track(actor, cue.track)
        if following.track_id != cue.track_id or following.index != cue.index + 1:
            raise WorkflowError(_("Only a cue and the one right after it can be merged."))
        _check_revision(cue, expected_revision)
        _check_revision(following, next_expected_revision)
        cue_snapshot_if_missing(cue)
        cue.text = "\n".join(part for part in (cue.text, following.text) if part)
        cue.end_ms = following.end_ms
        if cue.state != State.NEEDS_REVIEW:
            cue.state = State.TRANSLATED if cue.text else State.UNTRANSLATED
        cue.revision += 1
        removed_index = following.index
        following.delete()
        _shift_indexes(cue.track_id, after=removed_index, by=-1)
        _store_qa(cue)
        cue.save()
        cue_revision_record(cue, actor=actor, action=CueRevision.Action.MERGE)
    return cue


# state wanted -> states it may come from, for a translator's own marking.
TRANSLATOR_TRANSITIONS = {
    State.TRANSLATED: (State.MACHINE_TRANSLATED, State.NEEDS_REVIEW, State.UNTRANSLATED),
    State.NEEDS_REVIEW: (State.MACHINE_TRANSLATED, State.TRANSLATED),
}


REVIEWABLE = (State.MACHINE_TRANSLATED, State.TRANSLATED, State.NEEDS_REVIEW)


def cue_set_state(*, cue: SubtitleCue, action: str, actor, expected_revision: int | None,
                  comment: str = "") -> SubtitleCue:
    """The workflow. ``action``: "translated" or "needs_review" (translator), "approve"
    or "reject" (reviewer; a rejection needs a comment and sends the cue back for review).
    Approving the last cue approves and locks the track."""
    with transaction.atomic():
        cue = _locked_cue(cue.pk)
        track = cue.track
        before = cue.state
        if action in (CueRevision.Action.APPROVE, CueRevision.Action.REJECT):
            check_can_review_track(actor, track)
        else:
            check_can_edit_track(actor, track)
        _check_revision(cue, expected_revision)
        _check_text(comment)
        if action == CueRevision.Action.APPROVE:
            if cue.state not in REVIEWABLE or not cue.text.strip():
                raise WorkflowError(_("A cue is approved only when it has a translation "
                                      "awaiting review; this one is “%(state)s”.")
                                    % {"state": cue.get_state_display()})
            cue.state = State.APPROVED
        elif action == CueRevision.Action.REJECT:
            if not comment.strip():
                raise WorkflowError(_("Say why the cue is rejected."))
            if cue.state == State.UNTRANSLATED:
                raise WorkflowError(_("An untranslated cue cannot be rejected."))
            cue.state = State.NEEDS_REVIEW
        elif action in TRANSLATOR_TRANSITIONS:
            wanted = State(action)
            if cue.state not in TRANSLATOR_TRANSITIONS[wanted] or not cue.text.strip():
                raise WorkflowError(_("A cue cannot go from “%(before)s” to “%(after)s”.")
                                    % {"before": cue.get_state_display(),
                                       "after": wanted.label})
            cue.state = wanted
        else:
            raise WorkflowError(_("Unknown workflow action: %(action)s.") % {"action": action})
        cue_snapshot_if_missing(cue)
        cue.revision += 1
        cue.save(update_fields=["state", "revision", "updated_at"])
        cue_revision_record(cue, actor=actor, action=action)
        if action == CueRevision.Action.REJECT:
            CueComment.objects.create(cue=cue, author=actor, text=comment.strip(),
                                      is_rejection=True)
            notifications.cue_rejected(cue, comment=comment.strip(), actor=actor)
        elif action == CueRevision.Action.NEEDS_REVIEW:
            notifications.track_sent_for_review(track, actor=actor)
        elif comment.strip():
            CueComment.objects.create(cue=cue, author=actor, text=comment.strip())
        if action == CueRevision.Action.APPROVE and before != State.APPROVED:
            _approved_into_memory(cue, actor)
            _approve_track_when_complete(track, actor)
    return cue


def _approved_into_memory(cue: SubtitleCue, actor) -> None:
    if cue.source_cue_id and cue.track.source_track_id:
        translation_memory.memory_add(source_text=cue.source_cue.text, target_text=cue.text,
                               target_language=cue.track.language,
                               source_language=cue.track.source_track.language,
                               title=cue.track.title, user=actor)


def _approve_track_when_complete(track: SubtitleTrack, actor) -> None:
    if track.cues.exclude(state=State.APPROVED).exists():
        return
    track = SubtitleTrack.objects.select_for_update().get(pk=track.pk)
    track.review_state = SubtitleTrack.ReviewState.APPROVED
    track.locked_at, track.approved_by = timezone.now(), actor
    track.save(update_fields=["review_state", "locked_at", "approved_by"])
    pipeline_event(actor=actor, action=Event.Action.TRACK_APPROVED, about=track,
                   after={"cues": track.cues.count()})
    notifications.track_approved(track, actor=actor)
    signals.track_approved.send(sender=SubtitleTrack, track=track, actor=actor)


@transaction.atomic
def track_reopen(*, track: SubtitleTrack, actor, reason: str = "") -> SubtitleTrack:
    """Unlock an approved track for editing; its cues stay approved until edited."""
    check_can_reopen_track(actor, track)
    track = SubtitleTrack.objects.select_for_update().get(pk=track.pk)
    if track.locked_at is None:
        raise WorkflowError(_("This track is not approved; there is nothing to reopen."))
    _check_text(reason)
    before = {"review_state": track.review_state, "locked_at": track.locked_at.isoformat()}
    track.review_state = SubtitleTrack.ReviewState.IN_PROGRESS
    track.locked_at, track.approved_by = None, None
    track.save(update_fields=["review_state", "locked_at", "approved_by"])
    pipeline_event(actor=actor, action=Event.Action.TRACK_REOPENED, about=track,
                   before=before, after={"reason": reason})
    return track


@transaction.atomic
def track_assign(*, track: SubtitleTrack, translator, reviewer, actor) -> SubtitleTrack:
    """Name the track's translator and reviewer (either may be None: anyone qualified)."""
    check_can_assign_track(actor, track)
    if translator is not None and not translator.has_role(Role.TRANSLATOR, *REVIEW_ROLES):
        raise WorkflowError(_("%(name)s is not a translator.")
                            % {"name": user_display_name(translator)})
    if reviewer is not None and not reviewer.has_role(*REVIEW_ROLES):
        raise WorkflowError(_("%(name)s is not a reviewer.")
                            % {"name": user_display_name(reviewer)})
    track = SubtitleTrack.objects.select_for_update().get(pk=track.pk)
    before = {"translator": track.translator_id, "reviewer": track.reviewer_id}
    track.translator, track.reviewer = translator, reviewer
    track.save(update_fields=["translator", "reviewer"])
    pipeline_event(
        actor=actor, action=Event.Action.TRACK_ASSIGNED, about=track,
        before=before, after={"translator": track.translator_id, "reviewer": track.reviewer_id})
    notifications.track_assigned(track, actor=actor)
    return track


@transaction.atomic
def cue_comment_add(*, cue: SubtitleCue, text: str, actor, parent_id: int | None = None
                    ) -> CueComment:
    check_can_comment(actor, cue.track)
    if not text.strip():
        raise WorkflowError(_("Write a comment first."))
    _check_text(text)
    parent = None
    if parent_id:
        parent = CueComment.objects.filter(cue=cue, pk=parent_id).first()
        if parent is None:
            raise WorkflowError(_("The comment you reply to is not on this cue."))
    comment = CueComment.objects.create(cue=cue, parent=parent, author=actor, text=text.strip())
    notifications.cue_commented(comment)
    return comment


# --- speakers ---------------------------------------------------------------------------------


def _speaker_name(name: str) -> str:
    name = " ".join(str(name).split())
    _check_text(name)
    if len(name) > SPEAKER_MAX_LENGTH:
        raise WorkflowError(_("A speaker's name has at most %(count)d characters.")
                            % {"count": SPEAKER_MAX_LENGTH})
    return name


def cue_speaker_set(*, cue: SubtitleCue, speaker: str, expected_revision: int,
                    actor) -> SubtitleCue:
    """Give one cue to another speaker (a new one, or one of the track's)."""
    with transaction.atomic():
        cue = _locked_cue(cue.pk)
        check_can_edit_track(actor, cue.track)
        _check_revision(cue, expected_revision)
        speaker = _speaker_name(speaker)
        if speaker == cue.speaker:
            return cue
        cue_snapshot_if_missing(cue)
        cue.speaker = speaker
        cue.revision += 1
        cue.save(update_fields=["speaker", "revision", "updated_at"])
        cue_revision_record(cue, actor=actor, action=CueRevision.Action.SPEAKER)
    return cue


def speaker_rename(*, track: SubtitleTrack, old: str, new: str, actor) -> int:
    """Rename a speaker on every cue of the track; naming an existing speaker merges the
    two. Each cue keeps the change in its history; returns how many cues changed."""
    new = _speaker_name(new)
    with transaction.atomic():
        track = SubtitleTrack.objects.select_for_update().get(pk=track.pk)
        check_can_edit_track(actor, track)
        if old == new:
            return 0
        cues = list(SubtitleCue.objects.select_for_update().filter(track=track, speaker=old)
                    .order_by("index"))
        if not cues:
            raise WorkflowError(_("No cue of this track has the speaker “%(name)s”.")
                                % {"name": old})
        merged = SubtitleCue.objects.filter(track=track, speaker=new).exists()
        for cue in cues:
            cue_snapshot_if_missing(cue)
            cue.speaker = new
            cue.revision += 1
            cue.save(update_fields=["speaker", "revision", "updated_at"])
            cue_revision_record(cue, actor=actor, action=CueRevision.Action.SPEAKER)
        pipeline_event(actor=actor, action=Event.Action.TRACK_SPEAKER_RENAMED, about=track,
                       before={"speaker": old}, after={"speaker": new, "cues": len(cues),
                                                       "merged": merged})
    return len(cues)


def track_speakers_summary(track: SubtitleTrack) -> list[dict]:
    """The track's speakers in order of appearance, with their number of cues."""
    counts: dict[str, int] = {}
    for speaker in track.cues.order_by("index").values_list("speaker", flat=True):
        counts[speaker] = counts.get(speaker, 0) + 1
    return [{"name": name, "cues": count} for name, count in counts.items()]


def cast_characters(track: SubtitleTrack) -> list[str]:
    """The characters of the title's (and its series') cast, to name speakers after."""
    from coprod.catalog.models import Credit

    family = [track.title_id, *(ancestor.pk for ancestor in track.title.ancestors())]
    names = (Credit.objects.filter(title_id__in=family).exclude(character="")
             .order_by("order", "character").values_list("character", flat=True))
    return list(dict.fromkeys(names))
