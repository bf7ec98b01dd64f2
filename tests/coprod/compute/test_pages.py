"""The compute pages: the dashboard with its charts, filters and CSVs, the title and
agreement tabs, the budget holds decided in the page, and the price versions."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from coprod.accounts.models import Company
from coprod.accounts.roles import Role
from coprod.accounts.services import user_create
from coprod.audit.models import Event
from coprod.compute import services as compute
from coprod.compute.models import ComputeHold, PriceList
from tests.coprod.agreement_helpers import fifty_fifty
from tests.coprod.compute.test_costs import compute_budget, price_list, record
from tests.factories import CompanyFactory, TitleFactory

pytestmark = pytest.mark.django_db


def user(role, name=None):
    company = (CompanyFactory(kind=Company.Kind.PARTNER_STUDIO)
               if role == Role.PARTNER_STUDIO else None)
    return user_create(username=name or role, password="pw-long-enough", role=role,
                       company=company)


@pytest.fixture
def manager_client(client):
    client.force_login(user(Role.RIGHTS_MANAGER))
    return client


@pytest.fixture
def usage(db):
    """Two titles: 1.00 USD of transcription and 0.25 of translation on one, 2.00 of QA on
    the other (CPU-hour price 1.00)."""
    price_list(cpu_hour="1.00")
    first = TitleFactory(original_title="<script>alert(1)</script>")
    second = TitleFactory(original_title="별빛 식당")
    record(first, cpu_seconds=3600, stage="transcription")
    record(first, cpu_seconds=900, stage="translation", language="ja")
    record(second, cpu_seconds=7200, stage="qa", content_key="localization.mediaasset:9",
           content_seconds=120)
    return first, second


def test_the_dashboard_shows_totals_charts_and_rollups(manager_client, usage):
    page = manager_client.get(reverse("compute:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "$3.25" in html.split('id="compute-cost"')[1].split("</dd>")[0]
    stage_chart = html.split('id="chart-stage"')[1].split("</figure>")[0]
    # The largest stage (QA, 2.00) fills the chart; transcription (1.00) is half of it.
    assert 'aria-label="QA: $2.00"' in stage_chart and 'width="1000"' in stage_chart
    assert 'aria-label="Transcription: $1.00"' in stage_chart and 'width="500"' in stage_chart
    assert 'id="chart-month"' in html and 'id="by-title"' in html
    # A title's name is text, never markup.
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_filters_narrow_the_report_and_bad_ones_say_why(manager_client, usage):
    page = manager_client.get(reverse("compute:dashboard"), {"stage": "translation"})
    assert "$0.25" in page.content.decode().split('id="compute-cost"')[1].split("</dd>")[0]
    next_month = timezone.localdate() + dt.timedelta(days=40)
    later = manager_client.get(reverse("compute:dashboard"),
                               {"month_from": next_month.strftime("%Y-%m")})
    assert 'id="compute-empty"' in later.content.decode()
    bad = manager_client.get(reverse("compute:dashboard"), {"month_from": "2026-13"})
    assert bad.status_code == 200
    assert "Give the month as YYYY-MM" in bad.content.decode()
    title = manager_client.get(reverse("compute:dashboard"), {"title": "x' OR 1=1"})
    assert title.status_code == 200


def test_the_usage_csv_has_every_task_with_exact_figures(manager_client, usage):
    first, _second = usage
    response = manager_client.get(reverse("compute:usage-csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    translation = next(row for row in rows if row["stage"] == "translation")
    assert translation["cost"] == "0.25000000" and translation["currency"] == "USD"
    assert translation["price_list"] == "local v1" and translation["cpu_seconds"] == "900.000000"
    # A cell a spreadsheet would run as a formula is quoted; markup stays plain text.
    assert translation["title"].startswith("<script>")


def test_the_rollup_csv_by_stage_and_by_agreement(manager_client, usage):
    rows = list(csv.DictReader(io.StringIO(manager_client.get(
        reverse("compute:rollup-csv"), {"by": "stage"}).content.decode())))
    assert {row["stage"]: row["cost"] for row in rows} == {
        "QA": "2.00000000", "Transcription": "1.00000000", "Translation": "0.25000000"}
    agreement, _sfr, _utopai = fifty_fifty()
    record(agreement.titles.get(), cpu_seconds=36)
    rows = list(csv.DictReader(io.StringIO(manager_client.get(
        reverse("compute:rollup-csv"), {"by": "agreement"}).content.decode())))
    assert [(row["agreement"], row["cost"]) for row in rows] == [
        (str(agreement), "0.01000000")]
    fallback = manager_client.get(reverse("compute:rollup-csv"), {"by": "nonsense"})
    assert fallback.content.decode().startswith("stage,")


@pytest.mark.parametrize("role", [Role.TRANSLATOR, Role.REVIEWER, Role.PARTNER_STUDIO])
def test_only_rights_managers_and_administrators_see_the_costs(client, usage, role):
    client.force_login(user(role))
    for name in ("compute:dashboard", "compute:usage-csv", "compute:rollup-csv",
                 "compute:prices"):
        assert client.get(reverse(name)).status_code == 403


def test_the_title_and_agreement_tabs_show_spent_against_budget(manager_client):
    price_list(cpu_hour="1.00")
    agreement, _sfr, _utopai = fifty_fifty()
    title = agreement.titles.get()
    compute_budget(agreement, title, "10.00")
    record(title, cpu_seconds=3600 * 4, stage="dubbing", language="th")
    page = manager_client.get(reverse("catalog:title-detail", args=[title.pk]),
                              {"tab": "compute"}).content.decode()
    budget = page.split('id="compute-budgets"')[1].split("</section>")[0]
    assert "$10.00" in budget and "$4.00" in budget and "$6.00" in budget
    assert "40.0%" in budget
    assert 'id="by-stage"' in page and "Dubbing" in page and 'id="by-language"' in page
    page = manager_client.get(reverse("agreements:detail", args=[agreement.pk]),
                              {"tab": "compute"}).content.decode()
    assert "$4.00" in page.split('id="compute-cost"')[1].split("</dd>")[0]
    assert "$6.00" in page.split('id="compute-budgets"')[1]


def held(title, agreement):
    return ComputeHold.objects.create(
        run_type="localization.trackrun", run_id="999", task="quality_check", stage="qa",
        title=title, budget_title=title, agreement=agreement, currency="USD",
        budget=Decimal("1.00"), spent=Decimal("0.90"), estimate=Decimal("0.50"))


def test_a_rights_manager_decides_a_hold_in_the_page_once(manager_client):
    agreement, _sfr, _utopai = fifty_fifty()
    hold = held(agreement.titles.get(), agreement)
    page = manager_client.get(reverse("compute:dashboard")).content.decode()
    assert f'data-hold="{hold.pk}"' in page
    response = manager_client.post(reverse("compute:hold-decide", args=[hold.pk]),
                                   {"decision": "refuse", "next": "/compute/"}, follow=True)
    assert response.status_code == 200
    hold.refresh_from_db()
    assert hold.state == "refused"
    assert Event.objects.filter(action=Event.Action.COMPUTE_HOLD_REFUSED).exists()
    again = manager_client.post(reverse("compute:hold-decide", args=[hold.pk]),
                                {"decision": "release"}, follow=True)
    assert again.status_code == 200 and "already decided" in again.content.decode()
    hold.refresh_from_db()
    assert hold.state == "refused"
    elsewhere = manager_client.post(reverse("compute:hold-decide", args=[hold.pk]),
                                    {"decision": "release", "next": "https://evil.example"})
    assert elsewhere["Location"] == reverse("compute:dashboard")


def test_an_administrator_adds_a_price_version_and_bad_lines_are_refused(client):
    client.force_login(user(Role.ADMINISTRATOR, "admin"))
    form = {"form": "prices", "prices-site": "seoul-dc1", "prices-cpu_hour": "0.05",
            "prices-kwh": "0.12", "prices-gpu_hours": "NVIDIA H200 = 3.50\nNVIDIA L4 = 0.70",
            "prices-source": "DC contract 2026", "prices-source_date": "2026-11-01"}
    response = client.post(reverse("compute:prices"), form)
    assert response.status_code == 302
    prices = PriceList.objects.get(site="seoul-dc1")
    assert prices.gpu_hour("nvidia l4") == Decimal("0.70") and prices.version == 1
    bad = client.post(reverse("compute:prices"), {**form, "prices-gpu_hours": "H200 3.50"})
    assert bad.status_code == 200 and "Line 1" in bad.content.decode()
    past = client.post(reverse("compute:prices"),
                       {**form, "prices-effective_from": "2020-01-01T00:00"})
    assert "not in the past" in past.content.decode()
    assert PriceList.objects.filter(site="seoul-dc1").count() == 1
    carbon = client.post(reverse("compute:prices"), {
        "form": "carbon", "carbon-site": "seoul-dc1", "carbon-grams_per_kwh": "436",
        "carbon-source": "KPX", "carbon-source_date": "2026-01-01"})
    assert carbon.status_code == 302
    listed = client.get(reverse("compute:prices")).content.decode()
    assert "NVIDIA H200: 3.5" in listed and "436" in listed


def test_a_rights_manager_sees_the_prices_but_cannot_add_them(manager_client):
    compute.price_list_create(actor=None, site="local", currency="USD", cpu_hour=1, kwh=1,
                              gpu_hours={}, source="x", source_date=dt.date(2026, 1, 1))
    page = manager_client.get(reverse("compute:prices"))
    assert page.status_code == 200 and 'id="price-form"' not in page.content.decode()
    refused = manager_client.post(reverse("compute:prices"), {"form": "carbon"})
    assert refused.status_code == 403
