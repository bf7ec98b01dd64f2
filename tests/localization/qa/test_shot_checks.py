"""Timing to shot changes (rule ``shot_change``): where an in- or out-time near a cut
belongs, the findings, and the safe fix, with the frame arithmetic worked by hand.

At 24 fps a frame starts every 41.67 ms: frame 120 at 5000 ms, 118 at 4916.67 (4917 ms),
112 at 4666.67 (4667), 108 at 4500, 125 at 5208.33 (5208), 303 at 12625, 300 at 12500.
"""

import pytest
from django.urls import reverse

from coprod.accounts.roles import Role
from localization.media.models import MediaAsset
from localization.qa import QACue, check_cue, check_track, fix_track
from localization.qa.checks import Checker
from localization.qa.services import quality_check_track, quality_fix_track
from localization.qa.shot_checks import ShotChanges, Windows, in_snap, out_snap, snap_track
from localization.shots.models import ShotDetection
from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack
from localization.subtitles.profiles import profile_for
from tests.factories import TitleFactory

TEXT = "오늘은 날씨가 좋네요"  # 9 characters: 0.75 s to read at 12 cps
CUTS_24 = ShotChanges(frame_rate=24, frames=(120, 240, 312))  # 5 s, 10 s, 13 s


def cue(index, start, end, text=TEXT):
    return QACue(index=index, start_ms=start, end_ms=end, text=text)


def shot_issues(issues, index=None):
    return [issue for issue in issues
            if issue.rule == "shot_change" and (index is None or issue.cue_index == index)]


def test_the_windows_are_half_a_second_and_a_third_at_every_frame_rate():
    assert Windows.at(24) == Windows(window=12, snap_before=8, gap=2)
    assert Windows.at(23.976) == Windows(window=12, snap_before=8, gap=2)
    assert Windows.at(25) == Windows(window=12, snap_before=8, gap=2)  # 12.5 rounds to even
    assert Windows.at(30) == Windows(window=15, snap_before=10, gap=2)
    assert Windows.at(60, min_gap_frames=3) == Windows(window=30, snap_before=20, gap=3)


@pytest.mark.parametrize(("frame", "target"), [
    (120, None),  # on the cut
    (121, 120), (125, 120), (131, 120),  # 1, 5, 11 frames after: back onto the cut
    (132, None),  # 12 frames after: timed to the audio, left alone
    (119, 120), (112, 120),  # 1 and 8 frames before: forward onto the cut
    (111, 108), (109, 108),  # 9 and 11 frames before: back to 12 frames before
    (108, None),  # 12 frames before: where the guide puts it
])
def test_where_an_in_time_belongs(frame, target):
    snap = in_snap(frame, CUTS_24, Windows.at(24))
    assert (snap.target if snap else None) == target


@pytest.mark.parametrize(("frame", "target"), [
    (118, None),  # 2 frames before the cut: right
    (119, 118), (120, 118), (125, 118), (131, 118),  # 1 before, on it, 5 and 11 after
    (109, 118), (112, 118),  # 11 and 8 frames before: extended to 2 frames before
    (132, None), (108, None),  # 12 frames away: not near this cut
])
def test_where_an_out_time_belongs(frame, target):
    snap = out_snap(frame, CUTS_24, Windows.at(24))
    assert (snap.target if snap else None) == target


def test_at_30_fps_the_window_is_15_frames():
    cuts, windows = ShotChanges(frame_rate=30, frames=(150,)), Windows.at(30)  # 5000 ms
    assert in_snap(164, cuts, windows).target == 150  # 14 frames after
    assert in_snap(165, cuts, windows) is None  # 15 frames after (5500 ms)
    assert in_snap(140, cuts, windows).target == 150  # 10 before: onto the cut
    assert in_snap(139, cuts, windows).target == 135  # 11 before: 15 frames before (4500)
    assert cuts.ms(135) == 4500 and cuts.ms(148) == 4933 and cuts.frame_at(4933) == 148


TRACK = [
    cue(1, 1000, 4667),  # out-time on frame 112: 8 frames before the cut at 5 s
    cue(2, 5208, 7000),  # in-time on frame 125: 5 frames after the cut at 5 s
    cue(3, 8600, 11000),  # frames 206 to 264: crosses the cut at 10 s (frame 240)
    cue(4, 12625, 14500),  # in-time on frame 303: 9 frames before the cut at 13 s
]


def test_the_findings_say_where_each_time_is_and_what_to_do():
    issues = shot_issues(check_track(TRACK, language="ko", shot_changes=CUTS_24))
    assert [(issue.cue_index, issue.severity, issue.fixable, issue.message)
            for issue in issues] == [
        (1, "warning", True, "The out-time is 8 frames before the shot change at 00:00:05.000;"
                             " end the cue 2 frames before the shot change."),
        (2, "warning", True, "The in-time is 5 frames after the shot change at 00:00:05.000; "
                             "start the cue on the shot change."),
        (3, "warning", False, "The cue crosses the shot change at 00:00:10.000; unless the "
                              "dialogue runs across it, end the cue 2 frames before the cut "
                              "or split it there."),
        (4, "warning", True, "The in-time is 9 frames before the shot change at 00:00:13.000;"
                             " start the cue 12 frames before the shot change."),
    ]
    assert shot_issues(check_track(TRACK, language="ko")) == []  # no detection, no rule


def test_the_safe_fix_snaps_the_times_and_leaves_the_crossing_to_a_person():
    result = fix_track(TRACK, language="ko", shot_changes=CUTS_24)
    assert [(item.start_ms, item.end_ms) for item in result.cues] == [
        (1000, 4917), (5000, 7000), (8600, 11000), (12500, 14500)]
    assert result.changes == [
        (1, "Out-time moved from 00:00:04.667 to 00:00:04.917, 2 frames before the shot "
            "change at 00:00:05.000."),
        (2, "In-time moved from 00:00:05.208 to 00:00:05.000 for the shot change at "
            "00:00:05.000."),
        (4, "In-time moved from 00:00:12.625 to 00:00:12.500 for the shot change at "
            "00:00:13.000."),
    ]
    # 4917 to 5000 ms is the 2-frame gap: nothing else is reported between cues 1 and 2.
    assert [(issue.cue_index, issue.rule) for issue in result.remaining
            if issue.cue_index > 0] == [(3, "shot_change")]


def test_a_cue_being_edited_is_checked_between_its_neighbours():
    issues = check_cue(TRACK[1], language="ko", previous=TRACK[0], next=TRACK[2],
                       shot_changes=CUTS_24)
    assert [(issue.cue_index, issue.fixable) for issue in shot_issues(issues)] == [(2, True)]


def snapped(cues):
    """The shot-change fix alone (no other fix), on the Korean profile at 24 fps."""
    checker = Checker(profile_for("ko").at_frame_rate(24), audience="adult")
    fixed, _changes = snap_track(cues, CUTS_24, checker)
    return [(item.start_ms, item.end_ms) for item in fixed]


def test_a_snap_that_would_overlap_or_shorten_too_much_is_left_to_a_person():
    # Cue 1 lasts 750 ms, under the minimum: ending it 2 frames before the cut would
    # shorten it further, so it stays, and cue 2 may then not start on the cut (it would
    # overlap cue 1). Both findings stay, not fixable.
    blocked = [cue(1, 4300, 5050), cue(2, 5150, 7000)]
    assert snapped(blocked) == [(4300, 5050), (5150, 7000)]
    issues = shot_issues(check_track(blocked, language="ko", shot_changes=CUTS_24))
    assert [(issue.cue_index, issue.fixable) for issue in issues] == [(1, False), (2, False)]
    # An in-time 5 frames before the cut: starting on the cut would leave 300 ms for
    # 17 characters.
    assert snapped([cue(1, 4792, 5300, text="오늘은 날씨가 정말 좋네요, 그렇지요?")]) == [
        (4792, 5300)]
    # Extending an out-time up to 2 frames before the cut may not run into the next cue,
    # which starts 1 frame before the cut and cannot move onto it (too short to read).
    crowded = [cue(1, 1000, 4667), cue(2, 4958, 5800, text="오늘은 날씨가 좋네요 정말로")]
    assert snapped(crowded) == [(1000, 4667), (4958, 5800)]
    # Once the next cue may move onto the cut, the out-time follows it in the next round.
    assert snapped([cue(1, 1000, 4667), cue(2, 4917, 7000)]) == [(1000, 4917), (5000, 7000)]


@pytest.fixture
def track_with_cuts(db):
    title = TitleFactory()
    media = MediaAsset.objects.create(
        title=title, file="localization/media/cuts.mp4", original_name="cuts.mp4",
        size_bytes=1, sha256="0" * 64, duration_ms=15_000, container_format="mov,mp4",
        audio_codec="aac", video_codec="h264",
        streams=[{"type": "video", "frame_rate": 24.0}])
    ShotDetection.objects.create(media=media, state=ShotDetection.State.DONE,
                                 frame_rate=24.0, frames=list(CUTS_24.frames), progress=100)
    track = SubtitleTrack.objects.create(title=title, media=media, language="ko", version=1,
                                         source=SubtitleTrack.Source.IMPORT)
    for item in TRACK:
        SubtitleCue.objects.create(track=track, index=item.index, start_ms=item.start_ms,
                                   end_ms=item.end_ms, text=item.text,
                                   state=SubtitleCue.State.APPROVED)
    return track


def test_a_stored_track_is_checked_and_fixed_against_its_medias_cuts(track_with_cuts,
                                                                    make_user):
    track = track_with_cuts
    quality_check_track(track=track)
    stored = {cue.index: [issue["rule"] for issue in cue.qa_issues]
              for cue in track.cues.all()}
    assert stored == {1: ["shot_change"], 2: ["shot_change"], 3: ["shot_change"],
                      4: ["shot_change"]}
    quality_fix_track(track=track, user=make_user(Role.TRANSLATOR))
    cues = {cue.index: cue for cue in track.cues.all()}
    assert (cues[1].end_ms, cues[2].start_ms, cues[4].start_ms) == (4917, 5000, 12500)
    assert cues[1].state == SubtitleCue.State.TRANSLATED  # changed: approve again
    assert cues[3].state == SubtitleCue.State.APPROVED  # untouched
    assert CueRevision.objects.filter(cue=cues[2], action=CueRevision.Action.QA_FIX).exists()
    assert [issue["rule"] for issue in cues[1].qa_issues] == []
    assert [issue["rule"] for issue in cues[3].qa_issues] == ["shot_change"]


def test_the_inline_check_reports_a_time_dragged_near_a_cut(track_with_cuts, client_for):
    client, _user = client_for(Role.TRANSLATOR)
    second = track_with_cuts.cues.get(index=2)
    url = reverse("localization:cue-check", args=[track_with_cuts.pk, second.pk])
    near = client.get(url, {"text": TEXT, "start_ms": 5125, "end_ms": 7000}).json()
    assert [issue["message"] for issue in near["issues"] if issue["rule"] == "shot_change"
            and issue["cue_index"] == 2] == [
        "The in-time is 3 frames after the shot change at 00:00:05.000; start the cue on the "
        "shot change."]
    on_cut = client.get(url, {"text": TEXT, "start_ms": 5000, "end_ms": 7000}).json()
    assert not [issue for issue in on_cut["issues"]
                if issue["rule"] == "shot_change" and issue["cue_index"] == 2]
