"""Two managers granting the same exclusive rights at the same moment, in two real
PostgreSQL transactions: exactly one grant may succeed."""

import contextlib
import threading

import pytest
from django.db import connection

from coprod.catalog import services as catalog_services
from coprod.rights import services as rights_services
from coprod.rights.models import RightsBlock
from tests.coprod.rights_helpers import company, film, hold, terms

pytestmark = pytest.mark.django_db(transaction=True)


def race(monkeypatch, requests):
    """Run each grant in its own thread and connection. Each thread waits after its
    availability check for the other, so without the row lock both checks would pass."""
    checked = threading.Barrier(len(requests), timeout=3)
    real_availability = rights_services.availability

    def availability_then_wait(*args, **kwargs):
        answer = real_availability(*args, **kwargs)
        # A broken barrier means the other transaction waits on our lock, as it should.
        with contextlib.suppress(threading.BrokenBarrierError):
            checked.wait()
        return answer

    monkeypatch.setattr(rights_services, "availability", availability_then_wait)
    outcomes = []

    def attempt(title, licensee, grant_terms):
        try:
            rights_services.rights_out_grant(actor=None, title=title, licensee=company(licensee),
                                      contract_reference=f"CT-{licensee}", terms=grant_terms)
            outcomes.append(("granted", licensee))
        except rights_services.RightsConflict as error:
            outcomes.append(("refused", error.messages[0]))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_simultaneous_exclusive_grants_cannot_both_succeed(monkeypatch):
    title = film()
    hold(title, territory="ASIA", media=("all",))
    outcomes = race(monkeypatch, [
        (title, "Tokyo Stream", terms(territory="JP", exclusive=True)),
        (title, "Osaka Plus", terms(territory="JP KR", exclusive=True)),
    ])
    assert sorted(kind for kind, _ in outcomes) == ["granted", "refused"]
    refused_message = next(detail for kind, detail in outcomes if kind == "refused")
    assert "Conflicts with exclusive grant" in refused_message
    assert RightsBlock.objects.filter(title=title, direction="out").count() == 1


def test_simultaneous_grants_on_episodes_of_one_series_are_serialized(monkeypatch):
    series = catalog_services.title_create(actor=None, data={
        "kind": "series", "original_title": "동시", "romanized_title": "Dongsi", "year": 2025})
    episode = catalog_services.title_create(actor=None, data={
        "kind": "episode", "parent": series, "number": 1, "original_title": "1화",
        "romanized_title": "Ep 1", "year": 2025})
    hold(series, territory="JP")
    outcomes = race(monkeypatch, [
        (series, "Series Buyer", terms(exclusive=True)),
        (episode, "Episode Buyer", terms(exclusive=True)),
    ])
    assert sorted(kind for kind, _ in outcomes) == ["granted", "refused"]
    assert RightsBlock.objects.filter(direction="out").count() == 1
