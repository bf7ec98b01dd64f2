import json

import pytest
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.test import APIClient

from coprod.accounts.roles import Role
from coprod.api.services import api_token_create


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counts live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def token_for(user, scope: str = "write", days: int = 30) -> str:
    return api_token_create(user=user, name=f"{user.username} test", scope=scope,
                            expires_in_days=days).token


def client_with(token: str | None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def api_as(make_user):
    """An API client authenticated with a new write token of a new user of ``role``."""

    def make(role: str = Role.RIGHTS_MANAGER, *, scope: str = "write", user=None, **kwargs):
        user = user or make_user(role, **kwargs)
        return client_with(token_for(user, scope)), user

    return make


def problem(response) -> dict:
    """The problem details of an error answer, checked for their media type and members."""
    assert response["Content-Type"] == "application/problem+json", response.content
    body = json.loads(response.content)
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == response.status_code
    return body


@pytest.fixture
def wsgi_application():
    """Django's WSGI handler in the test's transaction: like the test client, requests must
    not close the connection the test's transaction is open on."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
