"""Delivery packages: the rights check, the ZIP, the manifest's checksums and provenance."""

import datetime as dt
import hashlib
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.db.models import Q

from coprod.compute import services as compute
from coprod.compute.models import ComputeUsage
from coprod.registry.models import AIModel
from localization.delivery import services as delivery
from localization.delivery.models import DeliveryPackage
from localization.delivery.services import DeliveryRefused
from localization.dubbing import services as dubbing
from localization.qa import services as qa_services
from localization.subtitles.models import CueRevision, SubtitleCue
from tests.coprod.rights_helpers import company, grant, hold
from tests.factories import TitleFactory, UserFactory
from tests.localization.dubbing_helpers import approve_models_for, approved_track

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def ready(django_capture_on_commit_callbacks):
    """A Thai track with an approved dub, rights held in TH for SVOD (sub and dub)."""
    title = TitleFactory(romanized_title="Haebaragi")
    approve_models_for(title, "espeak-ng th", "espeak-ng ko")
    reviewer = UserFactory(username="reviewer-kim", first_name="Ji", last_name="Kim")
    source = approved_track(title, "ko", [(0, 2000, "안녕하세요", "민준")])
    source.asr_model_name = "espeak-ng ko"  # any registered, approved model will do
    source.asr_model_sha256 = AIModel.objects.get(name="espeak-ng ko").sha256
    source.save()
    track = approved_track(title, "th", [(0, 2500, "สวัสดีครับ", "민준"),
                                         (3000, 5000, "ลาก่อนครับ", "")], user=reviewer)
    track.source_track = source
    track.version = 2
    track.save()
    first = track.cues.get(index=1)
    CueRevision.objects.create(cue=first, revision=2, text=first.text, start_ms=0,
                               end_ms=2500, state=SubtitleCue.State.APPROVED, author=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        dub = dubbing.dub_create(track=track)
    dub.refresh_from_db()
    assert dub.state == "done", dub.error
    hold(title, territory="TH", languages=("th",), kinds=("sub", "dub"),
         start=D(2026, 1, 1), end=D(2030, 1, 1), contract="CT-IN-7")
    return title, track, dub


def build(title, django_capture_on_commit_callbacks, **overrides):
    arguments = {"title": title, "language": "th", "licensee": company("Siam Stream"),
                 "territory": "TH", "media": ["svod"], "start": D(2026, 6, 1),
                 "end": D(2027, 6, 1)}
    arguments.update(overrides)
    with django_capture_on_commit_callbacks(execute=True):
        package = delivery.package_create(**arguments)
    package.refresh_from_db()
    return package


def test_a_package_lists_every_file_with_its_checksum_and_provenance(
        ready, django_capture_on_commit_callbacks):
    title, track, dub = ready
    grant(title, licensee="Siam Stream", territory="TH", languages=("th",),
          kinds=("sub", "dub"), start=D(2026, 1, 1), end=D(2028, 1, 1), contract="CT-OUT-9")

    package = build(title, django_capture_on_commit_callbacks)

    assert package.state == DeliveryPackage.State.DONE, package.error
    with package.file.open("rb") as stored:
        data = stored.read()
    assert hashlib.sha256(data).hexdigest() == package.sha256
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest == package.manifest
    paths = sorted(entry["path"] for entry in manifest["files"])
    assert paths == ["dub/Haebaragi.th.v2.dub.m4a", "dub/Haebaragi.th.v2.dub.wav",
                     "subtitles/Haebaragi.th.v2.srt", "subtitles/Haebaragi.th.v2.srt.c2pa",
                     "subtitles/Haebaragi.th.v2.ttml", "subtitles/Haebaragi.th.v2.ttml.c2pa",
                     "subtitles/Haebaragi.th.v2.vtt", "subtitles/Haebaragi.th.v2.vtt.c2pa"]
    # Each subtitle file names its Content Credentials beside it; the dub files hold theirs.
    credentials = {entry["path"]: entry.get("credentials") for entry in manifest["files"]}
    assert credentials["subtitles/Haebaragi.th.v2.srt"] == {
        "sidecar": "subtitles/Haebaragi.th.v2.srt.c2pa"}
    assert credentials["dub/Haebaragi.th.v2.dub.wav"]["embedded"] is True
    assert sorted(archive.namelist()) == sorted([*paths, "manifest.json"])
    for entry in manifest["files"]:
        content = archive.read(entry["path"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
        assert len(content) == entry["bytes"]
    with dub.wav.open("rb") as wav:
        assert hashlib.sha256(wav.read()).hexdigest() == next(
            entry["sha256"] for entry in manifest["files"] if entry["format"] == "wav")

    provenance = manifest["provenance"]
    assert provenance["speech_recognition"]["model"] == "espeak-ng ko"
    assert provenance["speech_recognition"]["agreement"] == "JV-2026-001"
    assert provenance["translation"] == [{"engine": "memory", "model": "tm", "sha256": None,
                                          "cues": 2, "written_by_a_person": False}]
    voice_sha = AIModel.objects.get(name="espeak-ng th").sha256
    assert [(voice["speaker"], voice["voice"], voice["sha256"], voice["agreement"])
            for voice in provenance["voices"]] == [
        ("", "espeak_ng:th", voice_sha, "JV-2026-001"),
        ("민준", "espeak_ng:th", voice_sha, "JV-2026-001")]
    assert provenance["approved_by"]["username"] == "reviewer-kim"
    assert provenance["reviewer"]["name"] == "Ji Kim"
    assert provenance["cue_approvers"] == ["reviewer-kim"]
    assert manifest["agreements"] == ["JV-2026-001"]
    assert manifest["rights"] == {"held_under": ["CT-IN-7"], "granted_under": ["CT-OUT-9"]}


def test_japanese_packages_carry_imsc_ttml_only(django_capture_on_commit_callbacks):
    assert delivery.delivery_formats("ja") == ("ttml",)
    assert delivery.delivery_formats("zh-Hans") == ("ttml", "srt", "vtt")


def test_no_grant_to_this_licensee_refuses_the_package(ready,
                                                       django_capture_on_commit_callbacks):
    title, _track, _dub = ready
    grant(title, licensee="Other Platform", territory="TH", languages=("th",),
          kinds=("sub", "dub"), start=D(2026, 1, 1), end=D(2028, 1, 1))

    with pytest.raises(DeliveryRefused) as refused:
        build(title, django_capture_on_commit_callbacks)

    assert refused.value.messages == [
        "Not granted to Siam Stream: SVOD, th (dubbed, subtitled) in TH "
        "(2026-06-01 – 2027-06-01)"]
    assert not DeliveryPackage.objects.exists()


def test_a_grant_that_ends_early_or_lacks_the_dub_is_explained(
        ready, django_capture_on_commit_callbacks):
    title, _track, _dub = ready
    grant(title, licensee="Siam Stream", territory="TH", languages=("th",), kinds=("sub",),
          start=D(2026, 1, 1), end=D(2027, 1, 1))

    with pytest.raises(DeliveryRefused) as refused:
        build(title, django_capture_on_commit_callbacks)

    assert refused.value.messages == [
        "Not granted to Siam Stream: SVOD, th (dubbed) in TH (2026-06-01 – 2027-01-01)",
        "Not granted to Siam Stream: SVOD, th (dubbed, subtitled) in TH "
        "(2027-01-01 – 2027-06-01)"]
    # Subtitles only, inside the grant: allowed.
    package = build(title, django_capture_on_commit_callbacks, include_dub=False,
                    end=D(2027, 1, 1))
    assert package.state == DeliveryPackage.State.DONE
    assert {entry["kind"] for entry in package.manifest["files"]} == {"subtitles",
                                                                      "credentials"}


def test_rights_the_venture_does_not_hold_are_refused(ready,
                                                      django_capture_on_commit_callbacks):
    title, _track, _dub = ready

    with pytest.raises(DeliveryRefused) as refused:
        build(title, django_capture_on_commit_callbacks, territory="TH VN")

    messages = " | ".join(refused.value.messages)
    assert "Not held: SVOD, th (dubbed, subtitled) in VN" in messages, messages
    assert "Not granted to Siam Stream" in messages


def test_a_package_needs_an_approved_track_and_a_finished_dub(
        django_capture_on_commit_callbacks):
    title = TitleFactory()
    with pytest.raises(DeliveryRefused, match="no approved th track"):
        build(title, django_capture_on_commit_callbacks)
    approved_track(title, "th", [(0, 1000, "สวัสดี", "")])
    with pytest.raises(DeliveryRefused, match="has no finished dub"):
        build(title, django_capture_on_commit_callbacks)


def test_the_build_checks_the_rights_again(ready, django_capture_on_commit_callbacks):
    title, _track, _dub = ready
    out = grant(title, licensee="Siam Stream", territory="TH", languages=("th",),
                kinds=("sub", "dub"), start=D(2026, 1, 1), end=D(2028, 1, 1))
    package = delivery.package_create(title=title, language="th",
                                      licensee=company("Siam Stream"), territory="TH",
                                      media=["svod"], start=D(2026, 6, 1), end=D(2027, 6, 1),
                                      enqueue=False)
    out.delete()

    package = delivery.package_build(package_id=package.pk)

    assert package.state == DeliveryPackage.State.FAILED
    assert "Not granted to Siam Stream" in package.error
    assert not package.file


def test_a_track_reopened_after_the_request_is_not_delivered(ready,
                                                             django_capture_on_commit_callbacks):
    title, track, _dub = ready
    grant(title, licensee="Siam Stream", territory="TH", languages=("th",),
          kinds=("sub", "dub"), start=D(2026, 1, 1), end=D(2028, 1, 1), contract="CT-OUT-R")
    with django_capture_on_commit_callbacks(execute=False):
        package = delivery.package_create(
            title=title, language="th", licensee=company("Siam Stream"), territory="TH",
            media=["svod"], start=D(2026, 6, 1), end=D(2027, 6, 1))
    track.review_state = "in_progress"
    track.save()
    with pytest.raises(DeliveryRefused) as refused:
        delivery._build(package)
    assert "reopened" in str(refused.value)


def _requested_package(title):
    grant(title, licensee="Siam Stream", territory="TH", languages=("th",),
          kinds=("sub", "dub"), start=D(2026, 1, 1), end=D(2028, 1, 1))
    return delivery.package_create(title=title, language="th", licensee=company("Siam Stream"),
                                   territory="TH", media=["svod"], start=D(2026, 6, 1),
                                   end=D(2027, 6, 1), enqueue=False)


def test_a_crashed_build_fails_with_the_reason_and_logs_its_traceback(ready, monkeypatch,
                                                                     caplog):
    title, _track, _dub = ready
    package = _requested_package(title)

    def crash(package):
        raise RuntimeError("disk full")

    monkeypatch.setattr(delivery, "_build", crash)
    with caplog.at_level("ERROR", logger="localization.background"):
        package = delivery.package_build(package_id=package.pk)

    assert package.state == DeliveryPackage.State.FAILED
    assert package.error == "RuntimeError: disk full"
    assert package.finished_at is not None
    logged = [record for record in caplog.records if f"delivery package {package.pk}"
              in record.getMessage()]
    assert logged and logged[0].exc_info[0] is RuntimeError
    # A failed package is finished: running the task again changes nothing.
    assert delivery.package_build(package_id=package.pk).error == "RuntimeError: disk full"


def test_a_build_past_its_time_limit_fails_and_says_so(ready, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    title, _track, _dub = ready
    package = _requested_package(title)

    def too_slow(package):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(delivery, "_build", too_slow)
    package = delivery.package_build(package_id=package.pk)
    assert package.state == DeliveryPackage.State.FAILED
    assert package.error == "The package build ran past its time limit and was stopped."


def test_a_finished_package_cannot_be_moved_back():
    from localization.background import InvalidTransition

    package = DeliveryPackage(state=DeliveryPackage.State.DONE)
    with pytest.raises(InvalidTransition, match="A package that is done cannot become building"):
        delivery.MACHINE.check(package, DeliveryPackage.State.BUILDING)


def test_a_grant_of_every_language_covers_the_packages_language(
        ready, django_capture_on_commit_callbacks):
    """Languages are compared by the rights vocabulary: "all" covers Thai (an exact text
    comparison would refuse the package)."""
    title, _track, _dub = ready
    hold(title, territory="TH", languages=("all",), kinds=("sub", "dub"),
         start=D(2026, 1, 1), end=D(2030, 1, 1), contract="CT-IN-ALL")
    grant(title, licensee="Siam Stream", territory="TH", languages=("all",),
          kinds=("sub", "dub"), start=D(2026, 1, 1), end=D(2028, 1, 1))
    package = build(title, django_capture_on_commit_callbacks)
    assert package.state == DeliveryPackage.State.DONE, package.error
    # Subtitles in every language but no dub: the dub is still missing, and said so.
    other = TitleFactory(romanized_title="Byeol")
    hold(other, territory="TH", languages=("all",), kinds=("sub", "dub"),
         start=D(2026, 1, 1), end=D(2030, 1, 1))
    grant(other, licensee="Siam Stream", territory="TH", languages=("all",), kinds=("sub",),
          start=D(2026, 1, 1), end=D(2028, 1, 1))
    check = delivery.delivery_rights_check(
        title=other, licensee=company("Siam Stream"), countries=frozenset({"TH"}),
        media=frozenset({"svod"}), language_rights=frozenset({"th:sub", "th:dub"}),
        start=D(2026, 6, 1), end=D(2027, 6, 1))
    assert check.reasons == ["Not granted to Siam Stream: SVOD, th (dubbed) in TH "
                             "(2026-06-01 – 2027-06-01)"]


@pytest.fixture
def priced(db):
    return compute.price_list_create(
        actor=None, site="local", currency="USD", cpu_hour=Decimal("3.60"), kwh=Decimal("0.20"),
        gpu_hours={}, source="test tariff", source_date=D(2026, 11, 1))


def test_the_manifest_records_the_compute_energy_and_cost_behind_the_package(
        priced, ready, django_capture_on_commit_callbacks):
    title, track, dub = ready
    grant(title, licensee="Siam Stream", territory="TH", languages=("th",),
          kinds=("sub", "dub"), start=D(2026, 1, 1), end=D(2028, 1, 1), contract="CT-OUT-9")
    with django_capture_on_commit_callbacks(execute=True):  # QA of the source track
        check = qa_services.quality_check_enqueue(track=track.source_track)
    with django_capture_on_commit_callbacks(execute=True):  # another title's work
        qa_services.quality_check_enqueue(track=approved_track(TitleFactory(), "th", [
            (0, 1000, "ไม่", "")]))

    package = build(title, django_capture_on_commit_callbacks)

    assert package.state == DeliveryPackage.State.DONE, package.error
    behind = ComputeUsage.objects.filter(
        Q(run_type="localization.dubtrack", run_id=str(dub.pk))
        | Q(run_type="localization.trackrun", run_id=str(check.pk)))
    assert behind.count() == 2
    compute_figures = package.manifest["compute"]
    assert compute_figures["tasks"] == 2 and compute_figures["currency"] == "USD"
    assert Decimal(compute_figures["cost_exact"]) == sum(row.cost for row in behind)
    assert Decimal(compute_figures["cpu_seconds"]) == sum(row.cpu_seconds for row in behind)
    assert set(compute_figures["by_stage"]) == {"dubbing", "qa"}
    assert compute_figures["by_stage"]["dubbing"]["tasks"] == 1
    assert compute_figures["energy_estimated_tasks"] == 2
    assert any("espeak" in name for name in compute_figures["models"])
    # The package's own build was measured once it finished.
    assert ComputeUsage.objects.filter(run_type="localization.deliverypackage",
                                       run_id=str(package.pk), stage="delivery").exists()
