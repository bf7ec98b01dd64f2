"""Signed webhooks: a real local receiver gets a signed POST, a failure is logged and
retried with backoff, business events reach each party's subscribed endpoints, and a
partner never reaches another company's endpoints or deliveries."""

import json
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from coprod.accounts.roles import Role
from coprod.agreements import services as agreement_services
from coprod.agreements.statements import statement_issue
from coprod.api import tasks
from coprod.api.models import WebhookDelivery, WebhookEndpoint
from coprod.api.webhooks import (
    RETRY_DELAYS,
    webhook_attempt,
    webhook_emit,
    webhook_endpoint_create,
    webhook_signature,
    webhook_verify,
)
from tests.api.conftest import client_with, problem, token_for
from tests.coprod.agreement_helpers import fifty_fifty
from tests.coprod.portal.test_portal_and_statements import partner_agreement
from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db

EVENTS = ["agreement.awaiting_approval", "agreement.executed", "statement.issued"]


@pytest.fixture
def receiver():
    """An HTTP server on 127.0.0.1 that records each request (headers, body) in a queue
    and answers 500 to the first, 200 to the others."""
    received: queue.Queue = queue.Queue()
    answered = {"count": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            answered["count"] += 1
            code = 500 if answered["count"] == 1 else 200
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"boom" if code == 500 else b"ok")
            received.put((dict(self.headers), body))

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def queued(monkeypatch):
    """The task's queueing, recorded instead of run (the tests run it themselves)."""
    calls = []
    monkeypatch.setattr(tasks.webhook_deliver, "apply_async",
                        lambda args, countdown=None: calls.append((args[0], countdown)))
    return calls


def partner(company_name: str, username: str):
    return UserFactory(username=username, role=Role.PARTNER_STUDIO,
                       company=CompanyFactory(name=company_name))


def test_a_delivery_is_signed_retried_after_a_500_and_then_delivered(receiver, queued,
                                                                     django_capture_on_commit_callbacks):
    url, received = receiver
    user = partner("Studio A", "studio-a")
    endpoint = webhook_endpoint_create(actor=user, url=url, events=["statement.issued"])
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_emit("statement.issued", companies=[user.company],
                                  payload={"agreement": {"id": 1}})
    assert queued == [(delivery.pk, None)]

    tasks.webhook_deliver.run(delivery.pk)  # the task's own function, no broker
    headers, body = received.get(timeout=10)
    assert webhook_verify(endpoint.secret, headers["Webhook-Signature"],
                          headers["Webhook-Timestamp"], body)
    assert headers["Webhook-Signature"] == "v1=" + webhook_signature(
        endpoint.secret, headers["Webhook-Timestamp"], body)
    sent = json.loads(body)
    assert headers["Webhook-Id"] == sent["id"] == delivery.payload["id"]
    assert sent["event"] == "statement.issued" and sent["data"] == {"agreement": {"id": 1}}
    assert {"id", "event", "created", "data"} == sent.keys()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert (delivery.attempts, delivery.response_status_code) == (1, 500)
    assert delivery.response_body == "boom" and delivery.next_attempt_at is not None
    assert delivery.attempt_log[0]["outcome"] == "failed"
    assert delivery.attempt_log[0]["status_code"] == 500
    assert queued[-1] == (delivery.pk, RETRY_DELAYS[0])  # the retry, in a minute

    tasks.webhook_deliver.run(delivery.pk)
    headers_2, body_2 = received.get(timeout=10)
    assert body_2 == body and headers_2["Webhook-Id"] == headers["Webhook-Id"]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert (delivery.attempts, delivery.response_status_code) == (2, 200)
    assert delivery.next_attempt_at is None and delivery.delivered_at is not None
    assert [entry["outcome"] for entry in delivery.attempt_log] == ["failed", "delivered"]
    assert len(queued) == 2  # no retry after the success


def test_a_network_error_is_logged_and_retried_until_the_attempts_are_spent(queued):
    user = partner("Studio A", "studio-a")
    webhook_endpoint_create(actor=user, url="http://127.0.0.1:9/nothing-listens",
                            events=["agreement.executed"])
    [delivery] = webhook_emit("agreement.executed", companies=[user.company.pk], payload={})
    for _attempt in range(len(RETRY_DELAYS) + 2):
        tasks.webhook_deliver.run(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == len(RETRY_DELAYS) + 1 and delivery.next_attempt_at is None
    assert delivery.error and delivery.response_status_code is None
    assert [countdown for _id, countdown in queued] == list(RETRY_DELAYS)


def test_a_tampered_body_or_an_old_timestamp_fails_verification():
    secret, body, now = "whsec_test", b'{"id":"evt_1","amount":"100"}', int(time.time())
    header = f"v1={webhook_signature(secret, now, body)}"
    assert webhook_verify(secret, header, now, body)
    assert not webhook_verify(secret, header, now, body.replace(b"100", b"900"))
    assert not webhook_verify("whsec_other", header, now, body)
    assert not webhook_verify(secret, header, now - 301, body, now=now - 301 + 602)
    assert not webhook_verify(secret, "v0=" + header[3:], now, body)


def test_issuing_a_statement_emits_one_delivery_per_subscribed_party_endpoint(
        queued, django_capture_on_commit_callbacks):
    agreement, studio, _title = partner_agreement("Studio A", "studio-a", "AGR-A", issue=False)
    sfr = agreement.parties.get(role="venture_partner").signatory
    subscribed = [webhook_endpoint_create(actor=user, url="https://example.com/hooks",
                                          events=["statement.issued"]) for user in (sfr, studio)]
    webhook_endpoint_create(actor=studio, url="https://example.com/other",
                            events=["agreement.executed"])
    inactive = webhook_endpoint_create(actor=studio, url="https://example.com/off",
                                       events=["statement.issued"])
    inactive.active = False
    inactive.save()
    outsider = partner("Studio Z", "studio-z")
    webhook_endpoint_create(actor=outsider, url="https://example.com/z",
                            events=["statement.issued"])
    with django_capture_on_commit_callbacks(execute=True):
        record = statement_issue(actor=None, agreement=agreement, period="2026-Q1")
    deliveries = WebhookDelivery.objects.order_by("endpoint_id")
    assert [delivery.endpoint for delivery in deliveries] == subscribed
    assert {delivery.event for delivery in deliveries} == {"statement.issued"}
    data = deliveries[0].payload["data"]
    assert data["agreement"]["reference"] == "AGR-A"
    assert data["statement"] == {"id": record.pk, "number": 1, "period": "2026-Q1",
                                 "currency": "KRW", "terms_version": record.terms_version}
    assert sorted(pk for pk, _countdown in queued) == sorted(d.pk for d in deliveries)


def test_submitting_and_executing_an_agreement_notify_each_party(
        queued, django_capture_on_commit_callbacks):
    agreement, sfr, utopai = fifty_fifty()
    for user in (sfr, utopai):
        webhook_endpoint_create(actor=user, url="https://example.com/hooks", events=EVENTS)
    with django_capture_on_commit_callbacks(execute=True):
        agreement_services.agreement_transition(actor=None, agreement=agreement,
                                                to="negotiation")
        agreement_services.agreement_transition(actor=None, agreement=agreement,
                                                to="awaiting_approvals")
    assert sorted(WebhookDelivery.objects.values_list("endpoint__company", "event")) == sorted(
        (user.company_id, "agreement.awaiting_approval") for user in (sfr, utopai))
    agreement.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        for user in (sfr, utopai):
            agreement_services.agreement_approve(actor=user, agreement=agreement,
                                                 version=agreement.version)
    executed = WebhookDelivery.objects.filter(event="agreement.executed")
    assert sorted(executed.values_list("endpoint__company", flat=True)) == sorted(
        [sfr.company_id, utopai.company_id])
    assert executed[0].payload["data"]["agreement"]["status"] == "executed"


def test_a_partner_registers_lists_and_removes_its_own_endpoints(queued):
    user = partner("Studio A", "studio-a")
    client = client_with(token_for(user))
    created = client.post("/api/v1/webhooks/", {"url": "https://a.example.com/hooks",
                                                "events": ["statement.issued"]}, format="json")
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    endpoint = WebhookEndpoint.objects.get()
    assert secret.startswith("whsec_") and endpoint.secret == secret
    assert endpoint.company == user.company and endpoint.created_by == user
    listed = client.get("/api/v1/webhooks/").json()["results"]
    assert [item["id"] for item in listed] == [endpoint.pk]
    assert "secret" not in listed[0]
    assert secret not in client.get("/api/v1/webhooks/").content.decode()
    refused = client.post("/api/v1/webhooks/", {"url": "ftp://x.example.com", "events": []},
                          format="json")
    assert problem(refused)["status"] == 400
    translator = client_with(token_for(UserFactory(role=Role.TRANSLATOR)))
    assert problem(translator.get("/api/v1/webhooks/"))["status"] == 403
    assert client.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_partner_a_cannot_reach_partner_b_endpoints_or_deliveries(
        queued, django_capture_on_commit_callbacks):
    a, b = partner("Studio A", "studio-a"), partner("Studio B", "studio-b")
    own = webhook_endpoint_create(actor=a, url="https://a.example.com/hooks", events=EVENTS)
    theirs = webhook_endpoint_create(actor=b, url="https://b.example.com/hooks", events=EVENTS)
    [own_delivery] = webhook_emit("agreement.executed", companies=[a.company], payload={})
    [their_delivery] = webhook_emit("agreement.executed", companies=[b.company], payload={})
    client = client_with(token_for(a))

    listed = client.get("/api/v1/webhooks/")
    assert [item["id"] for item in listed.json()["results"]] == [own.pk]
    assert "b.example.com" not in listed.content.decode()
    for response in (client.get(f"/api/v1/webhooks/{theirs.pk}/"),
                     client.get(f"/api/v1/webhooks/{theirs.pk}/deliveries/"),
                     client.post(f"/api/v1/webhook-deliveries/{their_delivery.pk}/replay/"),
                     client.delete(f"/api/v1/webhooks/{theirs.pk}/")):
        assert problem(response)["status"] == 404
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()
    assert WebhookDelivery.objects.filter(endpoint=theirs).count() == 1

    # Its own: the deliveries, and a replay (a new delivery of the same event, queued).
    deliveries = client.get(f"/api/v1/webhooks/{own.pk}/deliveries/").json()["results"]
    assert [item["id"] for item in deliveries] == [own_delivery.pk]
    with django_capture_on_commit_callbacks(execute=True):
        replayed = client.post(f"/api/v1/webhook-deliveries/{own_delivery.pk}/replay/")
    assert replayed.status_code == 202, replayed.content
    replay = WebhookDelivery.objects.get(pk=replayed.json()["id"])
    assert replay.replay_of == own_delivery and replay.payload == own_delivery.payload
    assert (replay.pk, None) in queued


def test_webhooks_are_never_sent_inside_the_platforms_network(queued, settings):
    """No endpoint may reach loopback, private or link-local addresses (a partner must not
    use the platform to probe its internal services): refused when registered and again
    at every attempt."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    user = partner("Studio P", "studio-p")
    client = client_with(token_for(user))
    for address in ("http://127.0.0.1:8000/hook", "http://10.1.2.3/hook",
                    "http://169.254.169.254/latest/meta-data", "http://[::1]/hook"):
        refused = client.post("/api/v1/webhooks/", {"url": address,
                                                    "events": ["statement.issued"]},
                              format="json")
        assert problem(refused)["status"] == 400, address
        assert "private network" in refused.content.decode(), address
    assert not WebhookEndpoint.objects.exists()
    # An endpoint registered while allowed (or whose name now resolves inside) is refused
    # at the attempt, without any request being made, and logged.
    endpoint = WebhookEndpoint.objects.create(company=user.company, url="http://10.0.0.7/x",
                                              events=["statement.issued"], secret="whsec_x",
                                              created_by=user)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="statement.issued",
                                              payload={"id": "evt_1"})
    retry_in = webhook_attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED and retry_in is not None
    assert "private network" in delivery.error and delivery.response_status_code is None
