"""The API's AI compute report of an agreement: exact figures, the budget, and a partner
studio never reading another partner's."""

from decimal import Decimal

import pytest

from coprod.accounts.roles import Role
from tests.api.conftest import problem
from tests.coprod.portal.test_compute_report import two_partners_with_usage  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_partner_reads_its_agreements_compute_report(api_as, two_partners_with_usage):  # noqa: F811
    (agreement_a, user_a, title_a), _b = two_partners_with_usage
    client, _user = api_as(user=user_a, scope="read")
    answer = client.get(f"/api/v1/agreements/{agreement_a.pk}/compute/")
    assert answer.status_code == 200, answer.content
    report = answer.json()
    assert report["agreement"] == "AGR-A"
    total = report["total"]
    assert (total["tasks"], total["cost"], total["cost_rounded"], total["currency"]) == (
        2, "3.50000000", "3.50", "USD")
    assert Decimal(total["cpu_seconds"]) == Decimal(3600 * 3 + 1800)
    assert total["cost_per_minute"] == "0.35000000"  # 3.50 over 10 minutes of content
    assert total["energy_estimated_tasks"] == 2
    assert {row["key"]: row["cost"] for row in report["by_stage"]} == {
        "Dubbing": "0.50000000", "Transcription": "3.00000000"}
    assert {row["key"] for row in report["by_language"]} == {"ja", "ko"}
    [budget] = report["budgets"]
    assert (budget["title"], budget["budget"], budget["spent"], budget["remaining"],
            budget["percent"]) == (title_a.pk, "20.00000000", "3.50000000", "16.50000000",
                                   "17.5")


def test_another_partners_agreement_is_not_found(api_as, two_partners_with_usage):  # noqa: F811
    (agreement_a, _user_a, _title_a), (agreement_b, user_b, _title_b) = \
        two_partners_with_usage
    client, _user = api_as(user=user_b, scope="read")
    refused = client.get(f"/api/v1/agreements/{agreement_a.pk}/compute/")
    assert refused.status_code == 404
    assert problem(refused)["status"] == 404
    missing = client.get("/api/v1/agreements/999999/compute/")
    assert missing.status_code == 404 and problem(missing)["detail"] == problem(refused)[
        "detail"]
    own = client.get(f"/api/v1/agreements/{agreement_b.pk}/compute/").json()
    assert own["total"]["cost"] == "7.00000000" and own["budgets"] == []


def test_the_venture_reads_any_agreements_report_and_others_are_refused(
        api_as, two_partners_with_usage):  # noqa: F811
    (agreement_a, _user_a, _title_a), _b = two_partners_with_usage
    manager, _user = api_as(Role.RIGHTS_MANAGER, scope="read")
    assert manager.get(f"/api/v1/agreements/{agreement_a.pk}/compute/").json()[
        "total"]["tasks"] == 2
    translator, _user = api_as(Role.TRANSLATOR, scope="read")
    assert translator.get(f"/api/v1/agreements/{agreement_a.pk}/compute/").status_code == 403
    from tests.api.conftest import client_with

    assert client_with(None).get(
        f"/api/v1/agreements/{agreement_a.pk}/compute/").status_code == 401


def test_the_schema_documents_the_compute_report(api_as):
    client, _user = api_as(Role.RIGHTS_MANAGER, scope="read")
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/agreements/{id}/compute/"]["get"]
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert reference.endswith("/AgreementCompute")
    fields = schema["components"]["schemas"]["ComputeFigures"]["properties"]
    assert fields["cost"]["type"] == "string" and "energy_kwh" in fields
