"""``Idempotency-Key`` on POSTs (the IETF httpapi draft): a client that retries a POST
with the same key gets the first answer again, marked ``Idempotent-Replayed: true``,
instead of the work being done twice (an approval recorded twice, two jobs created).

Keys are per user and kept for ``API_IDEMPOTENCY_HOURS``. The same key with another
request (method, address or body) is refused with 422; while the first request is still
running, a retry gets 409. Answers of 500 and above are not kept, so a retry after a
server error runs again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from coprod.api.models import IdempotencyRecord
from coprod.api.problems import problem_response

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Headers of the first answer that a replay repeats.
KEPT_HEADERS = ("Location", "ETag")


def _fingerprint(request) -> str:
    """The request's method, address and body as parsed (keys sorted), so the same JSON
    written another way is the same request. Reading a body that cannot be parsed raises
    DRF's own 400 or 415, before any key is reserved."""
    body = json.dumps(request.data, cls=JSONEncoder, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path(), body):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _key_problem(request, key: str):
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        return problem_response(request, "malformed-request", detail=_(
            "An Idempotency-Key is 1 to %(length)d printable ASCII characters, e.g. a UUID.")
            % {"length": MAX_KEY_LENGTH})
    return None


def _replay(record: IdempotencyRecord) -> Response:
    headers = dict(record.response_headers)
    content_type = headers.pop("Content-Type", None)
    return Response(record.response_body, status=record.status_code,
                    content_type=content_type, headers={**headers, "Idempotent-Replayed": "true"})


def _stored(response) -> tuple[object, dict]:
    """The answer's body as JSON and the headers a replay repeats."""
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    if isinstance(response, Response):
        return json.loads(json.dumps(response.data, cls=JSONEncoder)), headers
    # A problem (application/problem+json), answered without DRF's renderers.
    headers["Content-Type"] = response["Content-Type"]
    return json.loads(response.content or b"null"), headers


def idempotent(handler):
    """Decorate a POST handler of a DRF view: with an ``Idempotency-Key`` header the
    request runs once per key and user; without one it simply runs."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        refusal = _key_problem(request, key)
        if refusal is not None:
            return refusal
        user = request.user
        fingerprint = _fingerprint(request)
        IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - dt.timedelta(
            hours=settings.API_IDEMPOTENCY_HOURS)).delete()
        try:
            # Reserved in its own transaction, so that a retry arriving while the first
            # request runs finds the reservation (and waits for nothing).
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, method=request.method,
                    path=request.get_full_path()[:500], fingerprint=fingerprint)
        except IntegrityError:
            record = IdempotencyRecord.objects.get(user=user, key=key)
            if record.fingerprint != fingerprint:
                return problem_response(request, "idempotency-key-reused", detail=_(
                    "This Idempotency-Key was first used for %(method)s %(path)s with "
                    "another body.") % {"method": record.method, "path": record.path})
            if record.status_code is None:
                return problem_response(request, "idempotency-key-in-use")
            return _replay(record)
        try:
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as error:
                # An error the view turns into an answer (a validation error, a refusal)
                # is an answer like any other: kept, so that the retry gets it too.
                response = view.handle_exception(error)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500:
            record.delete()
            return response
        body, headers = _stored(response)
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            status_code=response.status_code, response_body=body, response_headers=headers)
        return response

    wrapper.honours_idempotency_key = True  # read by the schema (coprod.api.schema)
    return wrapper
