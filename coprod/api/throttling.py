"""Rate limits per token: reads and writes each have their own budget
(``API_THROTTLE_RATES``, e.g. ``{"read": "600/min", "write": "60/min"}``, and
``upload`` for the pieces of resumable uploads); a browser
session counts as one token of its user. Counts live in Django's cache (``CACHE_URL``):
shared by every worker with Redis, per process with the default local memory."""

from __future__ import annotations

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from coprod.api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """DRF's scoped throttle with the scope taken from the method (``read`` or
    ``write``) and the identity from the token. The rates are read at each request, so a
    changed setting applies at once."""

    cache_format = "api-throttle:%(scope)s:%(ident)s"

    def __init__(self):  # the rate depends on the request: see allow_request
        pass

    def allow_request(self, request, view) -> bool:
        # A view may count its writes apart (``throttle_write_scope``: the upload pieces).
        self.scope = "read" if request.method in SAFE_METHODS else getattr(
            view, "throttle_write_scope", "write")
        self.rate = settings.API_THROTTLE_RATES.get(self.scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"session-{request.user.pk}"
        else:
            return None  # refused as unauthenticated before any work is done
        return self.cache_format % {"scope": self.scope, "ident": ident}
