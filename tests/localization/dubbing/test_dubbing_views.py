"""The dub section of a track page, from voice roles to a playable dub and a package."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from coprod.accounts.roles import Role
from localization.delivery.models import DeliveryPackage
from localization.dubbing.models import DubTrack, VoiceRole
from tests.coprod.rights_helpers import company, grant, hold
from tests.factories import TitleFactory, UserFactory
from tests.localization.dubbing_helpers import THAI_VOICE, approve_models_for, approved_track

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def track():
    title = TitleFactory()
    approve_models_for(title, "espeak-ng th")
    return approved_track(title, "th", [(0, 2500, "สวัสดีครับ", "민준"),
                                        (3000, 4000, "ลาก่อนครับ", "")])


def test_from_voice_roles_to_a_playing_dub_and_a_downloaded_package(
        client, track, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(role=Role.RIGHTS_MANAGER))
    page = client.get(reverse("localization:track-detail", args=[track.pk])).content.decode()
    assert reverse("localization:dub-section", args=[track.pk]) in page

    section = client.get(reverse("localization:dub-section", args=[track.pk])).content.decode()
    assert "민준" in section and "espeak_ng:th (draft voice)" in section

    client.post(reverse("localization:dub-voices", args=[track.pk]),
                {"voice-0": THAI_VOICE, "voice-1": ""})
    assert VoiceRole.objects.get(speaker="민준").voice_key == THAI_VOICE

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("localization:dub-build", args=[track.pk]),
                               {"max_speedup": "1.25", "duck_original": "on"})
    assert response.status_code == 302
    dub = DubTrack.objects.get()
    assert dub.state == DubTrack.State.DONE, dub.error
    section = client.get(reverse("localization:dub-section", args=[track.pk])).content.decode()
    audio_url = reverse("localization:dub-audio", args=[dub.pk, "wav"])
    assert f'<audio controls preload="none" id="dub-player" src="{audio_url}">' in section
    audio = client.get(audio_url)
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/wav"
    assert b"".join(audio.streaming_content)[:4] == b"RIFF"

    form = {"licensee": company("Siam Stream").pk, "territory": "TH", "media": ["svod"],
            "start": "2026-06-01", "end": "2027-06-01", "include_subtitles": "on",
            "include_dub": "on"}
    refused = client.post(reverse("localization:package-build", args=[track.pk]), form,
                          follow=True).content.decode()
    assert "Not held: SVOD" in refused and "Not granted to Siam Stream" in refused
    hold(track.title, territory="TH", languages=("th",), kinds=("sub", "dub"))
    grant(track.title, licensee="Siam Stream", territory="TH", languages=("th",),
          kinds=("sub", "dub"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("localization:package-build", args=[track.pk]), form)
    package = DeliveryPackage.objects.get()
    assert package.state == DeliveryPackage.State.DONE, package.error
    download = client.get(reverse("localization:package-download", args=[package.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"
    # Its manifest names the licensee and the contracts: not for translators or reviewers.
    for role in (Role.TRANSLATOR, Role.REVIEWER):
        other = Client()
        other.force_login(UserFactory(role=role))
        refused = other.get(reverse("localization:package-download", args=[package.pk]))
        assert refused.status_code == 403
        assert "only rights managers and administrators" in refused.content.decode()


def test_translators_dub_but_only_rights_managers_deliver(client, track):
    client.force_login(UserFactory(role=Role.TRANSLATOR))
    response = client.post(reverse("localization:package-build", args=[track.pk]), {})
    assert response.status_code == 403
    assert client.get(reverse("localization:dub-section", args=[track.pk])).status_code == 200
