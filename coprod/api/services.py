"""Writes for the API: creating, revoking and using tokens, each creation and revocation an
audit event."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coprod.accounts.models import User
from coprod.api.models import ApiToken
from coprod.audit.models import Event
from coprod.audit.services import event_record

TOKEN_PREFIX = "kip_"  # noqa: S105 (the visible start of every token, not a secret)
# Eight hex digits after ``kip_`` find the row; the 64 after them (256 bits) are the secret.
PREFIX_LENGTH = 8


def secret_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``token`` is the only copy of the secret, shown once."""

    record: ApiToken
    token: str


def _token_snapshot(record: ApiToken) -> dict:
    return {"name": record.name, "prefix": record.prefix, "scope": record.scope,
            "expires_at": record.expires_at.isoformat(),
            "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None}


@transaction.atomic
def api_token_create(*, user: User, name: str, scope: str, expires_in_days: int) -> NewToken:
    """Make a token for ``user``. The secret is returned once and stored only as its
    SHA-256; the prefix, which is not secret, finds the row."""
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name that says what it is for.")
    if scope not in ApiToken.Scope.values:
        errors["scope"] = _("The scope is read or write.")
    if not 1 <= expires_in_days <= settings.API_TOKEN_MAX_DAYS:
        errors["expires_in_days"] = _("A token lasts from 1 to %(days)d days.") % {
            "days": settings.API_TOKEN_MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    while True:
        prefix = TOKEN_PREFIX + secrets.token_hex(PREFIX_LENGTH // 2)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    token = f"{prefix}_{secrets.token_hex(32)}"
    record = ApiToken.objects.create(
        user=user, name=name[:100], prefix=prefix, secret_hash=secret_hash(token),
        scope=scope, expires_at=timezone.now() + dt.timedelta(days=expires_in_days))
    event_record(actor=user, action=Event.Action.API_TOKEN_CREATED, instance=record,
                 after=_token_snapshot(record))
    return NewToken(record=record, token=token)


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token at once: it is refused from the next request on. Revoking twice
    changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk and not actor.is_superuser:
        raise ValidationError(_("Only the token's owner or an administrator may revoke it."))
    if token.revoked_at is not None:
        return token
    before = _token_snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    event_record(actor=actor, action=Event.Action.API_TOKEN_REVOKED, instance=token,
                 before=before, after=_token_snapshot(token))
    return token


class TokenRefused(Exception):
    """The token is unknown, revoked or expired; the message says which."""

    def __init__(self, message: str, problem: str):
        super().__init__(message)
        self.problem = problem


def api_token_use(token: str) -> ApiToken:
    """The active token whose secret is ``token``, its use recorded (``last_used_at``);
    ``TokenRefused`` saying why otherwise. The comparison of hashes takes the same time
    whatever they hold."""
    prefix, separator, _secret = token.rpartition("_")
    record = (ApiToken.objects.select_related("user").filter(prefix=prefix).first()
              if separator and prefix.startswith(TOKEN_PREFIX) else None)
    if record is None or not hmac.compare_digest(record.secret_hash, secret_hash(token)):
        raise TokenRefused(_("The API token is not valid."), "invalid-token")
    now = timezone.now()
    if record.revoked_at is not None:
        raise TokenRefused(_("This API token was revoked on %(day)s.") % {
            "day": record.revoked_at.date().isoformat()}, "token-revoked")
    if record.expires_at <= now:
        raise TokenRefused(_("This API token expired on %(day)s; create a new one on your "
                             "preferences page.") % {"day": record.expires_at.date().isoformat()},
                           "token-expired")
    if not record.user.is_active:
        raise TokenRefused(_("The account of this API token is disabled."), "invalid-token")
    ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    record.last_used_at = now
    return record
