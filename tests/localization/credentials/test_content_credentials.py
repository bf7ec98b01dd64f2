"""Content Credentials: real C2PA manifests signed into dub files and beside subtitle files
and packages, read back with the C2PA library; altered files fail; the assertions say what
the track's records say."""

import datetime as dt
import io
import wave
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.registry.models import AIModel, Consent
from localization.credentials import services as credentials
from localization.delivery import services as delivery
from localization.delivery.models import DeliveryPackage
from localization.dubbing import services as dubbing
from localization.dubbing.models import DubTrack
from localization.engines import credentials as c2pa_engine
from localization.review import services as review
from localization.subtitles.disclosure import Origin, track_disclosure
from localization.subtitles.models import SubtitleCue
from tests.coprod.rights_helpers import company, grant, hold
from tests.factories import TitleFactory, UserFactory
from tests.localization.dubbing_helpers import approve_models_for, approved_track

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def dub(django_capture_on_commit_callbacks):
    """A Thai dub of an approved track: one cue as the machine left it, one a reviewer
    revised."""
    title = TitleFactory(romanized_title="Haebaragi")
    approve_models_for(title, "espeak-ng th")
    reviewer = UserFactory(username="reviewer-kim", first_name="Ji", last_name="Kim",
                           role=Role.REVIEWER)
    track = approved_track(title, "th", [(0, 2500, "สวัสดีครับ", "민준"),
                                         (3000, 5000, "ลาก่อนครับ", "")], user=reviewer)
    revised = track.cues.get(index=2)
    track.review_state = "in_progress"
    track.save()
    review.cue_save(cue=revised, text="ลาก่อนนะครับ", start_ms=3000, end_ms=5000,
                    expected_revision=revised.revision, actor=reviewer)
    SubtitleCue.objects.filter(track=track).update(state=SubtitleCue.State.APPROVED)
    track.review_state = "approved"
    track.locked_at = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    track.save()
    with django_capture_on_commit_callbacks(execute=True):
        made = dubbing.dub_create(track=track)
    made.refresh_from_db()
    assert made.state == DubTrack.State.DONE, made.error
    return made


def local_copy(field, folder: Path) -> Path:
    path = folder / Path(field.name).name
    with field.open("rb") as stored:
        path.write_bytes(stored.read())
    return path


def test_each_dub_file_carries_a_signed_manifest_of_what_made_it(dub):
    results = credentials.dub_verify(dub)

    assert [result.name.rsplit(".", 1)[-1] for result in results] == ["wav", "m4a"]
    voice = AIModel.objects.get(name="espeak-ng th")
    for result in results:
        check = result.verification
        assert check.state == "Trusted" and check.intact and check.embedded, check.failures
        assert check.signer["development"] is True
        first = check.actions[0]
        assert first["action"] == "c2pa.created"
        assert first["digitalSourceType"] == c2pa_engine.TRAINED_ALGORITHMIC_MEDIA
        provenance = result.provenance
        voices = [model for model in provenance["models"] if model["role"] == "voice"]
        assert {(model["speaker"], model["name"], model["version"], model["sha256"],
                 model["licence"]) for model in voices} == {
            (speaker, voice.name, voice.version, voice.sha256, voice.licence)
            for speaker in ("민준", None)}
        assert provenance["agreements"] == [{"reference": "JV-2026-001", "version": 1}]
        consent = Consent.objects.get(model=voice)
        assert [entry["id"] for entry in provenance["consents"]] == [consent.pk, consent.pk]
        assert {model["consent"]["holder"] for model in voices} == {consent.holder}
        assert provenance["approved_by"]["username"] == "reviewer-kim"
        assert provenance["disclosure"]["speech"]["origin"] == "machine"
        words = provenance["disclosure"]["words"]
        assert words["origin"] == Origin.MACHINE_REVISED
        assert words["cues"] == {"machine": 1, "machine_revised": 1, "human": 0}
        assert words["cues_that_differ"] == [{"cue": 1, "origin": "machine"}]
    assert all(entry["signed"] for entry in dub.credentials.values())


def test_a_dub_file_altered_after_signing_fails_with_the_reason(dub, tmp_path):
    path = local_copy(dub.wav, tmp_path)
    data = bytearray(path.read_bytes())
    data[1000] ^= 0xFF  # one sample of the audio (the manifest sits at the end)
    path.write_bytes(bytes(data))

    result = credentials.file_verify(path)

    assert not result.verification.intact
    assert "assertion.dataHash.mismatch" in [failure["code"]
                                             for failure in result.verification.failures]
    with pytest.raises(CommandError) as failed:
        call_command("credentials", "verify", str(path), stdout=io.StringIO())
    assert failed.value.returncode == 1


def test_the_command_prints_who_made_what_and_a_plain_file_has_no_credentials(dub,
                                                                             tmp_path):
    path = local_copy(dub.aac, tmp_path)
    out = io.StringIO()
    call_command("credentials", "verify", str(path), stdout=out)
    printed = out.getvalue()
    assert f"{path.name}: Trusted (manifest embedded)" in printed
    assert "development certificate: not for delivery" in printed
    assert "speech: Machine-made: synthetic speech" in printed
    assert "words: Machine-made, revised by a person" in printed
    assert "approved by Ji Kim" in printed

    plain = tmp_path / "plain.wav"
    with wave.open(str(plain), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
        writer.writeframes(b"\0\0" * 1600)
    with pytest.raises(CommandError) as missing:
        call_command("credentials", "verify", str(plain), stdout=io.StringIO())
    assert missing.value.returncode == 2


def package_for(dub, django_capture_on_commit_callbacks) -> DeliveryPackage:
    title = dub.track.title
    hold(title, territory="TH", languages=("th",), kinds=("sub", "dub"),
         start=D(2026, 1, 1), end=D(2030, 1, 1), contract="CT-IN-7")
    grant(title, licensee="Siam Stream", territory="TH", languages=("th",),
          kinds=("sub", "dub"), start=D(2026, 1, 1), end=D(2028, 1, 1), contract="CT-OUT-9")
    with django_capture_on_commit_callbacks(execute=True):
        package = delivery.package_create(
            title=title, language="th", licensee=company("Siam Stream"), territory="TH",
            media=["svod"], start=D(2026, 6, 1), end=D(2027, 6, 1))
    package.refresh_from_db()
    assert package.state == DeliveryPackage.State.DONE, package.error
    return package


def test_a_package_signs_its_zip_and_each_subtitle_file_in_sidecars(
        dub, django_capture_on_commit_callbacks, tmp_path):
    package = package_for(dub, django_capture_on_commit_callbacks)

    results = {result.name: result for result in credentials.package_verify(package)}
    zip_name = Path(package.file.name).name
    assert package.credentials == {"signed": True, "sidecar": zip_name + ".c2pa"}
    assert set(results) == {zip_name, "dub/Haebaragi.th.v1.dub.m4a",
                            "dub/Haebaragi.th.v1.dub.wav", "subtitles/Haebaragi.th.v1.srt",
                            "subtitles/Haebaragi.th.v1.ttml", "subtitles/Haebaragi.th.v1.vtt"}
    assert all(result.verification.trusted for result in results.values()), {
        name: result.verification.failures for name, result in results.items()}
    whole = results[zip_name]
    assert not whole.verification.embedded
    assert whole.provenance["licensee"] == "Siam Stream"
    assert {entry["path"] for entry in whole.provenance["files"]} >= {
        "subtitles/Haebaragi.th.v1.srt", "dub/Haebaragi.th.v1.dub.wav"}
    subtitles = results["subtitles/Haebaragi.th.v1.srt"]
    actions = [action["action"] for action in subtitles.verification.actions]
    assert actions[0] == "c2pa.created" and "c2pa.edited" in actions
    edited = next(action for action in subtitles.verification.actions
                  if action["action"] == "c2pa.edited")
    assert edited["digitalSourceType"] == c2pa_engine.HUMAN_EDITS
    assert package.manifest["provenance"]["disclosure"]["words"]["origin"] == "machine_revised"

    # The ZIP and a subtitle file, verified outside the platform's storage with the
    # command; then one changed byte in a subtitle file makes it fail.
    zip_path = local_copy(package.file, tmp_path)
    with package.credentials_file.open("rb") as stored:
        (tmp_path / (zip_path.name + ".c2pa")).write_bytes(stored.read())
    out = io.StringIO()
    call_command("credentials", "verify", str(zip_path), stdout=out)
    assert f"{zip_path.name}: Trusted (sidecar)" in out.getvalue()
    with zipfile.ZipFile(zip_path) as archive:
        srt = archive.read("subtitles/Haebaragi.th.v1.srt")
        sidecar = archive.read("subtitles/Haebaragi.th.v1.srt.c2pa")
    (tmp_path / "x.srt").write_bytes(srt.replace("สวัสดี".encode(), "ลาก่อน".encode()))
    (tmp_path / "x.srt.c2pa").write_bytes(sidecar)
    tampered = credentials.file_verify(tmp_path / "x.srt")
    assert not tampered.verification.intact
    assert "assertion.dataHash.mismatch" in [failure["code"] for failure in
                                             tampered.verification.failures]


def test_without_a_certificate_nothing_is_signed_and_the_pages_say_so(
        settings, django_capture_on_commit_callbacks):
    settings.C2PA_CERT_FILE = ""
    title = TitleFactory()
    approve_models_for(title, "espeak-ng th")
    track = approved_track(title, "th", [(0, 2000, "สวัสดี", "")])
    with django_capture_on_commit_callbacks(execute=True):
        made = dubbing.dub_create(track=track)
    made.refresh_from_db()

    assert made.state == DubTrack.State.DONE
    assert {entry["signed"] for entry in made.credentials.values()} == {False}
    assert "No signing certificate is configured" in next(
        iter(made.credentials.values()))["reason"]
    [wav, _aac] = credentials.dub_verify(made)
    assert wav.verification.state == "Missing"


def test_a_key_that_does_not_match_fails_the_dub_with_a_clear_error(
        settings, tmp_path, django_capture_on_commit_callbacks):
    other_chain, _key, _root = c2pa_engine.development_identity_write(tmp_path / "other")
    settings.C2PA_CERT_FILE = str(other_chain)  # the key stays the test one: a mismatch
    title = TitleFactory()
    approve_models_for(title, "espeak-ng th")
    track = approved_track(title, "th", [(0, 2000, "สวัสดี", "")])
    with django_capture_on_commit_callbacks(execute=True):
        made = dubbing.dub_create(track=track)
    made.refresh_from_db()

    assert made.state == DubTrack.State.FAILED
    assert "Signing failed" in made.error or "refused" in made.error
    assert not made.wav


def test_disclosure_tells_machine_revised_and_human_cues_apart():
    title = TitleFactory()
    translator = UserFactory(role=Role.TRANSLATOR)
    track = approved_track(title, "ja", [(0, 1000, "こんにちは", ""),
                                         (1000, 2000, "さようなら", ""), (2000, 3000, "", "")])
    track.review_state = "in_progress"
    track.translator = translator
    track.save()
    SubtitleCue.objects.filter(track=track).update(state=SubtitleCue.State.MACHINE_TRANSLATED,
                                                   engine="ctranslate2")
    SubtitleCue.objects.filter(track=track, index=3).update(
        state=SubtitleCue.State.UNTRANSLATED, engine="")
    second, third = track.cues.get(index=2), track.cues.get(index=3)
    review.cue_save(cue=second, text="またね", start_ms=1000, end_ms=2000,
                    expected_revision=second.revision, actor=translator)
    review.cue_save(cue=third, text="ありがとう", start_ms=2000, end_ms=3000,
                    expected_revision=third.revision, actor=translator)

    found = track_disclosure(track)

    by_number = {track.cues.get(pk=cue_id).index: origin for cue_id, origin in found.cues.items()}
    assert by_number == {1: Origin.MACHINE, 2: Origin.MACHINE_REVISED, 3: Origin.HUMAN}
    assert found.origin == Origin.MACHINE_REVISED
    assert found.exceptions == [(1, Origin.MACHINE), (3, Origin.HUMAN)]
    # A revert to the machine's words makes the cue machine-made again.
    second.refresh_from_db()
    review.cue_save(cue=second, text="さようなら", start_ms=1000, end_ms=2000,
                    expected_revision=second.revision, actor=translator)
    assert track_disclosure(track).cues[second.pk] == Origin.MACHINE


def test_the_pages_show_the_disclosure_and_verify(dub, client_for,
                                                  django_capture_on_commit_callbacks):
    client, _user = client_for(Role.RIGHTS_MANAGER)
    track = dub.track
    page = client.get(reverse("localization:track-detail", args=[track.pk])).content.decode()
    assert 'id="disclosure" data-origin="machine_revised"' in page
    assert "1 machine-made, 1 machine-made and revised by a person, 0 made by a person" in page
    section = client.get(reverse("localization:dub-section", args=[track.pk])).content.decode()
    assert 'data-signed="true"' in section
    assert reverse("localization:dub-verify", args=[dub.pk]) in section

    verified = client.get(reverse("localization:dub-verify", args=[dub.pk])).content.decode()
    assert 'data-all-intact="true"' in verified
    assert verified.count('data-state="Trusted"') == 2
    assert "espeak-ng th" in verified and "JV-2026-001" in verified

    package = package_for(dub, django_capture_on_commit_callbacks)
    verified = client.get(reverse("localization:package-verify",
                                  args=[package.pk])).content.decode()
    assert verified.count('data-state="Trusted"') == 6
    sidecar = client.get(reverse("localization:package-credentials", args=[package.pk]))
    assert sidecar.status_code == 200
    assert b"".join(sidecar.streaming_content) == package.credentials_file.open("rb").read()


def test_a_partner_verifies_its_own_packages_only(dub, client_for,
                                                  django_capture_on_commit_callbacks):
    package = package_for(dub, django_capture_on_commit_callbacks)
    licensee = package.licensee
    partner, _user = client_for(Role.PARTNER_STUDIO, company=licensee)
    url = reverse("partner_portal:localization_deliverypackage_verify", args=[package.pk])
    page = partner.get(url)
    assert page.status_code == 200
    assert page.content.decode().count('data-state="Trusted"') == 6
    listing = partner.get(reverse("partner_portal:localization_deliverypackage_changelist"))
    assert url in listing.content.decode()
    assert "Machine-made, revised by a person" in listing.content.decode()

    # The venture's own pages refuse a partner.
    assert partner.get(reverse("localization:package-verify",
                               args=[package.pk])).status_code in (403, 404)

    other, _user = client_for(Role.PARTNER_STUDIO, company=company("Other Stream"))
    assert other.get(url).status_code == 404
    assert other.get(reverse("partner_portal:localization_deliverypackage_credentials",
                             args=[package.pk])).status_code == 404
