"""The subtitle editor's services and JSON endpoints: optimistic locking, history and
revert, split and merge, the review workflow, the approval lock, comments, permissions."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.audit.models import Event
from localization.review import services as review_services
from localization.review import waveform as review_waveform
from localization.review.models import CueComment
from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack
from localization.translation.models import TranslationMemoryEntry
from tests.factories import TitleFactory, UserFactory

State = SubtitleCue.State


def make_tracks(cue_count: int = 3, *, state=State.MACHINE_TRANSLATED):
    """A Korean track and its Japanese translation, cue for cue."""
    title = TitleFactory()
    korean = SubtitleTrack.objects.create(title=title, language="ko", version=1,
                                          source=SubtitleTrack.Source.IMPORT)
    japanese = SubtitleTrack.objects.create(title=title, language="ja", version=1,
                                            source=SubtitleTrack.Source.TRANSLATION,
                                            source_track=korean)
    for index in range(1, cue_count + 1):
        start = index * 3000
        source = SubtitleCue.objects.create(track=korean, index=index, start_ms=start,
                                            end_ms=start + 2000, text=f"안녕하세요 {index}",
                                            state=State.APPROVED)
        SubtitleCue.objects.create(track=japanese, index=index, start_ms=start,
                                   end_ms=start + 2000, text=f"こんにちは{index}",
                                   source_cue=source, state=state)
    return korean, japanese


@pytest.fixture
def tracks(db):
    return make_tracks()


@pytest.fixture
def translator(db):
    return UserFactory(role=Role.TRANSLATOR)


@pytest.fixture
def reviewer(db):
    return UserFactory(role=Role.REVIEWER)


def first(track, index=1):
    return track.cues.get(index=index)


# --- services -------------------------------------------------------------------------------

def test_save_bumps_revision_writes_history_and_marks_translated(tracks, translator):
    _korean, japanese = tracks
    cue = first(japanese)
    saved = review_services.cue_save(cue=cue, text="やあ", start_ms=cue.start_ms, end_ms=cue.end_ms,
                            expected_revision=1, actor=translator)
    assert saved.revision == 2 and saved.state == State.TRANSLATED and saved.text == "やあ"
    history = list(CueRevision.objects.filter(cue=cue).order_by("revision"))
    assert [(item.revision, item.text, item.action) for item in history] == [
        (1, "こんにちは1", "original"), (2, "やあ", "edit")]
    assert history[1].author == translator and history[0].author is None


def test_second_save_with_the_same_revision_conflicts_and_loses_nothing(tracks, translator):
    _korean, japanese = tracks
    cue = first(japanese)
    other = UserFactory(role=Role.TRANSLATOR)
    review_services.cue_save(cue=cue, text="最初の人", start_ms=cue.start_ms, end_ms=cue.end_ms,
                    expected_revision=1, actor=translator)
    with pytest.raises(review_services.CueConflict) as conflict:
        review_services.cue_save(cue=cue, text="二番目の人", start_ms=cue.start_ms,
                                 end_ms=cue.end_ms,
                        expected_revision=1, actor=other)
    assert conflict.value.current["text"] == "最初の人"
    assert conflict.value.current["revision"] == 2
    cue.refresh_from_db()
    assert cue.text == "最初の人"
    # The second person chooses to keep theirs: a save against the server's revision.
    review_services.cue_save(cue=cue, text="二番目の人", start_ms=cue.start_ms,
                                 end_ms=cue.end_ms,
                    expected_revision=2, actor=other)
    assert list(CueRevision.objects.filter(cue=cue).order_by("revision")
                .values_list("text", flat=True)) == ["こんにちは1", "最初の人", "二番目の人"]


def test_revert_saves_an_old_version_as_a_new_revision(tracks, translator):
    _korean, japanese = tracks
    cue = first(japanese)
    review_services.cue_save(cue=cue, text="一", start_ms=cue.start_ms, end_ms=cue.end_ms,
                    expected_revision=1, actor=translator)
    review_services.cue_save(cue=cue, text="二", start_ms=cue.start_ms, end_ms=cue.end_ms + 100,
                    expected_revision=2, actor=translator)
    original = CueRevision.objects.get(cue=cue, revision=1)
    with pytest.raises(review_services.CueConflict):
        review_services.cue_revert(cue=cue, revision_id=original.pk, expected_revision=2,
                          actor=translator)
    reverted = review_services.cue_revert(cue=cue, revision_id=original.pk, expected_revision=3,
                                 actor=translator)
    assert (reverted.text, reverted.end_ms, reverted.revision) == ("こんにちは1",
                                                                   original.end_ms, 4)
    assert CueRevision.objects.get(cue=cue, revision=4).action == "revert"


def test_split_and_merge_keep_indexes_contiguous(db, translator):
    _korean, japanese = make_tracks(5)
    cue = first(japanese, 2)
    left, right = review_services.cue_split(cue=cue, at_ms=cue.start_ms + 1000, text_left="左",
                                   text_right="右", expected_revision=1, actor=translator)
    assert (left.index, right.index) == (2, 3)
    assert list(japanese.cues.order_by("index").values_list("index", "text")) == [
        (1, "こんにちは1"), (2, "左"), (3, "右"), (4, "こんにちは3"), (5, "こんにちは4"),
        (6, "こんにちは5")]
    assert right.start_ms == left.end_ms == cue.start_ms + 1000
    assert right.source_cue_id == left.source_cue_id
    merged = review_services.cue_merge(cue=left, next_cue=right, expected_revision=left.revision,
                              next_expected_revision=right.revision, actor=translator)
    assert merged.text == "左\n右" and merged.end_ms == cue.end_ms
    assert list(japanese.cues.order_by("index").values_list("index", flat=True)) == [
        1, 2, 3, 4, 5]
    assert first(japanese, 3).text == "こんにちは3"


def test_split_outside_the_cue_and_merging_non_neighbours_are_refused(tracks, translator):
    _korean, japanese = tracks
    cue = first(japanese)
    with pytest.raises(review_services.WorkflowError):
        review_services.cue_split(cue=cue, at_ms=cue.end_ms, text_left="a", text_right="b",
                         expected_revision=1, actor=translator)
    with pytest.raises(review_services.WorkflowError):
        review_services.cue_merge(cue=cue, next_cue=first(japanese, 3), expected_revision=1,
                         next_expected_revision=1, actor=translator)


def test_workflow_transitions_and_illegal_ones(tracks, translator, reviewer):
    _korean, japanese = tracks
    cue = first(japanese)
    cue = review_services.cue_set_state(cue=cue, action="needs_review", actor=translator,
                               expected_revision=1)
    assert cue.state == State.NEEDS_REVIEW
    with pytest.raises(PermissionDenied, match="Only reviewers"):
        review_services.cue_set_state(cue=cue, action="approve", actor=translator,
                             expected_revision=cue.revision)
    with pytest.raises(review_services.WorkflowError, match="Say why"):
        review_services.cue_set_state(cue=cue, action="reject", actor=reviewer,
                             expected_revision=cue.revision)
    cue = review_services.cue_set_state(cue=cue, action="reject", actor=reviewer,
                               expected_revision=cue.revision, comment="敬語にしてください")
    assert cue.state == State.NEEDS_REVIEW
    rejection = CueComment.objects.get(cue=cue)
    assert rejection.is_rejection and rejection.author == reviewer
    cue = review_services.cue_set_state(cue=cue, action="approve", actor=reviewer,
                               expected_revision=cue.revision)
    assert cue.state == State.APPROVED
    with pytest.raises(review_services.WorkflowError):
        review_services.cue_set_state(cue=cue, action="approve", actor=reviewer,
                             expected_revision=cue.revision)
    with pytest.raises(review_services.WorkflowError):
        review_services.cue_set_state(cue=cue, action="needs_review", actor=translator,
                             expected_revision=cue.revision)
    untranslated = first(japanese, 2)
    SubtitleCue.objects.filter(pk=untranslated.pk).update(text="", state=State.UNTRANSLATED)
    with pytest.raises(review_services.WorkflowError):
        review_services.cue_set_state(cue=untranslated, action="approve", actor=reviewer,
                             expected_revision=None)
    assert [item.action for item in CueRevision.objects.filter(cue=cue).order_by("revision")
            ] == ["original", "needs_review", "reject", "approve"]


def test_approval_adds_memory_and_locks_the_track_until_reopened(tracks, translator,
                                                                  reviewer):
    _korean, japanese = tracks
    for cue in japanese.cues.order_by("index"):
        review_services.cue_set_state(cue=cue, action="approve", actor=reviewer,
                             expected_revision=cue.revision)
    entry = TranslationMemoryEntry.objects.get(source_text="안녕하세요 1")
    assert entry.target_text == "こんにちは1" and entry.target_language == "ja"
    japanese.refresh_from_db()
    assert japanese.review_state == "approved" and japanese.locked_at is not None
    assert japanese.approved_by == reviewer
    cue = first(japanese)
    with pytest.raises(PermissionDenied, match="approved and locked"):
        review_services.cue_save(cue=cue, text="変更", start_ms=cue.start_ms, end_ms=cue.end_ms,
                        expected_revision=cue.revision, actor=translator)
    with pytest.raises(PermissionDenied, match="Only reviewers"):
        review_services.track_reopen(track=japanese, actor=translator)
    review_services.track_reopen(track=japanese, actor=reviewer, reason="typo")
    japanese.refresh_from_db()
    assert japanese.locked_at is None and japanese.review_state == "in_progress"
    cue = review_services.cue_save(cue=cue, text="変更", start_ms=cue.start_ms, end_ms=cue.end_ms,
                          expected_revision=cue.revision, actor=translator)
    assert cue.state == State.TRANSLATED
    assert list(Event.objects.about(japanese).filter(action__in=[
        Event.Action.TRACK_APPROVED, Event.Action.TRACK_REOPENED]).order_by("id")
                .values_list("action", flat=True)) == ["track.approved", "track.reopened"]


def test_assignment_limits_translators_and_reviewers(tracks, translator, reviewer):
    _korean, japanese = tracks
    manager = UserFactory(role=Role.RIGHTS_MANAGER)
    with pytest.raises(PermissionDenied, match="assign"):
        review_services.track_assign(track=japanese, translator=translator, reviewer=reviewer,
                            actor=translator)
    with pytest.raises(review_services.WorkflowError, match="not a reviewer"):
        review_services.track_assign(track=japanese, translator=translator, reviewer=translator,
                            actor=manager)
    review_services.track_assign(track=japanese, translator=translator, reviewer=reviewer,
                        actor=manager)
    japanese.refresh_from_db()
    other = UserFactory(role=Role.TRANSLATOR)
    cue = first(japanese)
    with pytest.raises(PermissionDenied, match="assigned to"):
        review_services.cue_save(cue=cue, text="x", start_ms=cue.start_ms, end_ms=cue.end_ms,
                        expected_revision=1, actor=other)
    other_reviewer = UserFactory(role=Role.REVIEWER)
    with pytest.raises(PermissionDenied, match="reviews this track"):
        review_services.cue_set_state(cue=cue, action="approve", actor=other_reviewer,
                             expected_revision=1)
    review_services.cue_save(cue=cue, text="x", start_ms=cue.start_ms, end_ms=cue.end_ms,
                    expected_revision=1, actor=translator)


def test_comment_threads(tracks, translator, reviewer):
    _korean, japanese = tracks
    cue = first(japanese)
    question = review_services.cue_comment_add(cue=cue, text="この言い方でいい？", actor=translator)
    answer = review_services.cue_comment_add(cue=cue, text="はい", actor=reviewer,
                                             parent_id=question.pk)
    assert answer.parent == question
    with pytest.raises(review_services.WorkflowError):
        review_services.cue_comment_add(cue=cue, text="  ", actor=reviewer)


def test_waveform_peaks_from_a_real_clip(db, tmp_path):
    from django.core.files.base import ContentFile

    from localization.media.models import MediaAsset
    from tests.localization.conftest import DEMO_CLIP

    media = MediaAsset(title=TitleFactory(), original_name="demo.ogg", size_bytes=1,
                       sha256="0" * 64, duration_ms=1, container_format="ogg",
                       audio_codec="vorbis")
    media.file.save("demo.ogg", ContentFile(DEMO_CLIP.read_bytes()), save=False)
    media.save()
    waveform = review_waveform.media_waveform(media=media)
    assert waveform.peaks_per_second == 100
    assert len(waveform.peaks) > 100 and max(waveform.peaks) == 255
    assert review_waveform.media_waveform(media=media).pk == waveform.pk


# --- endpoints --------------------------------------------------------------------------------

def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_endpoint_conflict_answers_409_with_the_other_version(tracks, client, translator):
    _korean, japanese = tracks
    cue = first(japanese)
    url = reverse("localization:editor-cue-save", args=[japanese.pk, cue.pk])
    client.force_login(translator)
    first_answer = post(client, url, {"text": "一人目", "start": cue.start_ms,
                                      "end": cue.end_ms, "revision": 1})
    assert first_answer.status_code == 200 and first_answer.json()["cue"]["revision"] == 2
    second = post(client, url, {"text": "二人目", "start": cue.start_ms, "end": cue.end_ms,
                                "revision": 1})
    assert second.status_code == 409
    assert second.json()["current"]["text"] == "一人目" and second.json()["conflict"]
    cue.refresh_from_db()
    assert cue.text == "一人目"


def test_endpoints_list_history_revert_split_merge_state_comments(tracks, client, reviewer):
    _korean, japanese = tracks
    client.force_login(reviewer)
    listing = client.get(reverse("localization:editor-cues", args=[japanese.pk])).json()
    assert [cue["source"] for cue in listing["cues"]] == ["안녕하세요 1", "안녕하세요 2",
                                                          "안녕하세요 3"]
    assert listing["abilities"]["review"] == "" and listing["profile"]["max_lines"] == 2
    cue = first(japanese)
    base = [japanese.pk, cue.pk]
    post(client, reverse("localization:editor-cue-save", args=base),
         {"text": "改", "start": cue.start_ms, "end": cue.end_ms, "revision": 1})
    history = client.get(reverse("localization:editor-cue-history", args=base)).json()
    assert [item["revision"] for item in history["revisions"]] == [2, 1]
    reverted = post(client, reverse("localization:editor-cue-revert", args=base),
                    {"revision_id": history["revisions"][1]["id"], "revision": 2}).json()
    assert reverted["cue"]["text"] == "こんにちは1"
    split = post(client, reverse("localization:editor-cue-split", args=base),
                 {"at": cue.start_ms + 500, "left": "前", "right": "後", "revision": 3}).json()
    assert [item["index"] for item in split["cues"]] == [1, 2]
    merged = post(client, reverse("localization:editor-cue-merge", args=base),
                  {"revision": 4, "next_revision": split["cues"][1]["revision"]}).json()
    assert merged["cue"]["text"] == "前\n後"
    rejected = post(client, reverse("localization:editor-cue-state", args=base),
                    {"action": "reject", "revision": 5, "comment": "短く"})
    assert rejected.json()["cue"]["state"] == "needs_review"
    comments = post(client, reverse("localization:editor-cue-comments", args=base),
                    {"text": "了解"}).json()["comments"]
    assert [(item["text"], item["rejection"]) for item in comments] == [("短く", True),
                                                                       ("了解", False)]
    bad = post(client, reverse("localization:editor-cue-state", args=base),
               {"action": "translated", "revision": 1})
    assert bad.status_code == 409


def test_editor_page_renders_for_a_translator(tracks, client, translator):
    _korean, japanese = tracks
    client.force_login(translator)
    page = client.get(reverse("localization:editor", args=[japanese.pk]))
    assert page.status_code == 200
    assert b'id="editor-i18n"' in page.content and b"Keyboard shortcuts" in page.content
    assert b'name="translator"' not in page.content  # only managers assign
    detail = client.get(reverse("localization:track-detail", args=[japanese.pk]))
    assert reverse("localization:editor", args=[japanese.pk]).encode() in detail.content


def test_translator_cannot_approve_and_partner_studio_is_refused(tracks, client, translator):
    _korean, japanese = tracks
    cue = first(japanese)
    client.force_login(translator)
    answer = post(client, reverse("localization:editor-cue-state", args=[japanese.pk, cue.pk]),
                  {"action": "approve", "revision": 1})
    assert answer.status_code == 403 and "Only reviewers" in answer.json()["error"]
    client.force_login(UserFactory(role=Role.PARTNER_STUDIO))
    assert client.get(reverse("localization:editor", args=[japanese.pk])).status_code == 403
    assert client.get(reverse("localization:editor-cues", args=[japanese.pk])
                      ).status_code == 403
    answer = post(client, reverse("localization:editor-cue-save", args=[japanese.pk, cue.pk]),
                  {"text": "x", "start": cue.start_ms, "end": cue.end_ms, "revision": 1})
    assert answer.status_code == 403


def test_assist_shows_memory_and_glossary(tracks, client, translator):
    from localization.translation import glossary as translation_glossary
    from localization.translation import memory as translation_memory

    korean, japanese = tracks
    translation_memory.memory_add(source_text="안녕하세요 1", target_text="どうも1",
                           target_language="ja")
    translation_glossary.glossary_term_save(title=japanese.title, source_term="안녕하세요",
                                   renderings={"ja": "こんにちは"})
    client.force_login(translator)
    cue = first(japanese)
    assist = client.get(reverse("localization:editor-cue-assist",
                                args=[japanese.pk, cue.pk])).json()
    assert assist["memory"][0] == {"percent": 100, "source": "안녕하세요 1", "target": "どうも1"}
    assert assist["glossary"][0]["rendering"] == "こんにちは"


def test_media_is_served_with_ranges(tracks, client, translator):
    from django.core.files.base import ContentFile

    from localization.media.models import MediaAsset

    _korean, japanese = tracks
    media = MediaAsset(title=japanese.title, original_name="clip.ogg", size_bytes=10,
                       sha256="0" * 64, duration_ms=1, container_format="ogg",
                       audio_codec="vorbis")
    media.file.save("clip.ogg", ContentFile(b"0123456789"), save=False)
    media.save()
    SubtitleTrack.objects.filter(pk=japanese.pk).update(media=media)
    client.force_login(translator)
    url = reverse("localization:editor-media", args=[japanese.pk])
    whole = client.get(url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == b"0123456789"
    part = client.get(url, headers={"Range": "bytes=2-5"})
    assert part.status_code == 206 and b"".join(part.streaming_content) == b"2345"
    assert part["Content-Range"] == "bytes 2-5/10" and part["Accept-Ranges"] == "bytes"
    tail = client.get(url, headers={"Range": "bytes=-3"})
    assert b"".join(tail.streaming_content) == b"789"
    assert client.get(url, headers={"Range": "bytes=20-"}).status_code == 416


def test_editor_plays_the_latest_finished_dub(client, tracks, translator):
    from django.core.files.base import ContentFile

    from localization.dubbing.models import DubTrack

    _source, target = tracks
    client.force_login(translator)
    page = client.get(reverse("localization:editor", args=[target.pk])).content.decode()
    assert 'id="dub-player"' not in page
    dub = DubTrack.objects.create(track=target, state=DubTrack.State.DONE, progress=100)
    dub.wav.save("dub.wav", ContentFile(b"RIFF....WAVE"))
    DubTrack.objects.create(track=target, state=DubTrack.State.FAILED)
    page = client.get(reverse("localization:editor", args=[target.pk])).content.decode()
    assert 'id="dub-player"' in page
    assert reverse("localization:dub-audio", args=[dub.pk, "wav"]) in page
