"""The import page (choosing a SAMI language class, bad TTML frame rates), what a download
says it could not carry, and cue settings surviving the editor."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coprod.accounts.roles import Role
from localization.review import services as review_services
from localization.subtitles import selectors, services
from localization.subtitles.downloads import EXPORT_NOTES_HEADER
from localization.subtitles.formats import read_subtitles
from localization.subtitles.models import SubtitleTrack
from localization.subtitles.views import PENDING_IMPORT_KEY
from tests.factories import TitleFactory, UserFactory
from tests.localization.subtitles.test_sami import cp949

TTML = """<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" {rates}>
  <body><div><p begin="00:00:01:12" end="00:00:02.000">하나</p></div></body>
</tt>
"""


@pytest.fixture
def title(db):
    return TitleFactory()


def post_import(client, title, filename: str, data: bytes, **extra):
    return client.post(reverse("localization:track-import"), {
        "title": title.pk, "language": "ko", "file": SimpleUploadedFile(filename, data),
        **extra})


@pytest.mark.parametrize("rates, reason", [
    ('ttp:frameRate="0"', "ttp:frameRate &#x27;0&#x27; must be a number above zero"),
    ('ttp:frameRate="abc"', "ttp:frameRate &#x27;abc&#x27; must be a number above zero"),
    ('ttp:frameRate="24" ttp:frameRateMultiplier="1000 0"', "ttp:frameRateMultiplier"),
    ('ttp:frameRate="24" ttp:frameRateMultiplier="abc"', "must be two whole numbers above zero"),
])
def test_ttml_with_an_unusable_frame_rate_is_refused_on_the_page(client_for, title, rates,
                                                                  reason):
    client, _user = client_for(Role.TRANSLATOR)
    response = post_import(client, title, "bad.ttml", TTML.format(rates=rates).encode())
    assert response.status_code == 400
    page = response.content.decode()
    assert reason in page and "line 2" in page
    assert not SubtitleTrack.objects.exists()


def test_ttml_with_an_odd_frame_rate_imports_with_a_note_on_the_track(client_for, title):
    client, _user = client_for(Role.TRANSLATOR)
    response = post_import(client, title, "odd.ttml",
                           TTML.format(rates='ttp:frameRate="27"').encode())
    assert response.status_code == 302
    track = SubtitleTrack.objects.get()
    assert track.cues.get().start_ms == 1444  # 1 s and 12 frames at 27 fps
    assert "not one of the broadcast rates" in track.import_warnings[0]["message"]
    page = client.get(reverse("localization:track-detail", args=[track.pk])).content.decode()
    assert "27 frames a second" in page


def test_sami_with_two_classes_asks_which_and_imports_the_chosen_one(client_for, title):
    client, user = client_for(Role.TRANSLATOR)
    response = post_import(client, title, "별빛.smi", cp949())
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="language-classes"' in page and "The file 별빛.smi is kept" in page
    assert '<option value="KRCC" selected>KRCC (한국어, ko-KR, 3 cues)</option>' in page
    assert '<option value="ENCC">ENCC (English, en-US, 1 cues)</option>' in page
    assert not SubtitleTrack.objects.exists()
    token = client.session[PENDING_IMPORT_KEY]["token"]
    assert f'value="{token}"' in page

    response = client.post(reverse("localization:track-import"), {
        "title": title.pk, "language": "ko", "pending": token, "language_class": "ENCC"})
    assert response.status_code == 302
    track = SubtitleTrack.objects.get()
    assert [cue.text for cue in track.cues.order_by("index")] == ["Hello\nThis is Starlight"]
    assert track.created_by == user
    assert PENDING_IMPORT_KEY not in client.session
    assert any("ENCC was imported" in note["message"] for note in track.import_warnings)

    # The kept file is gone once imported: a second post without a file is refused.
    again = client.post(reverse("localization:track-import"), {
        "title": title.pk, "language": "ko", "pending": token, "language_class": "KRCC"})
    assert again.status_code == 400 and "choose it again" in again.content.decode()


def test_sami_with_a_class_named_up_front_imports_at_once(client_for, title):
    client, _user = client_for(Role.TRANSLATOR)
    response = post_import(client, title, "a.smi", cp949(), language_class="KRCC")
    assert response.status_code == 302
    track = SubtitleTrack.objects.get()
    assert [cue.text for cue in track.cues.order_by("index")][1] == "<i>속삭임</i> 보통 & 끝"
    response = post_import(client, title, "a.smi", cp949(), language_class="XXCC")
    assert response.status_code == 400
    assert "no language class &#x27;XXCC&#x27;" in response.content.decode()


def test_zero_length_cues_are_kept_with_one_millisecond(title):
    vtt = "WEBVTT\n\n00:00:05.000 --> 00:00:05.000\n길이 없음\n".encode()
    track = services.track_import(title=title, language="ko", filename="z.vtt", data=vtt)
    cue = track.cues.get()
    assert (cue.start_ms, cue.end_ms, cue.text) == (5000, 5001, "길이 없음")
    assert "no player shows it; it was kept and given 1 ms" in track.import_warnings[0]["message"]


def test_a_speaker_name_longer_than_the_column_is_cut_with_a_note(title):
    vtt = f"WEBVTT\n\n00:01.000 --> 00:02.000\n<v {'가' * 150}>하나\n".encode()
    track = services.track_import(title=title, language="ko", filename="v.vtt", data=vtt)
    assert track.cues.get().speaker == "가" * 100
    assert "longer than 100 characters; it was cut" in track.import_warnings[0]["message"]


def imported_track(title) -> SubtitleTrack:
    vtt = ("WEBVTT\n\nintro\n00:01.000 --> 00:02.000 line:10% align:start size:50%\n"
           "<v 민수><i>위에서</i> 말한다\n\n00:03.000 --> 00:05.000 vertical:rl line:0\n縦書き\n")
    return services.track_import(title=title, language="ko", filename="a.vtt",
                                 data=vtt.encode())


def test_the_download_says_what_the_format_cannot_carry(client_for, title):
    track = imported_track(title)
    client, _user = client_for(Role.TRANSLATOR)
    response = client.get(reverse("localization:track-download", args=[track.pk, "srt"]))
    assert response.status_code == 200
    notes = json.loads(response[EXPORT_NOTES_HEADER])
    assert notes == [
        "SRT has no speaker names; they were left out. (cues 1)",
        "SRT numbers its cues 1, 2, 3…; these cues' identifiers were not kept. (cues 1)",
        "SRT has no vertical text; these cues are written horizontally. (cues 2)",
        "WebVTT cue settings (such as line:10% align:start size:50%) are not in SRT; these "
        "cues keep their place as a position (top left). (cues 1)"]
    assert "{\\an7}<i>위에서</i> 말한다" in response.content.decode()
    vtt = client.get(reverse("localization:track-download", args=[track.pk, "vtt"]))
    assert EXPORT_NOTES_HEADER not in vtt
    assert "intro\n00:00:01.000 --> 00:00:02.000 line:10% align:start size:50%" in \
        vtt.content.decode()

    page = client.get(reverse("localization:track-detail", args=[track.pk])).content.decode()
    assert 'id="export-losses"' in page
    assert "SubRip (.srt)</strong>: SRT has no speaker names" in page
    assert "WebVTT (.vtt)</strong>" not in page


def test_an_ass_export_past_ten_hours_is_refused_with_the_reason(client_for, title):
    srt = "1\n00:00:01,000 --> 00:00:02,000\n하나\n\n2\n10:00:00,000 --> 10:00:01,000\n둘\n"
    track = services.track_import(title=title, language="ko", filename="a.srt",
                                  data=srt.encode())
    client, _user = client_for(Role.TRANSLATOR)
    response = client.get(reverse("localization:track-download", args=[track.pk, "ass"]),
                          follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("localization:track-detail",
                                                     args=[track.pk])
    assert "ASS times stop at 9:59:59.99; cue 2 ends at 10:00:01.000" in page
    assert client.get(reverse("localization:track-download",
                              args=[track.pk, "srt"])).status_code == 200


def test_editing_splitting_and_translating_keep_the_cue_settings(title):
    track = imported_track(title)
    translator = UserFactory(role=Role.TRANSLATOR)
    first = track.cues.get(index=1)
    edited = review_services.cue_save(cue=first, text="<i>고친</i> 문장", start_ms=1000,
                                      end_ms=2000, expected_revision=first.revision,
                                      actor=translator)
    assert (edited.identifier, edited.position, edited.speaker) == ("intro", 7, "민수")
    data = selectors.track_export(track=track, fmt="vtt")[2].decode()
    assert "intro\n00:00:01.000 --> 00:00:02.000 line:10% align:start size:50%\n" \
           "<v 민수><i>고친</i> 문장" in data

    second = track.cues.get(index=2)
    left, right = review_services.cue_split(cue=second, at_ms=4000, text_left="縦",
                                            text_right="書き", expected_revision=second.revision,
                                            actor=translator)
    assert [(cue.position, cue.vertical) for cue in (left, right)] == [(6, "rl"), (6, "rl")]
    ttml_cues = read_subtitles(selectors.track_export(track=track, fmt="ttml")[2], "ttml")[0]
    assert [(cue.text, cue.position, cue.vertical) for cue in ttml_cues] == [
        ("<i>고친</i> 문장", 7, ""), ("縦", 6, "rl"), ("書き", 6, "rl")]

    first.refresh_from_db()
    cue_payload = review_services.cue_as_dict(first)
    assert cue_payload["about"] == "speaker: 민수 · position: top left · identifier: intro"


def test_splitting_inside_italics_closes_and_reopens_them(title):
    srt = "1\n00:00:01,000 --> 00:00:05,000\n<i>하나 둘 셋 넷</i>\n"
    track = services.track_import(title=title, language="ko", filename="a.srt",
                                  data=srt.encode())
    cue = track.cues.get()
    left, right = review_services.cue_split(
        cue=cue, at_ms=3000, text_left="<i>하나 둘", text_right="셋 넷</i>",
        expected_revision=cue.revision, actor=UserFactory(role=Role.TRANSLATOR))
    assert (left.text, right.text) == ("<i>하나 둘</i>", "<i>셋 넷</i>")
