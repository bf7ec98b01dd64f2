"""A signatory approves through the API exactly as on the agreement page (the same
service: the agreement is executed once every party has approved), and POSTs honour
``Idempotency-Key``: a retry gets the first answer, the work is done once."""

import pytest
from django.urls import reverse

from coprod.agreements import services
from coprod.agreements.models import Agreement, Approval
from coprod.api.models import IdempotencyRecord
from coprod.audit.models import Event
from coprod.catalog.models import Title
from tests.api.conftest import client_with, problem, token_for
from tests.coprod.agreement_helpers import fifty_fifty

pytestmark = pytest.mark.django_db


def submitted(agreement=None, sfr=None, utopai=None):
    if agreement is None:
        agreement, sfr, utopai = fifty_fifty()
    services.agreement_transition(actor=None, agreement=agreement, to="negotiation")
    services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    agreement.refresh_from_db()
    return agreement, sfr, utopai


def approve(user, agreement, version=None, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client_with(token_for(user)).post(
        f"/api/v1/agreements/{agreement.pk}/approve/",
        {"version": agreement.version if version is None else version}, format="json",
        **headers)


def outcome(agreement: Agreement) -> dict:
    agreement.refresh_from_db()
    return {
        "status": agreement.status,
        "approvals": sorted(agreement.approvals.values_list("party__company__name", "version")),
        "executed": list(agreement.versions.values_list("number", flat=True)
                         .filter(executed_at__isnull=False)),
        "events": sorted(Event.objects.filter(agreement=agreement, action__in=[
            Event.Action.AGREEMENT_APPROVED, Event.Action.AGREEMENT_EXECUTED])
            .values_list("action", flat=True)),
    }


def test_approving_through_the_api_executes_the_agreement_like_the_page(client):
    agreement, sfr, utopai = submitted()
    first = approve(sfr, agreement)
    assert first.status_code == 201, first.content
    assert first.json()["agreement"]["status"] == "awaiting_approvals"
    assert first.json()["approval"]["company"] == "SFR"
    second = approve(utopai, agreement)
    assert second.status_code == 201
    assert second.json()["agreement"]["status"] == "executed"
    through_api = outcome(agreement)
    assert through_api["status"] == Agreement.Status.EXECUTED
    assert through_api["executed"] == [agreement.version]
    # The same agreement approved on the page ends in the same state, with the same events.
    page_agreement = services.agreement_create(actor=None, reference="JV-PAGE", name="Page",
                                               currency="KRW")
    for party in agreement.parties.all():
        services.party_add(actor=None, agreement=page_agreement, company=party.company,
                           role=party.role, share_percentage=party.share_percentage,
                           signatory=party.signatory)
    page_agreement, _sfr, _utopai = submitted(page_agreement, sfr, utopai)
    for user in (sfr, utopai):
        client.force_login(user)
        response = client.post(reverse("agreements:approve", args=[page_agreement.pk]),
                               {"version": page_agreement.version})
        assert response.status_code == 302
    assert outcome(page_agreement) == through_api


def test_approval_refusals_are_problems(make_user):
    agreement, sfr, _utopai = submitted()
    stale = approve(sfr, agreement, version=agreement.version + 1)
    assert stale.status_code == 409
    assert "version" in problem(stale)["detail"]
    outsider = make_user("rights_manager")
    refused = approve(outsider, agreement)
    assert refused.status_code == 403
    assert "signatory" in problem(refused)["detail"]
    assert approve(sfr, agreement).status_code == 201
    again = approve(sfr, agreement)
    assert again.status_code == 409
    assert "already approved" in problem(again)["detail"]
    shape = approve(sfr, agreement, version="one")
    assert problem(shape)["errors"] == [{"detail": "A valid integer is required.",
                                         "pointer": "#/version"}]
    assert Approval.objects.filter(agreement=agreement).count() == 1


def test_a_retried_approval_with_the_same_key_is_answered_from_the_first(make_user):
    agreement, sfr, utopai = submitted()
    client = client_with(token_for(sfr))
    path = f"/api/v1/agreements/{agreement.pk}/approve/"
    body = {"version": agreement.version}
    first = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="approve-1")
    retry = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="approve-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Approval.objects.filter(agreement=agreement).count() == 1
    # Without the key, the retry is a new request, refused as such.
    assert client.post(path, body, format="json").status_code == 409
    # The same key with another body is refused; another user's key is their own.
    reused = client.post(path, {"version": 99}, format="json", HTTP_IDEMPOTENCY_KEY="approve-1")
    assert reused.status_code == 422
    assert problem(reused)["type"] == "/api/problems/idempotency-key-reused"
    other = client_with(token_for(utopai)).post(path, body, format="json",
                                                 HTTP_IDEMPOTENCY_KEY="approve-1")
    assert other.status_code == 201
    assert other.json()["agreement"]["status"] == "executed"


def test_a_refusal_is_kept_for_the_key_too_and_replayed_as_a_problem(make_user):
    agreement, sfr, _utopai = submitted()
    client = client_with(token_for(sfr))
    path = f"/api/v1/agreements/{agreement.pk}/approve/"
    stale = {"version": agreement.version + 5}
    first = client.post(path, stale, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    retry = client.post(path, stale, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert first.status_code == retry.status_code == 409
    assert problem(retry) == problem(first)
    assert retry["Idempotent-Replayed"] == "true"


def test_a_key_still_running_answers_409_and_bad_keys_400(make_user):
    user = make_user("rights_manager")
    client = client_with(token_for(user))
    IdempotencyRecord.objects.create(user=user, key="busy", method="POST",
                                     path="/api/v1/titles/", fingerprint="x")
    busy = client.post("/api/v1/titles/", {}, format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert busy.status_code == 422  # another body than the running one
    record = IdempotencyRecord.objects.get(key="busy")
    from coprod.api.idempotency import _fingerprint

    class Same:  # the request about to be sent, as the fingerprint reads it
        method = "POST"
        data = {}

        def get_full_path(self):
            return "/api/v1/titles/"

    record.fingerprint = _fingerprint(Same())
    record.save()
    running = client.post("/api/v1/titles/", {}, format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert running.status_code == 409
    assert problem(running)["type"] == "/api/problems/idempotency-key-in-use"
    too_long = client.post("/api/v1/titles/", {}, format="json",
                           HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert problem(too_long)["type"] == "/api/problems/malformed-request"


def test_a_retried_title_creation_makes_one_title(make_user):
    client = client_with(token_for(make_user("rights_manager")))
    body = {"kind": "film", "original_title": "한 번", "romanized_title": "Han beon",
            "year": 2026}
    answers = [client.post("/api/v1/titles/", body, format="json",
                           HTTP_IDEMPOTENCY_KEY="3f1c0d2e-create") for _ in range(3)]
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert answers[2]["Location"] == answers[0]["Location"]
    assert Title.objects.filter(original_title="한 번").count() == 1


def test_a_browser_session_retries_with_a_key_too(make_user):
    from django.test import Client

    user = make_user("rights_manager")
    browser = Client()
    browser.force_login(user)
    body = '{"kind": "film", "original_title": "세션", "romanized_title": "Session", "year": 2026}'
    same = '{"year": 2026, "romanized_title": "Session", "original_title": "세션", "kind": "film"}'
    first = browser.post("/api/v1/titles/", body, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="session-1")
    retry = browser.post("/api/v1/titles/", same, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="session-1")
    assert first.status_code == retry.status_code == 201, first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert Title.objects.filter(original_title="세션").count() == 1
    malformed = browser.post("/api/v1/titles/", "{", content_type="application/json",
                             HTTP_IDEMPOTENCY_KEY="session-2")
    assert problem(malformed)["type"] == "/api/problems/malformed-request"
    assert not IdempotencyRecord.objects.filter(key="session-2").exists()
