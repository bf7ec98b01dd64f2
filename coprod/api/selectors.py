"""Reads for the API's own data."""

from django.db.models import QuerySet

from coprod.accounts.models import User
from coprod.api.models import ApiToken, WebhookDelivery, WebhookEndpoint


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens, newest first, revoked ones included (they say when)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def webhook_endpoints_of(*, user: User) -> QuerySet[WebhookEndpoint]:
    """The endpoints of the user's company, newest first (none for a user without one)."""
    if not user.company_id:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(company_id=user.company_id).select_related(
        "created_by").order_by("-created_at", "-id")


def webhook_deliveries_of(*, user: User) -> QuerySet[WebhookDelivery]:
    """The deliveries to the endpoints of the user's company, newest first."""
    return WebhookDelivery.objects.filter(
        endpoint__in=webhook_endpoints_of(user=user)).order_by("-created_at", "-id")
