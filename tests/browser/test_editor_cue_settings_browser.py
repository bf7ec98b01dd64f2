"""The editor with cues that carry more than words: the cue's speaker, position and
identifier are shown, italic tags are not counted as characters, and an edit keeps the
cue's settings."""

import pytest
from django.contrib.auth.models import Group

from coprod.accounts.roles import Role
from localization.subtitles import selectors
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from tests.factories import TitleFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_cue_settings_are_shown_italics_are_not_counted_and_an_edit_keeps_them(open_page):
    Group.objects.get_or_create(name=Role.TRANSLATOR)
    translator = UserFactory(role=Role.TRANSLATOR)
    track = SubtitleTrack.objects.create(title=TitleFactory(), language="ja", version=1,
                                         source=SubtitleTrack.Source.IMPORT)
    SubtitleCue.objects.create(track=track, index=1, start_ms=1000, end_ms=3000,
                               text="縦書き", speaker="ミンス", identifier="c1", position=9,
                               vertical="rl",
                               format_settings={"vtt": "vertical:rl line:0 align:start"})
    page = open_page(translator, f"/localization/tracks/{track.pk}/editor/")
    page.wait_for_selector("#cue-about:not([hidden])")
    assert page.text_content("#cue-about") == (
        "speaker: ミンス · position: top right, vertical, lines right to left · identifier: c1")
    page.fill("#cue-text", "")
    page.keyboard.type("<i>こんにちは</i>")
    # Five full-width characters: the tags around them take no room.
    page.wait_for_function(
        "document.querySelector('#counter-lines span').textContent.startsWith('5/')")
    page.keyboard.press("Control+s")
    page.wait_for_selector("#save-status[data-status=saved]")
    cue = track.cues.get()
    assert (cue.text, cue.speaker, cue.identifier, cue.position, cue.vertical) == (
        "<i>こんにちは</i>", "ミンス", "c1", 9, "rl")
    exported = selectors.track_export(track=track, fmt="vtt")[2].decode()
    assert "c1\n00:00:01.000 --> 00:00:03.000 vertical:rl line:0 align:start\n" \
           "<v ミンス><i>こんにちは</i>" in exported
