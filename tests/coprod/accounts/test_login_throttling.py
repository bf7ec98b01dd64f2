"""Login throttling (django-axes): wrong passwords lock the account and the address,
with a clear page, on the site and the admin (the partner portal logs in through the
site); every attempt is logged; an administrator unlocks."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.accounts.services import user_create

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-right-password"


def person(name: str, role=Role.RIGHTS_MANAGER):
    return user_create(username=name, password=PASSWORD, role=role)


def log_in(client: Client, username: str, password: str, *, url=None, address="10.0.0.1"):
    return client.post(url or reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)


def test_thirty_wrong_passwords_lock_the_account_even_for_the_right_one(client, settings):
    person("hana")
    answers = [log_in(client, "hana", f"wrong-{number}").status_code for number in range(30)]
    limit = settings.AXES_FAILURE_LIMIT
    assert answers[:limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert set(answers[limit - 1:]) == {429}  # locked from the limit on
    right = log_in(client, "hana", PASSWORD)
    assert right.status_code == 429
    assert "Too many failed logins" in right.content.decode()
    assert "_auth_user_id" not in client.session
    # From another address too: the account itself is locked.
    assert log_in(Client(), "hana", PASSWORD, address="10.9.9.9").status_code == 429
    assert AccessFailureLog.objects.filter(username="hana").count() >= limit


def test_one_address_trying_many_accounts_is_locked(settings):
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        person(name)
    attacker = Client()
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(attacker, f"a{number + 1}", "guess", address="203.0.113.7")
    # The address is locked, even for an account it never tried, with the right password.
    assert log_in(attacker, "a6", PASSWORD, address="203.0.113.7").status_code == 429
    # The same account from an honest address logs in.
    assert log_in(Client(), "a6", PASSWORD, address="198.51.100.2").status_code == 302


def test_the_admin_login_is_throttled_too(client, settings):
    person("admin-person", role=Role.ADMINISTRATOR)
    url = reverse("admin:login")
    for _number in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "admin-person", "nope", url=url)
    assert log_in(client, "admin-person", PASSWORD, url=url).status_code == 429


def test_a_success_before_the_limit_starts_the_count_again(client, settings):
    person("mina")
    for _number in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "mina", "wrong")
    assert log_in(client, "mina", PASSWORD).status_code == 302
    for _number in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(Client(), "mina", "wrong", address="10.0.0.2")
    assert log_in(Client(), "mina", PASSWORD, address="10.0.0.3").status_code == 302


def test_an_administrator_unlocks_from_the_admin_or_the_command(client, settings):
    person("jun")
    for _number in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), "jun", "wrong", address="10.1.1.1")
    assert log_in(Client(), "jun", PASSWORD, address="10.1.1.2").status_code == 429
    admin = client
    admin.force_login(person("root", role=Role.ADMINISTRATOR))
    attempts = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert attempts.status_code == 200 and "jun" in attempts.content.decode()
    for attempt in AccessAttempt.objects.filter(username="jun"):
        admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]),
                   {"post": "yes"})
    assert not AccessAttempt.objects.filter(username="jun").exists()
    assert log_in(Client(), "jun", PASSWORD, address="10.1.1.2").status_code == 302
    # The command line does the same.
    for _number in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), "jun", "wrong", address="10.1.1.3")
    call_command("axes_reset_username", "jun")
    assert log_in(Client(), "jun", PASSWORD, address="10.1.1.4").status_code == 302
