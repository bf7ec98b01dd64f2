"""Signed webhooks: business events sent to the endpoints partners register.

``webhook_emit`` (called once a transaction has committed, from the agreements' services)
writes one ``WebhookDelivery`` per subscribed active endpoint of the companies concerned
and queues its sending (``coprod.api.tasks.webhook_deliver``, on the ``default`` queue).
Each attempt POSTs the JSON payload with the headers::

    Webhook-Id: <the event's id; the same on every retry and replay>
    Webhook-Timestamp: <Unix time of the attempt>
    Webhook-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{body}" with the secret>

A non-2xx answer or a network error is retried with an exponential backoff
(``RETRY_DELAYS``), ``MAX_ATTEMPTS`` attempts in all, each logged on the delivery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpx
from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coprod.api.models import WebhookDelivery, WebhookEndpoint

SIGNATURE_VERSION = "v1"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the visible start of every secret, not a secret)
TIMEOUT_SECONDS = 10
BODY_EXCERPT = 2048
# Seconds to wait before the 2nd, 3rd, ... attempt: 1 min, 5 min, 30 min, 2 h, 6 h.
RETRY_DELAYS = (60, 300, 1800, 7200, 21600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
USER_AGENT = "KIP-Webhooks/1"
EVENTS = WebhookEndpoint.Event


def webhook_secret() -> str:
    return SECRET_PREFIX + secrets.token_hex(32)


def webhook_signature(secret: str, timestamp: int | str, body: bytes | str) -> str:
    """The hex HMAC-SHA256 of ``"{timestamp}.{body}"`` with ``secret``."""
    body = body.encode() if isinstance(body, str) else body
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_verify(secret: str, header: str, timestamp: int | str, body: bytes | str,
                   tolerance: int = 300, *, now: float | None = None) -> bool:
    """Whether ``header`` (``Webhook-Signature``: ``v1=<hex>``, several separated by
    spaces or commas while a secret is rotated) signs ``body`` at ``timestamp`` with
    ``secret``, and the timestamp is within ``tolerance`` seconds of now (no replays of old
    requests)."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    expected = webhook_signature(secret, sent, body)
    for part in (header or "").replace(",", " ").split():
        version, _, signature = part.partition("=")
        if version == SIGNATURE_VERSION and hmac.compare_digest(signature, expected):
            return True
    return False


def webhook_body(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


WEBHOOK_DELIVER = "coprod.api.tasks.webhook_deliver"


@shared_task(name=WEBHOOK_DELIVER, acks_late=True, ignore_result=True)
def webhook_deliver(delivery_id: int) -> None:
    """One attempt at a webhook delivery; a failure schedules the next attempt with the
    backoff of ``RETRY_DELAYS``. (Defined here and named as ``coprod.api.tasks``, which
    re-exports it and routes it to the ``default`` queue.)"""
    retry_in = webhook_attempt(delivery_id)
    if retry_in is not None:
        webhook_deliver.apply_async(args=[delivery_id], countdown=retry_in)


def _enqueue_on_commit(delivery_id: int) -> None:
    transaction.on_commit(lambda: webhook_deliver.apply_async(args=[delivery_id]), robust=True)


def webhook_emit(event: str, *, companies: Iterable, payload: dict) -> list[WebhookDelivery]:
    """Send ``event`` to every active endpoint of ``companies`` (ids or companies) that
    subscribed to it. ``payload`` is the event's ``data``; each company gets its own event
    id. Returns the deliveries written (their sending is queued)."""
    event = EVENTS(event).value
    company_ids = {getattr(company, "pk", company) for company in companies}
    deliveries = []
    with transaction.atomic():
        endpoints = WebhookEndpoint.objects.filter(
            company_id__in=company_ids, active=True, events__contains=[event]).order_by("id")
        ids = {company_id: f"evt_{uuid.uuid4().hex}" for company_id in company_ids}
        created = timezone.now().isoformat()
        for endpoint in endpoints:
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint, event=event,
                payload={"id": ids[endpoint.company_id], "event": event, "created": created,
                         "data": payload})
            _enqueue_on_commit(delivery.pk)
            deliveries.append(delivery)
    return deliveries


def webhook_replay(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery (same payload and event id, so a
    receiver that already has it can tell)."""
    with transaction.atomic():
        replay = WebhookDelivery.objects.create(endpoint=delivery.endpoint, event=delivery.event,
                                                payload=delivery.payload, replay_of=delivery)
        _enqueue_on_commit(replay.pk)
    return replay


def webhook_address_problem(url: str) -> str | None:
    """Why the platform will not call ``url``, or None. An endpoint may not point inside
    the platform's own network (loopback, private, link-local or reserved addresses, which
    would let a partner reach internal services); checked when it is registered and again
    at every attempt, since a name may resolve elsewhere later. WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    lifts the rule (tests, a private deployment)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("A webhook address is an http or https address with a host name.")
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False):
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return _("The host %(host)s cannot be resolved.") % {"host": parts.hostname}
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            return _("%(host)s resolves to %(address)s, an address inside a private network; "
                     "webhooks are only sent to public addresses.") % {
                "host": parts.hostname, "address": address}
    return None


def webhook_attempt(delivery_id: int) -> int | None:
    """Make one attempt at sending the delivery, logged on it. Returns the seconds after
    which to try again, or None (delivered, retries spent, or nothing to do)."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == WebhookDelivery.Status.DELIVERED \
            or delivery.attempts >= MAX_ATTEMPTS:
        return None
    endpoint = delivery.endpoint
    body = webhook_body(delivery.payload)
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "Webhook-Id": str(delivery.payload.get("id", delivery.pk)),
               "Webhook-Timestamp": str(timestamp),
               "Webhook-Signature": f"{SIGNATURE_VERSION}="
                                    f"{webhook_signature(endpoint.secret, timestamp, body)}"}
    status_code, excerpt, error = None, "", ""
    refused = webhook_address_problem(endpoint.url)
    if refused:
        error = str(refused)[:BODY_EXCERPT]
    else:
        try:
            response = httpx.post(endpoint.url, content=body, headers=headers,
                                  timeout=TIMEOUT_SECONDS, follow_redirects=False)
            status_code, excerpt = response.status_code, response.text[:BODY_EXCERPT]
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:BODY_EXCERPT]
    now = timezone.now()
    attempt = delivery.attempts + 1
    ok = not error
    retry_in = None if ok or attempt >= MAX_ATTEMPTS else RETRY_DELAYS[attempt - 1]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempt, response_status_code=status_code, response_body=excerpt,
        error=error, updated_at=now,
        status=WebhookDelivery.Status.DELIVERED if ok else WebhookDelivery.Status.FAILED,
        delivered_at=now if ok else None,
        next_attempt_at=now + dt.timedelta(seconds=retry_in) if retry_in else None,
        attempt_log=[*delivery.attempt_log, {
            "attempt": attempt, "at": now.isoformat(), "timestamp": timestamp,
            "outcome": "delivered" if ok else "failed", "status_code": status_code,
            "error": error}])
    return retry_in


def party_companies(agreement) -> list[int]:
    """The companies of an agreement's parties (for the events sent to each of them)."""
    return list(agreement.parties.values_list("company_id", flat=True).distinct())


def agreement_data(agreement, **extra) -> dict:
    return {"agreement": {"id": agreement.pk, "reference": agreement.reference,
                          "name": agreement.name, "status": agreement.status,
                          "version": agreement.version}, **extra}


def statement_data(record) -> dict:
    return agreement_data(record.agreement, statement={
        "id": record.pk, "number": record.number, "period": record.period,
        "currency": record.currency, "terms_version": record.terms_version})


def webhook_endpoint_create(*, actor, url: str, events: Iterable[str],
                            active: bool = True) -> WebhookEndpoint:
    """Register ``url`` for ``events`` for the actor's company, with a new secret (on the
    returned endpoint; shown once)."""
    if not actor.company_id:
        raise ValidationError(_("Your account belongs to no company; webhooks are "
                                "registered for a company."))
    problem = webhook_address_problem(url)
    if problem:
        raise ValidationError(problem)
    return WebhookEndpoint.objects.create(
        company_id=actor.company_id, url=url, events=sorted({EVENTS(e).value for e in events}),
        active=active, secret=webhook_secret(), created_by=actor)
