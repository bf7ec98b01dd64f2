"""Frame-based rules counted at the media's frame rate (probed at intake), and the note
when it is unknown; through the pure entry points and through the QA services.

At 25 fps a frame lasts 40 ms: the 5/6 s minimum duration is 21 frames (840 ms, not the
834 ms of 20 frames at 24 fps), the 2-frame minimum gap is 80 ms, and the half second
of the chaining rule is 12 frames (a gap of 13 frames, 520 ms, stays open; at 24 fps
520 ms is 12 frames and is closed).
"""

import pytest
from django.urls import reverse

from coprod.accounts.roles import Role
from localization.media.models import MediaAsset
from localization.qa import TRACK, QACue, apply_safe_fixes, check_cue, check_cues, get_profile
from localization.qa.services import quality_check_enqueue, quality_check_track, quality_fix_track
from localization.runs.models import TrackRun
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from tests.factories import TitleFactory

TEXT = "오늘은 날씨가 좋네요"


def cue(index, start, end, text=TEXT):
    return QACue(index=index, start_ms=start, end_ms=end, text=text)


def rules(issues):
    return [(issue.cue_index, issue.rule) for issue in issues]


SHORT = [cue(1, 0, 833, "네")]  # 20 frames at 24 fps, 20.8 at 25
CHAINED_AT_24 = [cue(1, 0, 2000), cue(2, 2520, 4000)]  # 520 ms: 12 frames at 24, 13 at 25


def test_the_minimum_duration_is_whole_frames_of_the_media():
    """General Requirements, 1. Duration: 5/6 s (20 frames at 24 fps)."""
    assert rules(check_cues(SHORT, language="ko", fps=24)) == []
    issues = check_cues(SHORT, language="ko", fps=25)
    assert rules(issues) == [(1, "min_duration")]
    assert issues[0].message == ("The cue lasts 0.833 s; the minimum is 0.840 s (21 frames at "
                                 "25 fps).")
    assert rules(check_cues([cue(1, 0, 840, "네")], language="ko", fps=25)) == []
    assert get_profile("ko").at_frame_rate(29.97).min_duration_frames == 25


def test_chaining_counts_half_a_second_in_frames_of_the_media():
    """Subtitle Timing Guidelines, 1: Timing to audio: gaps of 12 frames or fewer at 24 fps
    are closed; the half second is kept at other rates (15 frames at 30 fps)."""
    assert rules(check_cues(CHAINED_AT_24, language="ko", fps=24)) == [(1, "chaining")]
    assert rules(check_cues(CHAINED_AT_24, language="ko", fps=25)) == []
    thirty = [cue(1, 0, 2000), cue(2, 2500, 4000)]  # 15 frames at 30 fps
    assert rules(check_cues(thirty, language="ko", fps=30)) == [(1, "chaining")]
    profile = get_profile("ko")
    assert [profile.at_frame_rate(rate).chaining_gap_frames
            for rate in (23.976, 24, 25, 29.97, 30, 50, 60)] == [12, 12, 12, 15, 15, 25, 30]


def test_the_minimum_gap_is_two_frames_at_every_rate():
    """General Requirements, 3. Frame Gap: 2 frames minimum, regardless of frame rate."""
    eighty = [cue(1, 0, 2000), cue(2, 2080, 4000)]
    assert rules(check_cues(eighty, language="ko", fps=25)) == []
    assert rules(check_cues(eighty, language="ko", fps=24)) == [(1, "gap")]


def test_the_fixes_use_the_medias_frames():
    fixed = apply_safe_fixes(SHORT + [cue(2, 3000, 5000)], "ko", fps=25)
    assert fixed.cues[0].end_ms == 840
    chained = apply_safe_fixes([cue(1, 0, 2000), cue(2, 2200, 4000)], "ko", fps=25)
    assert chained.cues[1].start_ms - chained.cues[0].end_ms == 80
    assert chained.remaining == []


def test_an_unknown_frame_rate_falls_back_to_the_profile_with_a_note():
    issues = check_cues(CHAINED_AT_24, language="ko")
    assert rules(issues) == [(TRACK, "frame_rate"), (1, "chaining")]
    note = issues[0]
    assert (note.severity, note.fixable) == ("warning", False)
    assert note.message == ("The media's frame rate is unknown, so frame-based rules "
                            "(minimum gap, chaining, minimum duration) were counted at the ko "
                            "profile's default of 24 fps.")
    assert rules(apply_safe_fixes(CHAINED_AT_24, "ko").remaining) == [(TRACK, "frame_rate")]
    # The inline check of one cue says nothing about the track.
    assert rules(check_cue(CHAINED_AT_24[0], language="ko", next=CHAINED_AT_24[1])) == [
        (1, "chaining")]


@pytest.mark.parametrize("rate", [0, -25, float("nan")])
def test_an_impossible_frame_rate_is_refused(rate):
    with pytest.raises(ValueError, match="frame rate"):
        check_cues(SHORT, language="ko", fps=rate)


# --- through the services --------------------------------------------------------------

def media(title, streams):
    return MediaAsset.objects.create(
        title=title, file="localization/media/clip.mp4", original_name="clip.mp4",
        size_bytes=1, sha256="0" * 64, duration_ms=10_000, container_format="mov,mp4",
        audio_codec="aac", video_codec="h264" if streams else "", streams=streams)


def stored_track(streams):
    """A Korean track on media whose probe recorded ``streams`` (None: no media at all)."""
    title = TitleFactory()
    track = SubtitleTrack.objects.create(
        title=title, media=media(title, streams) if streams is not None else None,
        language="ko", version=1, source=SubtitleTrack.Source.IMPORT)
    # 834 ms: 20 frames at 24 and 23.976 fps (within a millisecond), under 21 at 25 fps.
    for item in (cue(1, 0, 834, "네"), cue(2, 2000, 4000), cue(3, 4520, 6000)):
        SubtitleCue.objects.create(track=track, index=item.index, start_ms=item.start_ms,
                                   end_ms=item.end_ms, text=item.text)
    return track


def stored_rules(track):
    return {cue.index: [issue["rule"] for issue in cue.qa_issues] for cue in track.cues.all()}


PAL = [{"type": "audio", "codec": "aac"}, {"type": "video", "codec": "h264", "frame_rate": 25.0}]
FILM = [{"type": "video", "codec": "h264", "frame_rate": 23.976023976023978},
        {"type": "audio", "codec": "aac"}]


@pytest.mark.django_db
def test_a_track_on_25_fps_media_is_checked_at_25_fps():
    pal, film = stored_track(PAL), stored_track(FILM)
    assert rules(quality_check_track(track=pal)) == [(1, "min_duration")]
    assert stored_rules(pal) == {1: ["min_duration"], 2: [], 3: []}
    assert rules(quality_check_track(track=film)) == [(2, "chaining")]
    assert stored_rules(film) == {1: [], 2: ["chaining"], 3: []}


@pytest.mark.django_db
def test_the_fix_on_25_fps_media_uses_its_frames(make_user):
    track = stored_track(PAL)
    result = quality_fix_track(track=track, user=make_user(Role.TRANSLATOR))
    assert result.remaining == []
    assert track.cues.get(index=1).end_ms == 840
    assert track.cues.get(index=2).end_ms == 4000  # 13 frames before cue 3: left open


@pytest.mark.django_db
@pytest.mark.parametrize("streams", [None, [{"type": "audio", "codec": "aac"}]])
def test_without_a_video_frame_rate_the_run_says_which_rate_it_used(
        streams, django_capture_on_commit_callbacks):
    track = stored_track(streams)
    issues = quality_check_track(track=track)
    assert rules(issues) == [(TRACK, "frame_rate"), (2, "chaining")]
    assert stored_rules(track) == {1: [], 2: ["chaining"], 3: []}  # the note is on no cue
    with django_capture_on_commit_callbacks(execute=True):
        run = quality_check_enqueue(track=track)
    run.refresh_from_db()
    assert run.state == TrackRun.State.DONE
    assert run.result["frame_rate"] == 24.0 and run.result["frame_rate_from"] == "profile"
    assert "frame rate is unknown" in run.result["frame_rate_note"]


@pytest.mark.django_db
def test_a_run_on_known_media_records_the_medias_rate(django_capture_on_commit_callbacks):
    track = stored_track(PAL)
    with django_capture_on_commit_callbacks(execute=True):
        run = quality_check_enqueue(track=track)
    run.refresh_from_db()
    assert (run.result["frame_rate"], run.result["frame_rate_from"]) == (25.0, "media")
    assert (run.result["issues"], run.result["errors"]) == (1, 1)


@pytest.mark.django_db
def test_the_inline_check_uses_the_medias_frame_rate(client_for):
    client, _user = client_for(Role.TRANSLATOR)
    track = stored_track(PAL)
    first = track.cues.get(index=1)
    url = reverse("localization:cue-check", args=[track.pk, first.pk])
    at_25 = client.get(url, {"end_ms": 833}).json()["issues"]
    assert [issue["rule"] for issue in at_25] == ["min_duration"]
    assert client.get(url, {"end_ms": 840}).json()["issues"] == []
