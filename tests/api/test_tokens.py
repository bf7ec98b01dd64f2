"""API tokens: made and revoked on the preferences page, shown once, stored hashed, with an
expiry and a scope; every use recorded; refusals as problem details; rate limits per
token."""

import datetime as dt
import hashlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coprod.accounts.roles import Role
from coprod.api.models import ApiToken
from coprod.audit.models import Event
from tests.api.conftest import client_with, problem, token_for

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
TOKEN = re.compile(r'<code id="new-token">(kip_[0-9a-f]{8}_[0-9a-f]{64})</code>')


def test_a_token_is_created_on_the_preferences_page_shown_once_and_stored_hashed(client_for):
    client, user = client_for(Role.PARTNER_STUDIO)
    page = client.post(reverse("api-token-create"),
                       {"name": "ERP sync", "scope": "read", "expires_in_days": 90})
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    token = TOKEN.search(page.content.decode()).group(1)
    record = ApiToken.objects.get(user=user)
    assert record.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(record.prefix + "_")
    stored = " ".join(str(value) for value in ApiToken.objects.values_list().get())
    assert token.split("_")[-1] not in stored  # the secret itself is nowhere at rest
    assert record.scope == "read"
    assert abs(record.expires_at - (timezone.now() + dt.timedelta(days=90))) < dt.timedelta(
        minutes=1)
    event = Event.objects.get(action=Event.Action.API_TOKEN_CREATED)
    assert event.actor == user and event.after["prefix"] == record.prefix
    # Later the page lists the token by its prefix, never its secret.
    later = client.get(reverse("preferences")).content.decode()
    assert record.prefix in later and token not in later
    answer = client_with(token).get(ME)
    assert answer.status_code == 200
    assert answer.json()["username"] == user.username
    assert answer.json()["token"]["scope"] == "read"


def test_the_preferences_page_refuses_a_token_without_a_name(client_for):
    client, user = client_for(Role.TRANSLATOR)
    page = client.post(reverse("api-token-create"),
                       {"name": " ", "scope": "write", "expires_in_days": 30})
    assert page.status_code == 400
    assert not ApiToken.objects.filter(user=user).exists()


def test_every_use_records_last_used_at(make_user):
    user = make_user(Role.RIGHTS_MANAGER)
    token = token_for(user)
    record = ApiToken.objects.get(user=user)
    assert record.last_used_at is None
    before = timezone.now()
    assert client_with(token).get(ME).status_code == 200
    record.refresh_from_db()
    assert record.last_used_at >= before


def test_revoked_tokens_are_refused_and_the_revocation_is_an_event(client_for):
    client, user = client_for(Role.RIGHTS_MANAGER)
    token = token_for(user)
    record = ApiToken.objects.get(user=user)
    response = client.post(reverse("api-token-revoke", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.revoked_at is not None
    assert Event.objects.filter(action=Event.Action.API_TOKEN_REVOKED, actor=user,
                                object_id=str(record.pk)).exists()
    refused = client_with(token).get(ME)
    assert refused.status_code == 401
    body = problem(refused)
    assert body["type"] == "/api/problems/token-revoked"
    assert "revoked" in body["detail"]
    assert refused["WWW-Authenticate"].startswith("Bearer")


def test_a_user_cannot_revoke_another_users_token(client_for, make_user):
    client, _user = client_for(Role.RIGHTS_MANAGER)
    other = make_user(Role.RIGHTS_MANAGER)
    token_for(other)
    record = ApiToken.objects.get(user=other)
    assert client.post(reverse("api-token-revoke", args=[record.pk])).status_code == 404
    record.refresh_from_db()
    assert record.revoked_at is None


def test_expired_tokens_are_refused(make_user):
    user = make_user(Role.RIGHTS_MANAGER)
    token = token_for(user, days=1)
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(
        seconds=1))
    refused = client_with(token).get(ME)
    assert refused.status_code == 401
    assert problem(refused)["type"] == "/api/problems/token-expired"


@pytest.mark.parametrize("header", [
    "Bearer kip_00000000_" + "0" * 64,  # unknown prefix
    "Bearer not-a-token",
    "Bearer two parts",
])
def test_unknown_and_malformed_tokens_are_refused(make_user, header):
    user = make_user(Role.RIGHTS_MANAGER)
    token_for(user)
    client = client_with(None)
    client.credentials(HTTP_AUTHORIZATION=header)
    refused = client.get(ME)
    assert refused.status_code == 401
    assert problem(refused)["type"] == "/api/problems/invalid-token"


def test_a_right_prefix_with_a_wrong_secret_is_refused(make_user):
    user = make_user(Role.RIGHTS_MANAGER)
    token = token_for(user)
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    refused = client_with(forged).get(ME)
    assert refused.status_code == 401
    assert problem(refused)["type"] == "/api/problems/invalid-token"
    assert ApiToken.objects.get(user=user).last_used_at is None


def test_no_credentials_answer_401_with_the_scheme():
    refused = client_with(None).get("/api/v1/titles/")
    assert refused.status_code == 401
    assert problem(refused)["type"] == "/api/problems/not-authenticated"
    assert refused["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_read_token_cannot_write(api_as):
    client, _user = api_as(Role.RIGHTS_MANAGER, scope="read")
    assert client.get("/api/v1/titles/").status_code == 200
    refused = client.post("/api/v1/titles/", {"kind": "film", "original_title": "읽기",
                                              "romanized_title": "Ilgi", "year": 2026},
                          format="json")
    assert refused.status_code == 403
    body = problem(refused)
    assert body["type"] == "/api/problems/insufficient-scope"
    assert "write scope" in body["detail"]


def test_a_disabled_account_s_token_is_refused(make_user):
    user = make_user(Role.RIGHTS_MANAGER)
    token = token_for(user)
    user.is_active = False
    user.save()
    assert client_with(token).get(ME).status_code == 401


def test_requests_are_throttled_per_token(make_user, settings):
    settings.API_THROTTLE_RATES = {"read": "3/min", "write": "2/min"}
    user = make_user(Role.RIGHTS_MANAGER)
    first, second = client_with(token_for(user)), client_with(token_for(user))
    for _attempt in range(3):
        assert first.get(ME).status_code == 200
    throttled = first.get(ME)
    assert throttled.status_code == 429
    body = problem(throttled)
    assert body["type"] == "/api/problems/throttled"
    assert int(throttled["Retry-After"]) > 0
    # Another token of the same user has its own budget; writes have theirs.
    assert second.get(ME).status_code == 200


def test_browser_sessions_work_and_need_the_csrf_token_to_write(make_user):
    from django.test import Client

    user = make_user(Role.RIGHTS_MANAGER)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get(ME).json()["token"] is None
    refused = browser.post("/api/v1/titles/", {"kind": "film"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in problem(refused)["detail"]


def test_an_administrator_revokes_tokens_in_the_admin(client, make_user):
    from coprod.accounts.services import user_create

    admin = user_create(username="root", password="pw-long-enough", role=Role.ADMINISTRATOR)
    client.force_login(admin)
    owner = make_user(Role.PARTNER_STUDIO)
    token = token_for(owner)
    record = ApiToken.objects.get(user=owner)
    listing = client.get(reverse("admin:coprod_apitoken_changelist")).content.decode()
    assert record.prefix in listing and record.secret_hash not in listing
    client.post(reverse("admin:coprod_apitoken_changelist"),
                {"action": "revoke", "_selected_action": [record.pk]})
    record.refresh_from_db()
    assert record.revoked_at is not None
    assert Event.objects.get(action=Event.Action.API_TOKEN_REVOKED).actor == admin
    assert client_with(token).get(ME).status_code == 401
