from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.agreements import services
from coprod.agreements.models import Agreement
from coprod.audit.models import Event
from coprod.registry.gate import ModelNotApproved, model_use_check
from coprod.registry.models import AIModel
from tests.coprod.agreement_helpers import execute, fifty_fifty, signatory
from tests.coprod.rights_helpers import film

pytestmark = pytest.mark.django_db

WHISPER_SHA = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


def test_shares_must_total_exactly_100_before_approvals():
    agreement, sfr, _utopai = fifty_fifty()
    party = agreement.parties.get(company=sfr.company)
    services.party_update(actor=None, party=party, share_percentage=Decimal("50.0001"))
    services.agreement_transition(actor=None, agreement=agreement, to="negotiation")
    with pytest.raises(ValidationError) as refused:
        services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    assert "100.0001%" in refused.value.messages[0]
    assert Agreement.objects.get(pk=agreement.pk).status == "negotiation"


def test_every_signatory_approves_then_the_agreement_is_executed():
    agreement, sfr, utopai = fifty_fifty()
    services.agreement_transition(actor=None, agreement=agreement, to="negotiation")
    services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    services.agreement_approve(actor=sfr, agreement=agreement, version=1)
    agreement.refresh_from_db()
    assert agreement.status == "awaiting_approvals"
    services.agreement_approve(actor=utopai, agreement=agreement, version=1)
    agreement.refresh_from_db()
    assert agreement.status == "executed"
    assert agreement.versions.get(number=1).executed_at is not None


def test_a_change_after_an_approval_makes_a_new_version_and_withdraws_approvals():
    agreement, sfr, utopai = fifty_fifty()
    services.agreement_transition(actor=None, agreement=agreement, to="negotiation")
    services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    services.agreement_approve(actor=sfr, agreement=agreement, version=1)
    services.agreement_update(actor=None, agreement=agreement, data={"name": "Renamed slate"})
    agreement.refresh_from_db()
    assert agreement.version == 2 and agreement.status == "awaiting_approvals"
    assert not agreement.approvals.filter(withdrawn_at__isnull=True).exists()
    # Approving the old version is refused; the new one must be approved by both.
    with pytest.raises(ValidationError) as stale:
        services.agreement_approve(actor=utopai, agreement=agreement, version=1)
    assert "version 2" in stale.value.messages[0]
    services.agreement_approve(actor=utopai, agreement=agreement, version=2)
    agreement.refresh_from_db()
    assert agreement.status == "awaiting_approvals"
    services.agreement_approve(actor=sfr, agreement=agreement, version=2)
    agreement.refresh_from_db()
    assert agreement.status == "executed"
    assert Event.objects.filter(agreement=agreement,
                                action="agreement.approvals_withdrawn").exists()


def test_no_op_save_does_not_withdraw_approvals():
    agreement, sfr, _utopai = fifty_fifty()
    services.agreement_transition(actor=None, agreement=agreement, to="negotiation")
    services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    services.agreement_approve(actor=sfr, agreement=agreement, version=1)
    services.agreement_update(actor=None, agreement=agreement, data={"name": agreement.name})
    agreement.refresh_from_db()
    assert agreement.version == 1
    assert agreement.approvals.filter(withdrawn_at__isnull=True).count() == 1


@pytest.mark.parametrize(("start", "to"), [
    ("draft", "executed"), ("draft", "awaiting_approvals"), ("negotiation", "executed"),
    ("terminated", "negotiation"), ("executed", "draft"),
])
def test_illegal_transitions_are_refused_with_a_clear_message(start, to):
    agreement, *_ = fifty_fifty()
    Agreement.objects.filter(pk=agreement.pk).update(status=start)
    with pytest.raises(services.IllegalTransition) as refused:
        services.agreement_transition(actor=None, agreement=agreement, to=to)
    assert "cannot go from" in refused.value.messages[0]
    assert Agreement.objects.get(pk=agreement.pk).status == start


def test_executed_agreement_cannot_be_edited_until_amended():
    agreement, sfr, utopai = fifty_fifty()
    agreement = execute(agreement, sfr, utopai)
    with pytest.raises(ValidationError) as refused:
        services.agreement_update(actor=None, agreement=agreement, data={"name": "x"})
    assert "start an amendment" in refused.value.messages[0]
    services.agreement_transition(actor=None, agreement=agreement, to="amended")
    services.agreement_update(actor=None, agreement=agreement, data={"name": "Amended"})
    agreement.refresh_from_db()
    assert agreement.version == 2 and agreement.status == "amended"


def test_only_signatories_approve_and_only_once():
    agreement, sfr, _utopai = fifty_fifty()
    outsider = signatory("Other Co", "outsider")
    services.agreement_transition(actor=None, agreement=agreement, to="negotiation")
    services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    with pytest.raises(ValidationError):
        services.agreement_approve(actor=outsider, agreement=agreement, version=1)
    services.agreement_approve(actor=sfr, agreement=agreement, version=1)
    with pytest.raises(ValidationError):
        services.agreement_approve(actor=sfr, agreement=agreement, version=1)


def test_signatory_must_belong_to_the_party_company():
    agreement, sfr, _ = fifty_fifty()
    other = signatory("Third Studio", "third", role=Role.PARTNER_STUDIO,
                      kind="partner_studio")
    with pytest.raises(ValidationError):
        services.party_add(actor=None, agreement=agreement, company=other.company,
                           role="partner_studio", share_percentage=Decimal(0), signatory=sfr)


def test_documents_are_validated():
    agreement, *_ = fifty_fifty()
    with pytest.raises(ValidationError):
        services.agreement_document_add(actor=None, agreement=agreement,
                                        upload=SimpleUploadedFile("x.exe", b"MZ..."))
    with pytest.raises(ValidationError):
        services.agreement_document_add(actor=None, agreement=agreement,
                                        upload=SimpleUploadedFile("fake.pdf", b"hello"))
    with pytest.raises(ValidationError):
        services.agreement_document_add(actor=None, agreement=agreement,
                                        upload=SimpleUploadedFile("empty.pdf", b""))
    document = services.agreement_document_add(
        actor=None, agreement=agreement,
        upload=SimpleUploadedFile("contract.pdf", b"%PDF-1.7 contract"))
    assert document.agreement_version == 1 and document.file.read().startswith(b"%PDF-")


# --- the AI licensing gate ---------------------------------------------------------------

def test_model_not_in_an_executed_agreement_is_refused_with_the_reason():
    title = film("심사", 2026)
    whisper = AIModel.objects.get(sha256=WHISPER_SHA)
    with pytest.raises(ModelNotApproved) as no_agreement:
        model_use_check(title=title, sha256=WHISPER_SHA)
    assert "No co-production agreement covers" in str(no_agreement.value)

    agreement, sfr, utopai = fifty_fifty(titles=[title])
    services.agreement_update(actor=None, agreement=agreement, data={},
                              approved_models=[whisper])
    with pytest.raises(ModelNotApproved) as not_executed:
        model_use_check(title=title, sha256=WHISPER_SHA)
    assert "no executed agreement" in str(not_executed.value)

    execute(agreement, sfr, utopai)
    clearance = model_use_check(title=title, sha256=WHISPER_SHA)
    assert clearance.model == whisper and clearance.agreement_version == 1


def test_unknown_checksum_and_unapproved_model_are_refused():
    title = film("심사2", 2026)
    agreement, sfr, utopai = fifty_fifty(titles=[title])
    execute(agreement, sfr, utopai)
    with pytest.raises(ModelNotApproved) as unknown:
        model_use_check(title=title, sha256="0" * 64)
    assert "not in the AI model registry" in str(unknown.value)
    with pytest.raises(ModelNotApproved) as not_listed:
        model_use_check(title=title, sha256=WHISPER_SHA)
    assert "is not approved for" in str(not_listed.value)


def test_series_agreement_clears_its_episodes_and_voices_need_consent():
    series = film("시리즈물", 2026)
    series.kind = "series"
    series.save()
    episode = services_title_episode(series)
    voice = AIModel.objects.create(name="voice", version="1", kind="tts", licence="x",
                                   source="y", sha256="a" * 64)
    agreement, sfr, utopai = fifty_fifty(titles=[series])
    services.agreement_update(actor=None, agreement=agreement, data={},
                              approved_models=list(AIModel.objects.filter(sha256=WHISPER_SHA))
                              + [voice])
    execute(agreement, sfr, utopai)
    assert model_use_check(title=episode, sha256=WHISPER_SHA).agreement == agreement
    with pytest.raises(ModelNotApproved) as no_consent:
        model_use_check(title=episode, sha256="a" * 64)
    assert "consent" in str(no_consent.value)


def services_title_episode(series):
    from coprod.catalog import services as catalog_services

    return catalog_services.title_create(actor=None, data={
        "kind": "episode", "parent": series, "number": 1, "original_title": "1화",
        "romanized_title": "Ep 1", "year": 2026})


def test_terminated_agreement_no_longer_clears_a_model():
    title = film("종료", 2026)
    agreement, sfr, utopai = fifty_fifty(titles=[title])
    services.agreement_update(actor=None, agreement=agreement, data={},
                              approved_models=AIModel.objects.filter(sha256=WHISPER_SHA))
    execute(agreement, sfr, utopai)
    services.agreement_transition(actor=None, agreement=agreement, to="terminated")
    with pytest.raises(ModelNotApproved):
        model_use_check(title=title, sha256=WHISPER_SHA)


# --- the browser flow ------------------------------------------------------------------------

def test_rights_manager_drafts_partners_approve_edit_withdraws_reapproval_executes(client):
    from coprod.accounts.services import user_create

    manager = user_create(username="rm", password="pw-long-enough", role=Role.RIGHTS_MANAGER)
    title = film("브라우저", 2026)
    sfr = signatory("SFR", "sfr-sign")
    utopai = signatory("Utopai Studios", "utopai-sign")
    client.force_login(manager)
    response = client.post(reverse("agreements:create"), {
        "reference": "JV-1", "name": "Slate", "currency": "KRW", "titles": [title.pk],
        "territory_expression": "JP TH", "notes": ""})
    assert response.status_code == 302
    agreement = Agreement.objects.get(reference="JV-1")
    for user in (sfr, utopai):
        client.post(reverse("agreements:add", args=[agreement.pk, "party"]), {
            "company": user.company.pk, "role": "venture_partner", "share_percentage": "50",
            "signatory": user.pk})
    assert agreement.parties.count() == 2
    client.post(reverse("agreements:transition", args=[agreement.pk]), {"to": "negotiation"})
    client.post(reverse("agreements:transition", args=[agreement.pk]),
                {"to": "awaiting_approvals"})
    agreement.refresh_from_db()
    assert agreement.status == "awaiting_approvals"

    for user in (sfr,):
        client.force_login(user)
        client.post(reverse("agreements:approve", args=[agreement.pk]), {"version": 1})
    client.force_login(manager)
    client.post(reverse("agreements:edit", args=[agreement.pk]), {
        "reference": "JV-1", "name": "Slate (revised)", "currency": "KRW",
        "titles": [title.pk], "territory_expression": "JP TH", "notes": ""})
    agreement.refresh_from_db()
    assert agreement.version == 2
    page = client.get(agreement.get_absolute_url() + "?tab=approvals").content.decode()
    assert page.count('class="pending"') == 2
    for user in (sfr, utopai):
        client.force_login(user)
        client.post(reverse("agreements:approve", args=[agreement.pk]), {"version": 2})
    agreement.refresh_from_db()
    assert agreement.status == "executed"
    client.force_login(manager)
    page = client.get(agreement.get_absolute_url() + "?tab=versions").content.decode()
    assert 'class="changed"' in page and "Slate (revised)" in page
    history = client.get(agreement.get_absolute_url() + "?tab=history").content.decode()
    for action in ("agreement.created", "agreement.party_added", "agreement.approved",
                   "agreement.approvals_withdrawn", "agreement.executed"):
        assert action in history
    assert "Agreement executed" in history and "Approvals withdrawn" in history


def test_non_signatory_cannot_approve_through_the_page(client):
    agreement, *_ = fifty_fifty()
    outsider = signatory("Elsewhere", "elsewhere")
    client.force_login(outsider)
    response = client.post(reverse("agreements:approve", args=[agreement.pk]), {"version": 1})
    assert response.status_code == 403


def test_terms_broken_after_submission_cannot_be_approved():
    agreement, sfr, utopai = fifty_fifty()
    services.agreement_transition(actor=None, agreement=agreement, to="negotiation")
    services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    party = agreement.parties.get(company=sfr.company)
    services.party_update(actor=None, party=party, share_percentage=Decimal("30"))
    agreement.refresh_from_db()
    for user in (sfr, utopai):
        with pytest.raises(ValidationError) as refused:
            services.agreement_approve(actor=user, agreement=agreement,
                                       version=agreement.version)
        assert "must total exactly 100%" in refused.value.messages[0]
    agreement.refresh_from_db()
    assert agreement.status == "awaiting_approvals"


def test_a_title_added_in_an_unapproved_amendment_is_not_cleared():
    covered, added = film("원래", 2026), film("추가", 2026)
    whisper = AIModel.objects.get(sha256=WHISPER_SHA)
    agreement, sfr, utopai = fifty_fifty(titles=[covered])
    services.agreement_update(actor=None, agreement=agreement, data={},
                              approved_models=[whisper])
    execute(agreement, sfr, utopai)
    services.agreement_transition(actor=None, agreement=agreement, to="amended")
    services.agreement_update(actor=None, agreement=agreement, data={},
                              titles=[covered, added])
    assert model_use_check(title=covered, sha256=WHISPER_SHA).agreement == agreement
    with pytest.raises(ModelNotApproved):
        model_use_check(title=added, sha256=WHISPER_SHA)
