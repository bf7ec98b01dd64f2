"""A partner studio sees the AI compute report of its own agreements in the portal, and
never another partner's."""

from decimal import Decimal

import pytest
from django.urls import reverse

from coprod.agreements.models import BudgetLine
from coprod.compute.models import ComputeUsage
from tests.coprod.compute.test_costs import price_list, record
from tests.coprod.portal.test_portal_and_statements import partner_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_partners_with_usage():
    price_list(cpu_hour="1.00")
    a = partner_agreement("Studio A", "studio-a", "AGR-A", issue=False)
    b = partner_agreement("Studio B", "studio-b", "AGR-B", issue=False)
    (agreement_a, _user_a, title_a), (_agreement_b, _user_b, title_b) = a, b
    BudgetLine.objects.create(agreement=agreement_a, title=title_a, category="AI compute",
                              amount=Decimal("20.00"), currency="USD")
    record(title_a, cpu_seconds=3600 * 3, stage="transcription")  # 3.00
    record(title_a, cpu_seconds=1800, stage="dubbing", language="ja")  # 0.50
    record(title_b, cpu_seconds=3600 * 7, stage="translation", language="th")  # 7.00
    return a, b


def compute_url(agreement) -> str:
    return reverse("partner_portal:coprod_agreement_compute", args=[agreement.pk])


def test_a_partner_sees_its_agreements_compute_report(client, two_partners_with_usage):
    (agreement_a, user_a, _title_a), _b = two_partners_with_usage
    client.force_login(user_a)
    change = client.get(reverse("partner_portal:coprod_agreement_change",
                                args=[agreement_a.pk])).content.decode()
    assert compute_url(agreement_a) in change  # reachable from the agreement's page
    page = client.get(compute_url(agreement_a))
    assert page.status_code == 200
    html = page.content.decode()
    assert "$3.50" in html.split('id="compute-cost"')[1].split("</dd>")[0]
    budgets = html.split('id="compute-budgets"')[1].split("</section>")[0]
    assert "$20.00" in budgets and "$3.50" in budgets and "$16.50" in budgets
    assert "Transcription" in html and "Dubbing" in html
    assert "$7.00" not in html and "Translation" not in html.split('id="by-stage"')[1]


def test_another_partners_report_is_not_found(client, two_partners_with_usage):
    (agreement_a, _user_a, _title_a), (agreement_b, user_b, _title_b) = \
        two_partners_with_usage
    client.force_login(user_b)
    assert client.get(compute_url(agreement_a)).status_code == 404
    assert client.get(reverse("partner_portal:coprod_agreement_compute",
                              args=[999999])).status_code == 404
    own = client.get(compute_url(agreement_b)).content.decode()
    assert "$7.00" in own and "$3.50" not in own
    assert ComputeUsage.objects.count() == 3


def test_staff_and_anonymous_users_do_not_get_the_portal_report(client, client_for,
                                                                two_partners_with_usage):
    (agreement_a, _user_a, _title_a), _b = two_partners_with_usage
    anonymous = client.get(compute_url(agreement_a))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    translator, _user = client_for("translator")
    assert translator.get(compute_url(agreement_a), follow=True).status_code == 403
