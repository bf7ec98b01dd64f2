"""Reads for the API's own data."""

from django.db.models import QuerySet

from coprod.accounts.models import User
from coprod.api.models import ApiToken


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens, newest first, revoked ones included (they say when)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
