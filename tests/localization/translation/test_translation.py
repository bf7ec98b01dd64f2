"""Translation of a Korean track: memory, glossary, engines behind the licensing gate,
QA stored per cue, export refused while QA errors remain."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coprod.accounts.roles import Role
from localization.qa import services as qa_services
from localization.runs.models import TrackRun
from localization.runs.tracks import track_run_create
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from localization.translation import memory as translation_memory
from localization.translation import services as translation_services
from localization.translation.models import TranslationMemoryEntry
from tests.factories import TitleFactory

pytestmark = pytest.mark.django_db

State = SubtitleCue.State
KOREAN = ["안녕하세요, 반갑습니다.", "오늘 저녁은 뭐 먹을까요?", "형사님, 범인이 도망쳤어요!"]


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Services queue their tasks on commit; run those (eager) tasks when the work commits."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def translate(on_commit):
    return lambda **kwargs: on_commit(translation_services.track_translate, **kwargs)


def korean_track(title=None) -> SubtitleTrack:
    title = title or TitleFactory()
    track = SubtitleTrack.objects.create(title=title, language="ko", version=1,
                                         source=SubtitleTrack.Source.IMPORT)
    for number, text in enumerate(KOREAN, start=1):
        SubtitleCue.objects.create(track=track, index=number, start_ms=number * 3000,
                                   end_ms=number * 3000 + 2000, text=text)
    return track


# --- memory -----------------------------------------------------------------------------

def test_memory_gives_exact_and_fuzzy_matches_with_percentages():
    translation_memory.memory_add(source_text="오늘 저녁은 뭐 먹을까요?",
                           target_text="今夜は何を食べましょうか？", target_language="ja")
    exact = translation_memory.memory_matches(source_text="오늘  저녁은\n뭐 먹을까요?",
                                       target_language="ja")
    assert exact[0].percent == 100 and exact[0].target_text == "今夜は何を食べましょうか？"
    fuzzy = translation_memory.memory_matches(source_text="오늘 저녁은 뭘 먹을까요?",
                                       target_language="ja")
    assert fuzzy and 75 <= fuzzy[0].percent < 100
    unrelated = translation_memory.memory_matches(source_text="전혀 다른 문장입니다",
                                           target_language="ja")
    assert unrelated == []
    assert translation_memory.memory_matches(source_text="오늘 저녁은 뭐 먹을까요?",
                                      target_language="th") == []


def test_tmx_export_and_import_round_trip():
    translation_memory.memory_add(source_text="안녕하세요", target_text="こんにちは",
                                  target_language="ja")
    translation_memory.memory_add(source_text="안녕하세요", target_text="你好",
                                  target_language="zh-Hans")
    data = translation_memory.memory_export_tmx()
    assert b"<tmx" in data and "こんにちは".encode() in data
    TranslationMemoryEntry.objects.all().delete()
    assert translation_memory.memory_import_tmx(data=data) == 2
    pairs = set(TranslationMemoryEntry.objects.values_list("target_language", "target_text"))
    assert pairs == {("ja", "こんにちは"), ("zh-Hans", "你好")}


def test_tmx_with_regional_language_tags_and_bad_files():
    data = ("<?xml version='1.0' encoding='UTF-8'?><tmx version='1.4'><header srclang='ko-KR' "
            "adminlang='en' segtype='sentence' datatype='plaintext' o-tmf='x' "
            "creationtool='x' creationtoolversion='1'/><body><tu>"
            "<tuv xml:lang='ko-KR'><seg>감사합니다</seg></tuv>"
            "<tuv xml:lang='zh-CN'><seg>谢谢</seg></tuv>"
            "<tuv xml:lang='th-TH'><seg>ขอบคุณ</seg></tuv></tu></body></tmx>").encode()
    assert translation_memory.memory_import_tmx(data=data) == 2
    assert TranslationMemoryEntry.objects.filter(target_language="zh-Hans",
                                                 target_text="谢谢").exists()
    with pytest.raises(ValidationError):
        translation_memory.memory_import_tmx(data=b"not xml at all")


# --- translating a track ------------------------------------------------------------------

def test_one_action_makes_three_target_tracks_with_memory_filled_and_the_rest_marked(translate):
    source = korean_track()
    translation_memory.memory_add(source_text=KOREAN[0], target_text="こんにちは、はじめまして。",
                           target_language="ja")
    translation_memory.memory_add(source_text="오늘 저녁은 뭘 먹을까요?",
                           target_text="今夜は何を食べる？", target_language="ja")
    targets = translate(source_track=source)  # tasks run eagerly in tests
    assert sorted(target.language for target in targets) == ["ja", "th", "zh-Hans"]
    japanese = SubtitleTrack.objects.get(source_track=source, language="ja")
    cues = list(japanese.cues.order_by("index"))
    assert [cue.state for cue in cues] == [State.TRANSLATED, State.NEEDS_REVIEW,
                                          State.UNTRANSLATED]
    assert cues[0].tm_match_percent == 100 and cues[0].engine == "translation_memory"
    assert 75 <= cues[1].tm_match_percent < 100
    assert [(cue.start_ms, cue.end_ms) for cue in cues] == [(3000, 5000), (6000, 8000),
                                                             (9000, 11000)]
    assert all(cue.source_cue.track == source for cue in cues)
    thai = SubtitleTrack.objects.get(source_track=source, language="th")
    assert set(thai.cues.values_list("state", flat=True)) == {State.UNTRANSLATED}
    # QA ran over the whole track and stored its findings on the cues.
    assert SubtitleCue.objects.get(pk=cues[2].pk).qa_issues


def test_running_the_translation_again_changes_nothing(translate, on_commit):
    source = korean_track()
    translation_memory.memory_add(source_text=KOREAN[0], target_text="こんにちは。",
                           target_language="ja")
    translate(source_track=source, languages=["ja"])
    japanese = SubtitleTrack.objects.get(source_track=source, language="ja")
    first = japanese.cues.get(index=1)
    first.text = "こんにちは！"  # a translator's edit
    first.save()
    run = japanese.runs.get(kind="translation")
    translation_services.translation_run(run_id=run.pk)  # a finished run is left alone
    again = on_commit(track_run_create, translation_services.KIND, track=japanese)
    assert TrackRun.objects.get(pk=again.pk).state == TrackRun.State.DONE
    assert japanese.cues.get(index=1).text == "こんにちは！"
    assert japanese.cues.count() == 3


def test_only_korean_tracks_are_translated(translate):
    source = korean_track()
    source.language = "ja"
    source.save()
    with pytest.raises(ValidationError):
        translate(source_track=source)


# --- QA and export ------------------------------------------------------------------------

def translated_japanese_track(translate, text: str) -> SubtitleTrack:
    source = korean_track()
    translate(source_track=source, languages=["ja"])
    japanese = SubtitleTrack.objects.get(source_track=source, language="ja")
    japanese.cues.update(text=text, state=State.TRANSLATED)
    return japanese


def test_export_is_refused_while_qa_errors_remain_and_allowed_when_forced(client_for, translate):
    client, _ = client_for(Role.TRANSLATOR)
    too_long = "これはとても長すぎる一行の字幕テキストで制限を超えています"
    track = translated_japanese_track(translate, too_long)
    response = client.get(reverse("localization:track-download", args=[track.pk, "srt"]))
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "QA errors remain" in page
    forced = client.get(reverse("localization:track-download", args=[track.pk, "srt"]),
                        {"force": "1"})
    assert forced.status_code == 200 and "制限" in forced.content.decode()


def test_clean_track_exports_without_force(client_for, translate):
    client, _ = client_for(Role.TRANSLATOR)
    track = translated_japanese_track(translate, "こんにちは。")
    response = client.get(reverse("localization:track-download", args=[track.pk, "vtt"]))
    assert response.status_code == 200
    assert response.content.decode().startswith("WEBVTT")


def test_inline_check_of_one_cue_with_unsaved_text(client_for, translate):
    client, _ = client_for(Role.TRANSLATOR)
    track = translated_japanese_track(translate, "こんにちは。")
    cue = track.cues.get(index=1)
    ok = client.get(reverse("localization:cue-check", args=[track.pk, cue.pk]))
    assert json.loads(ok.content)["issues"] == []
    too_long = client.get(reverse("localization:cue-check", args=[track.pk, cue.pk]),
                          {"text": "あ" * 40})
    rules = {issue["rule"] for issue in json.loads(too_long.content)["issues"]}
    assert "line_length" in rules


def test_glossary_terms_reach_qa(client_for, translate):
    client, _ = client_for(Role.TRANSLATOR)
    track = translated_japanese_track(translate, "こんにちは。")
    response = client.post(reverse("localization:glossary", args=[track.title.pk]), {
        "source_term": "형사님", "kind": "honorific", "ja": "刑事さん", "zh_hans": "警官",
        "th": "", "note": ""})
    assert response.status_code == 302
    issues = qa_services.quality_check_track(track=track)
    glossary = [issue for issue in issues if issue.rule == "glossary"]
    assert [issue.cue_index for issue in glossary] == [3]


def test_translate_button_and_engine_shown_in_the_browser(client_for, on_commit):
    client, _ = client_for(Role.TRANSLATOR)
    source = korean_track()
    page = client.get(reverse("localization:track-detail", args=[source.pk])).content.decode()
    assert "Translation memory and glossary only" in page
    response = on_commit(client.post, reverse("localization:track-translate",
                                              args=[source.pk]))
    assert response.status_code == 302
    assert SubtitleTrack.objects.filter(source_track=source).count() == 3


def test_memory_page_imports_and_exports_tmx(client_for):
    client, _ = client_for(Role.REVIEWER)
    translation_memory.memory_add(source_text="네", target_text="はい", target_language="ja")
    exported = client.get(reverse("localization:memory"), {"export": "tmx"})
    assert "はい" in exported.content.decode()
    response = client.post(reverse("localization:memory"), {
        "file": SimpleUploadedFile("tm.tmx", exported.content)})
    assert response.status_code == 302


def test_partner_studio_cannot_translate(client_for):
    client, _ = client_for(Role.PARTNER_STUDIO)
    source = korean_track()
    assert client.post(reverse("localization:track-translate",
                               args=[source.pk])).status_code == 403
    assert not SubtitleTrack.objects.filter(source_track=source).exists()


# --- an engine that uses a model must be approved for the title ---------------------------

@pytest.fixture
def tiny_model_settings(settings, tmp_path):
    from tests.localization.mt_fixtures import build_tiny_model

    build_tiny_model(tmp_path / "tiny")
    settings.MT_ENGINE = "ctranslate2"
    settings.MT_MODEL_PATH = str(tmp_path / "tiny")
    settings.MT_DEVICE = "cpu"
    return tmp_path / "tiny"


def test_unapproved_translation_model_is_refused_with_the_reason(tiny_model_settings,
                                                                   translate):
    source = korean_track()
    with pytest.raises(translation_services.TranslationRefused) as refused:
        translate(source_track=source, languages=["ja"])
    assert "not in the AI model registry" in str(refused.value)
    assert not SubtitleTrack.objects.filter(source_track=source).exists()


def test_approved_translation_model_fills_cues_and_records_itself(tiny_model_settings,
                                                                   translate):
    from coprod.agreements import services as agreement_services
    from coprod.registry.models import AIModel
    from localization.engines.mt.ctranslate2_engine import model_file_sha256
    from tests.coprod.agreement_helpers import execute, fifty_fifty

    source = korean_track()
    sha256 = model_file_sha256(tiny_model_settings)
    model = AIModel.objects.create(name="tiny-nllb", version="test", kind="mt",
                                   licence="test", source="built by the test", sha256=sha256)
    agreement, sfr, utopai = fifty_fifty(titles=[source.title])
    agreement_services.agreement_update(actor=None, agreement=agreement, data={},
                                        approved_models=[model])
    execute(agreement, sfr, utopai)
    translate(source_track=source, languages=["ja"])
    japanese = SubtitleTrack.objects.get(source_track=source, language="ja")
    cues = list(japanese.cues.all())
    assert {cue.state for cue in cues} == {State.MACHINE_TRANSLATED}
    assert {cue.model_sha256 for cue in cues} == {sha256}
    assert {cue.engine for cue in cues} == {"ctranslate2"}


def test_safe_fixes_keep_history_and_respect_the_approval_lock(translate, make_user):
    from django.core.exceptions import PermissionDenied

    from localization.subtitles.models import CueRevision

    translator = make_user(Role.TRANSLATOR)
    track = translated_japanese_track(translate, "これはとても長い一行の字幕テキストです")
    track.cues.update(state=State.APPROVED)
    qa_services.quality_fix_track(track=track, user=translator)
    cue = track.cues.get(index=1)
    assert "\n" in cue.text and cue.state == State.TRANSLATED  # re-broken, needs approval
    assert CueRevision.objects.filter(cue=cue, action=CueRevision.Action.QA_FIX).exists()
    # The track's history says what happened: automatic fixes, not a new track.
    from coprod.audit.models import Event

    event = Event.objects.about(track).latest("id")
    assert event.action == Event.Action.TRACK_QA_FIXED
    assert event.actor == translator and event.after["automatic_fixes"]
    track.locked_at = track.created_at
    track.save()
    with pytest.raises(PermissionDenied):
        qa_services.quality_fix_track(track=track, user=translator)
