"""The subtitle editor in real headless Chromium: a translator works through a track from
the keyboard, sees QA warnings as they type, a reviewer approves every cue from the
keyboard and the track locks; two people editing one cue meet the conflict dialog."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from coprod.accounts.roles import Role
from localization.media.models import MediaAsset
from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack
from localization.translation.models import TranslationMemoryEntry
from tests.factories import TitleFactory, UserFactory
from tests.localization.conftest import DEMO_CLIP

pytestmark = pytest.mark.django_db(transaction=True)
State = SubtitleCue.State

KOREAN = ["안녕하세요, 선생님.", "어디 가세요?", "시장에 가요.", "같이 가요!"]
JAPANESE = ["こんにちは、先生。", "どこへ行くんですか？", "市場へ行きます。", "一緒に行こう！"]


def user(role: str):
    # Transactional tests flush the groups that a migration created.
    Group.objects.get_or_create(name=role)
    return UserFactory(role=role)


@pytest.fixture
def demo_track(db):
    """A Korean track on the demo clip and its machine-translated Japanese track."""
    title = TitleFactory()
    media = MediaAsset(title=title, original_name=DEMO_CLIP.name,
                       size_bytes=DEMO_CLIP.stat().st_size, sha256="0" * 64,
                       duration_ms=12_000, container_format="ogg", audio_codec="vorbis")
    media.file.save(DEMO_CLIP.name, ContentFile(DEMO_CLIP.read_bytes()), save=False)
    media.save()
    korean = SubtitleTrack.objects.create(title=title, media=media, language="ko", version=1,
                                          source=SubtitleTrack.Source.IMPORT)
    japanese = SubtitleTrack.objects.create(title=title, media=media, language="ja", version=1,
                                            source=SubtitleTrack.Source.TRANSLATION,
                                            source_track=korean)
    for index, (source, target) in enumerate(zip(KOREAN, JAPANESE, strict=True), start=1):
        start = 500 + (index - 1) * 2500
        source_cue = SubtitleCue.objects.create(track=korean, index=index, start_ms=start,
                                                end_ms=start + 2000, text=source,
                                                state=State.APPROVED)
        SubtitleCue.objects.create(track=japanese, index=index, start_ms=start,
                                   end_ms=start + 2000, text=target if index > 1 else "",
                                   source_cue=source_cue,
                                   state=State.MACHINE_TRANSLATED if index > 1
                                   else State.UNTRANSLATED)
    return japanese


def editor_path(track) -> str:
    return f"/localization/tracks/{track.pk}/editor/"


def wait_saved(page):
    page.wait_for_selector("#save-status[data-status=saved]")


def advance(page, key: str, state: str, number: int, total: int) -> None:
    """Press ``key`` on cue ``number`` (mark it ``state`` and move on) and wait until the
    editor shows it so and, unless it was the last, has moved to the next cue."""
    page.keyboard.press(key)
    page.wait_for_function(f"document.querySelectorAll('.cue-row[data-state={state}]')"
                           f".length >= {number}")
    if number < total:
        page.wait_for_selector(f"#cue-number:text-is('{number + 1}')")


def test_translator_and_reviewer_work_through_a_track_from_the_keyboard(open_page, demo_track,
                                                                        screenshots):
    translator = user(Role.TRANSLATOR)
    page = open_page(translator, editor_path(demo_track))
    # The text box has the focus on the first cue: type, see QA, fix, move on.
    assert page.evaluate("document.activeElement.id") == "cue-text"
    page.keyboard.type("これはとても長すぎる字幕の一行で読めません")
    page.wait_for_selector("#qa-issues li[data-rule=line_length]")
    assert "over" in page.get_attribute("#counter-lines span", "class")
    page.keyboard.press("Control+a")
    page.keyboard.type("こんにちは、先生。")
    page.wait_for_function("!document.querySelector('#qa-issues li[data-rule=line_length]')")
    wait_saved(page)
    page.screenshot(path=screenshots / "editor-translator.png")
    for number in range(1, len(JAPANESE) + 1):  # mark translated, go to the next cue
        advance(page, "Control+Enter", "translated", number, len(JAPANESE))
    page.wait_for_function("document.querySelectorAll('.cue-row[data-state=translated]')"
                           ".length === 4")
    # Timing from the keyboard: one frame later in, then undo it.
    page.keyboard.press("Alt+ArrowUp")
    page.wait_for_selector("#cue-number:text('3')")
    page.keyboard.press("Alt+ArrowRight")
    wait_saved(page)
    third = demo_track.cues.get(index=3)
    assert third.start_ms == 5500 + 42
    page.keyboard.press("Alt+z")
    page.wait_for_function("document.querySelector('#cue-start').value.endsWith('05.500')")
    wait_saved(page)
    third.refresh_from_db()
    assert third.start_ms == 5500 and third.state == State.TRANSLATED
    first = demo_track.cues.get(index=1)
    assert (first.text, first.state) == ("こんにちは、先生。", State.TRANSLATED)
    assert CueRevision.objects.filter(cue=first, author=translator).exists()
    # The translator cannot approve: the button says why.
    assert page.is_disabled("button[data-action=approve]")

    reviewer = user(Role.REVIEWER)
    review = open_page(reviewer, editor_path(demo_track))
    review.keyboard.press("Alt+x")
    review.wait_for_selector("#reject-dialog[open]")
    review.keyboard.type("敬語をもう少し丁寧に。")
    review.keyboard.press("Control+Enter")
    review.wait_for_selector("#comments li.rejection")
    review.wait_for_selector("#cue-state[data-state=needs_review]")
    for number in range(1, len(JAPANESE) + 1):  # approve, go to the next cue
        advance(review, "Alt+a", "approved", number, len(JAPANESE))
    review.wait_for_selector("#lock-banner:not([hidden])")
    review.screenshot(path=screenshots / "editor-reviewer-approved.png")
    demo_track.refresh_from_db()
    assert demo_track.review_state == "approved" and demo_track.locked_at is not None
    assert set(demo_track.cues.values_list("state", flat=True)) == {State.APPROVED}
    assert TranslationMemoryEntry.objects.filter(source_text="시장에 가요.",
                                                 target_text="市場へ行きます。").exists()


def test_two_people_editing_one_cue_meet_the_conflict_dialog(open_page, demo_track,
                                                            screenshots):
    first = open_page(user(Role.TRANSLATOR), editor_path(demo_track))
    second = open_page(user(Role.REVIEWER), editor_path(demo_track))
    first.keyboard.type("一人目の訳")
    wait_saved(first)
    second.keyboard.type("二人目の訳")
    second.wait_for_selector("#conflict-dialog[open]")
    assert "一人目の訳" in second.text_content("#conflict-theirs")
    assert "二人目の訳" in second.text_content("#conflict-mine")
    second.screenshot(path=screenshots / "editor-conflict.png")
    cue = demo_track.cues.get(index=1)
    assert cue.text == "一人目の訳"
    second.keyboard.press("Enter")  # "Keep mine" has the focus
    wait_saved(second)
    cue.refresh_from_db()
    assert cue.text == "二人目の訳" and cue.revision == 3
    assert list(CueRevision.objects.filter(cue=cue).order_by("revision")
                .values_list("text", flat=True)) == ["", "一人目の訳", "二人目の訳"]


def test_help_overlay_player_and_large_track(open_page, demo_track):
    page = open_page(user(Role.TRANSLATOR), editor_path(demo_track))
    page.keyboard.press("F1")
    page.wait_for_selector("#help-dialog[open]")
    assert "Approve" in page.text_content("#help-dialog")
    page.keyboard.press("Escape")
    page.wait_for_function("!document.querySelector('#help-dialog').open")
    # The waveform was computed from the clip, and the media answers ranges for seeking.
    page.wait_for_function("document.querySelector('#waveform').width > 0")
    status = page.evaluate("""async () => (await fetch(document.querySelector('#player').src,
        {headers: {Range: 'bytes=0-99'}})).status""")
    assert status == 206
    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_selector("#cue-number:text('2')")
    current = page.evaluate("document.querySelector('#player').currentTime")
    assert current == pytest.approx(3.0, abs=0.05)


def test_a_1500_cue_track_renders_only_the_visible_rows(open_page, db):
    korean = SubtitleTrack.objects.create(title=TitleFactory(), language="ko", version=1,
                                          source=SubtitleTrack.Source.IMPORT)
    SubtitleCue.objects.bulk_create(
        SubtitleCue(track=korean, index=index, start_ms=index * 3000,
                    end_ms=index * 3000 + 2000, text=f"대사 {index}")
        for index in range(1, 1501))
    page = open_page(user(Role.TRANSLATOR), editor_path(korean) + "#cue-1499")
    page.wait_for_selector("#cue-number:text('1499')")
    assert page.evaluate("document.querySelectorAll('.cue-row').length") < 60
    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_selector(".cue-row[aria-selected=true] .cue-index:text('1500')")
    page.evaluate("document.querySelector('#cue-list').scrollTop = 0")
    page.wait_for_selector(".cue-row .cue-index:text-is('1')")


def test_a_cue_is_given_to_another_speaker_in_the_editor(open_page, demo_track):
    SubtitleCue.objects.filter(track=demo_track).update(speaker="Speaker 1")
    SubtitleCue.objects.filter(track=demo_track, index=2).update(speaker="Speaker 2")
    page = open_page(user(Role.REVIEWER), editor_path(demo_track))
    assert page.input_value("#cue-speaker") == "Speaker 1"
    options = page.eval_on_selector_all("#editor-speakers option", "els => els.map(e => e.value)")
    assert options == ["Speaker 1", "Speaker 2"]
    page.fill("#cue-speaker", "Speaker 2")
    page.dispatch_event("#cue-speaker", "change")
    wait_saved(page)
    cue = demo_track.cues.get(index=1)
    assert cue.speaker == "Speaker 2"
    assert cue.revisions.filter(action=CueRevision.Action.SPEAKER, speaker="Speaker 2").exists()
    # The next cue shows its own speaker.
    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_selector("#cue-number:text-is('2')")
    assert page.input_value("#cue-speaker") == "Speaker 2"
