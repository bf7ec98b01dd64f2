"""Shot changes in the subtitle editor, in real headless Chromium: the cuts PySceneDetect
found in a generated clip are drawn as marks on the waveform, dragging an edge near a cut
snaps it there (and is saved), and Shift drags freely, with the QA finding shown."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from coprod.accounts.roles import Role
from localization.media.models import MediaAsset
from localization.shots import services as shots_services
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from tests.factories import TitleFactory, UserFactory
from tests.localization.shots.clips import make_cut_clip

pytestmark = pytest.mark.django_db(transaction=True)
CUTS = (48, 120, 192)  # 2000, 5000 and 8000 ms at 24 fps
SHOT_COLOUR = [217, 119, 6, 255]  # #d97706, editor.js


@pytest.fixture
def track_on_a_cut_clip(tmp_path):
    clip = make_cut_clip(tmp_path / "cuts.mp4", cuts=CUTS, frames=264)
    title = TitleFactory()
    media = MediaAsset(title=title, original_name=clip.name, size_bytes=clip.stat().st_size,
                       sha256="0" * 64, duration_ms=11_000, container_format="mov,mp4",
                       audio_codec="aac", video_codec="mpeg4",
                       streams=[{"type": "video", "frame_rate": 24.0}])
    media.file.save(clip.name, ContentFile(clip.read_bytes()), save=False)
    media.save()
    # The real detection, as the worker runs it.
    detection = shots_services.shot_detection_create(media=media, enqueue=False)
    detection = shots_services.shot_detection_run(detection_id=detection.pk)
    assert detection.frames == list(CUTS)
    track = SubtitleTrack.objects.create(title=title, media=media, language="ko", version=1,
                                         source=SubtitleTrack.Source.IMPORT)
    SubtitleCue.objects.create(track=track, index=1, start_ms=3000, end_ms=4700,
                               text="오늘은 날씨가 좋네요")
    SubtitleCue.objects.create(track=track, index=2, start_ms=6000, end_ms=7800,
                               text="공원에 갈까요")
    return track


def translator():
    Group.objects.get_or_create(name=Role.TRANSLATOR)  # transactional tests flush groups
    return UserFactory(role=Role.TRANSLATOR)


def canvas_x(page, ms: float, view_from: float, view_to: float) -> tuple[float, float]:
    """Where ``ms`` is on the waveform, in page coordinates (its middle height)."""
    box = page.locator("#waveform").bounding_box()
    return (box["x"] + (ms - view_from) / (view_to - view_from) * box["width"],
            box["y"] + box["height"] / 2)


def drag(page, start: tuple[float, float], end_x: float, *, shift: bool = False) -> None:
    page.mouse.move(*start)
    if shift:
        page.keyboard.down("Shift")
    page.mouse.down()
    page.mouse.move(end_x, start[1], steps=8)
    page.mouse.up()
    if shift:
        page.keyboard.up("Shift")


def pixel(page, ms: float, view_from: float, view_to: float) -> list[int]:
    return page.evaluate("""([ms, from, to]) => {
        const canvas = document.querySelector("#waveform");
        const column = Math.round((ms - from) / (to - from) * canvas.clientWidth) - 1;
        return Array.from(canvas.getContext("2d").getImageData(column, 10, 1, 1).data);
    }""", [ms, view_from, view_to])


def test_cuts_are_drawn_and_edges_snap_to_them_while_dragging(open_page,
                                                             track_on_a_cut_clip):
    track = track_on_a_cut_clip
    page = open_page(translator(), f"/localization/tracks/{track.pk}/editor/")
    # Cue 1 (3.0 to 4.7 s) is in view from 0 to 8 s (8 s around its middle, from 0).
    page.wait_for_function(
        "document.querySelector('#waveform').dataset.shotChanges === '2000 5000 8000'")
    assert pixel(page, 2000, 0, 8000) == SHOT_COLOUR
    assert pixel(page, 5000, 0, 8000) == SHOT_COLOUR
    assert pixel(page, 4000, 0, 8000) != SHOT_COLOUR  # inside cue 1: no mark

    # The out-time dragged to 4.8 s (frame 115, 5 frames before the cut at 5 s) snaps
    # to 2 frames before the cut: frame 118, 4917 ms.
    drag(page, canvas_x(page, 4700, 0, 8000), canvas_x(page, 4800, 0, 8000)[0])
    page.wait_for_function("document.querySelector('#cue-end').value === '00:00:04.917'")
    page.wait_for_selector("#save-status[data-status=saved]")
    first = track.cues.get(index=1)
    assert (first.start_ms, first.end_ms) == (3000, 4917)
    # The in-time dragged to 2.2 s (frame 53, 5 frames after the cut at 2 s) snaps back
    # onto the cut. The view is still 0 to 8 s (8 s around 3.96 s, from 0).
    drag(page, canvas_x(page, 3000, 0, 8000), canvas_x(page, 2200, 0, 8000)[0])
    page.wait_for_function("document.querySelector('#cue-start').value === '00:00:02.000'")
    page.wait_for_selector("#save-status[data-status=saved]")
    first.refresh_from_db()
    assert (first.start_ms, first.end_ms) == (2000, 4917)
    assert not [issue for issue in first.qa_issues if issue["rule"] == "shot_change"]

    # With Shift the edge goes where it is dropped, and QA says it is near the cut.
    page.click(f"#cue-row-{track.cues.get(index=2).pk}")
    page.wait_for_selector("#cue-number:text-is('2')")
    # Cue 2 (6.0 to 7.8 s): the view is 2.9 to 10.9 s.
    drag(page, canvas_x(page, 6000, 2900, 10900), canvas_x(page, 5150, 2900, 10900)[0],
         shift=True)
    page.wait_for_selector("#qa-issues li[data-rule=shot_change]")
    page.wait_for_selector("#save-status[data-status=saved]")
    second = track.cues.get(index=2)
    assert 5100 <= second.start_ms <= 5200 and second.end_ms == 7800
    assert "after the shot change at 00:00:05.000" in page.text_content(
        "#qa-issues li[data-rule=shot_change]")
