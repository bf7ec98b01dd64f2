"""Prices and carbon intensity are versioned and a task keeps the prices it ran under; the
roll-ups count each minute of content once; a run that would take a title past its AI
compute budget waits for a rights manager."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from coprod.accounts.roles import Role
from coprod.accounts.services import user_create
from coprod.agreements import services as agreements
from coprod.agreements.models import BudgetLine
from coprod.audit.models import Event
from coprod.catalog.models import Title
from coprod.compute import selectors
from coprod.compute import services as compute
from coprod.compute.models import ComputeHold, ComputeUsage
from localization.qa import services as qa_services
from localization.runs.models import TrackRun
from tests.coprod.agreement_helpers import fifty_fifty
from tests.factories import TitleFactory
from tests.localization.runs.test_runs import korean_track

pytestmark = pytest.mark.django_db

NOW = timezone.now


def price_list(*, cpu_hour="0.36", kwh="0.20", site="local", effective_from=None,
               gpu_hours=None):
    return compute.price_list_create(
        actor=None, site=site, currency="USD", cpu_hour=Decimal(cpu_hour), kwh=Decimal(kwh),
        gpu_hours=gpu_hours or {}, source="tariff", source_date=dt.date(2026, 11, 1),
        effective_from=effective_from)


def record(title, *, cpu_seconds=3600.0, stage="transcription", started_at=None,
           content_key="localization.mediaasset:1", content_seconds=600.0, language="ko",
           episode="", joules=0.0, task="transcription", site="local"):
    return compute.usage_record(
        run_type="localization.localizationjob", run_id=1, task=task, stage=stage, attempt=1,
        outcome="done", title=title, started_at=started_at or NOW(), wall_seconds=cpu_seconds,
        cpu_seconds=cpu_seconds, peak_memory_bytes=1024, cpu_energy_joules=joules,
        energy_note="estimate", site=site, episode=episode, language=language,
        content_key=content_key, content_seconds=content_seconds,
        media_seconds=content_seconds)


# --- versioned prices ------------------------------------------------------------------------

def test_a_task_keeps_the_prices_in_force_when_it_ran():
    title = TitleFactory()
    first = price_list(cpu_hour="0.36")
    early = record(title)
    second = price_list(cpu_hour="0.50", effective_from=NOW() + dt.timedelta(seconds=1))
    assert (first.version, second.version) == (1, 2)
    late = record(title, started_at=second.effective_from + dt.timedelta(seconds=1))
    early.refresh_from_db()
    assert (early.price_list, early.cost) == (first, Decimal("0.36"))
    assert (late.price_list, late.cost) == (second, Decimal("0.50"))
    # A task that started before v2 took effect is priced at v1, whenever it is recorded.
    before_second = record(title, started_at=second.effective_from - dt.timedelta(seconds=0.5))
    assert before_second.price_list == first
    assert Event.objects.filter(action=Event.Action.COMPUTE_PRICES_ADDED).count() == 2


def test_a_new_version_cannot_start_in_the_past_or_before_the_last_one():
    price_list(effective_from=NOW() + dt.timedelta(days=10))
    with pytest.raises(ValidationError, match="not in the past"):
        price_list(effective_from=NOW() - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="must start after it"):
        price_list(effective_from=NOW() + dt.timedelta(days=5))


def test_prices_are_in_the_compute_currency():
    with pytest.raises(ValidationError, match="USD"):
        compute.price_list_create(actor=None, site="local", currency="KRW", cpu_hour=1,
                                  kwh=1, gpu_hours={}, source="x",
                                  source_date=dt.date(2026, 1, 1))


def test_each_site_has_its_own_prices_and_carbon_intensity():
    title = TitleFactory()
    price_list(site="seoul-dc1", kwh="0.10")
    compute.carbon_intensity_create(actor=None, site="seoul-dc1", grams_per_kwh=Decimal("436"),
                                    source="KPX 2025", source_date=dt.date(2026, 1, 1))
    usage = record(title, site="seoul-dc1", cpu_seconds=0, joules=3_600_000 * 2)
    assert usage.energy_cost == Decimal("0.20")
    assert usage.emissions_grams == Decimal("872")
    elsewhere = record(title, site="bangkok-1", joules=3_600_000)
    assert elsewhere.cost is None and elsewhere.emissions_grams is None


# --- roll-ups --------------------------------------------------------------------------------

def test_rollups_by_stage_title_language_episode_and_month_count_content_once():
    price_list(cpu_hour="1.00")
    series = TitleFactory(original_title="시리즈")
    episode = Title.objects.create(original_title="1화", kind="episode", parent=series, year=2026)
    # Two chunks and a translation over one 10-minute episode, a QA run over another file.
    record(episode, cpu_seconds=1800, stage="transcription", episode="E1")
    record(episode, cpu_seconds=1800, stage="transcription", episode="E1")
    record(episode, cpu_seconds=360, stage="translation", language="ja", episode="E1")
    record(series, cpu_seconds=36, stage="qa", content_key="localization.mediaasset:2",
           content_seconds=300)
    usage = selectors.usage_for_title(series)
    whole = selectors.total(usage)
    assert whole.tasks == 4
    assert whole.cost == Decimal("1.11")
    assert whole.content_seconds == Decimal(900)  # 600 s + 300 s, each file once
    assert whole.cost_per_minute == Decimal("1.11") / 15
    by_stage = {row.key: row for row in selectors.rollup(usage, by="stage")}
    assert by_stage["transcription"].cost == Decimal("1.00")
    assert by_stage["transcription"].content_minutes == 10
    assert by_stage["transcription"].label == "Transcription"
    assert by_stage["translation"].cost == Decimal("0.10")
    by_language = {row.key: row.cost for row in selectors.rollup(usage, by="language")}
    assert by_language == {"ja": Decimal("0.10"), "ko": Decimal("1.01")}
    by_title = {row.label: row.cost for row in selectors.rollup(usage, by="title")}
    assert by_title == {str(episode): Decimal("1.10"), str(series): Decimal("0.01")}
    by_episode = {row.key: row.tasks for row in selectors.rollup(usage, by="episode")}
    assert by_episode == {"E1": 3, "": 1}
    months = selectors.rollup(usage, by="month")
    assert [row.label for row in months] == [timezone.localtime(NOW()).strftime("%Y-%m")]
    # The episode alone: its own usage only.
    assert selectors.total(selectors.usage_for_title(episode)).cost == Decimal("1.10")


def test_an_agreement_reports_the_usage_of_the_titles_it_covers():
    price_list(cpu_hour="1.00")
    agreement, _sfr, _utopai = fifty_fifty()
    covered = agreement.titles.get()
    record(covered, cpu_seconds=3600)
    record(TitleFactory(), cpu_seconds=7200)  # another title
    rows = selectors.rollup_by_agreement([agreement])
    assert rows[0].cost == Decimal("1.00") and rows[0].label == str(agreement)


def test_money_is_shown_in_the_currencys_minor_unit_but_summed_exactly():
    price_list(cpu_hour="0.001")
    title = TitleFactory()
    for _ in range(3):
        record(title, cpu_seconds=3600)  # 0.001 each: a tenth of a cent
    row = selectors.total(selectors.usage_for_title(title))
    assert row.cost == Decimal("0.003") and row.cost_shown == Decimal("0.00")
    assert selectors.money(Decimal("0.005"), "USD") == Decimal("0.01")
    assert selectors.money(Decimal("12.5"), "KRW") == Decimal("13")


# --- budgets ---------------------------------------------------------------------------------

def compute_budget(agreement, title, amount):
    return agreements.budget_line_add(actor=None, agreement=agreement, title=title,
                                      category="AI compute", amount=Decimal(amount),
                                      currency="USD")


def test_an_ai_compute_budget_line_is_in_the_compute_currency():
    agreement, _sfr, _utopai = fifty_fifty()
    with pytest.raises(ValidationError, match="AI compute is budgeted in USD"):
        agreements.budget_line_add(actor=None, agreement=agreement,
                                   title=agreement.titles.get(), category="ai compute",
                                   amount=Decimal(1000), currency="KRW")


def test_spent_against_budget_counts_the_title_and_its_episodes():
    price_list(cpu_hour="1.00")
    agreement, _sfr, _utopai = fifty_fifty()
    series = agreement.titles.get()
    episode = Title.objects.create(original_title="2화", kind="episode", parent=series, year=2026)
    compute_budget(agreement, series, "10.00")
    agreements.budget_line_add(actor=None, agreement=agreement, title=series,
                               category="Music", amount=Decimal(99), currency="USD")
    record(episode, cpu_seconds=3600 * 4)
    [status] = selectors.budget_status_of_agreement(agreement)
    assert (status.budget, status.spent, status.remaining) == (
        Decimal("10.00"), Decimal("4.00"), Decimal("6.00"))
    assert status.percent == Decimal("40.0")
    assert selectors.budget_status_for(episode)[0].title == series


@pytest.fixture
def budgeted_track(db):
    """A Korean track of a title whose AI compute budget is 1.00 USD, with QA history at
    1.00 USD per minute of content."""
    price_list(cpu_hour="1.00")
    agreement, _sfr, _utopai = fifty_fifty()
    title = agreement.titles.get()
    compute_budget(agreement, title, "1.00")
    record(TitleFactory(), stage="qa", cpu_seconds=3600, content_seconds=60)
    track = korean_track(title)
    return agreement, title, track


def media_for(track, seconds: int):
    from localization.media.models import MediaAsset

    media = MediaAsset.objects.create(
        title=track.title, original_name="ep.wav", size_bytes=1, sha256="0" * 64,
        duration_ms=seconds * 1000, container_format="wav", audio_codec="pcm_s16le")
    track.media = media
    track.save(update_fields=["media"])
    return media


def test_a_run_that_would_pass_the_budget_is_held_and_a_rights_manager_releases_it(
        budgeted_track, django_capture_on_commit_callbacks):
    agreement, title, track = budgeted_track
    media_for(track, 90)  # 1.5 minutes at 1.00 a minute: past the 1.00 budget
    with django_capture_on_commit_callbacks(execute=True) as queued:
        run = qa_services.quality_check_enqueue(track=track)
    run.refresh_from_db()
    assert run.state == TrackRun.State.QUEUED and run.task_id == "" and not queued
    hold = ComputeHold.objects.get(run_id=str(run.pk))
    assert (hold.state, hold.task, hold.stage, hold.agreement) == (
        "pending", "quality_check", "qa", agreement)
    assert (hold.budget, hold.spent, hold.estimate) == (
        Decimal("1.00"), Decimal(0), Decimal("1.50"))
    assert Event.objects.filter(action=Event.Action.COMPUTE_HELD, title=title).exists()

    manager = user_create(username="rm", password="pw-long-enough", role=Role.RIGHTS_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        compute.hold_decide(actor=manager, hold=hold, release=True)
    run.refresh_from_db()
    assert run.state == TrackRun.State.DONE and run.task_id  # queued and run
    hold.refresh_from_db()
    assert (hold.state, hold.decided_by) == ("released", manager)
    with pytest.raises(ValidationError, match="already decided"):
        compute.hold_decide(actor=manager, hold=hold, release=False)


def test_a_refused_hold_cancels_the_run(budgeted_track, django_capture_on_commit_callbacks):
    _agreement, _title, track = budgeted_track
    media_for(track, 90)
    with django_capture_on_commit_callbacks(execute=True):
        run = qa_services.quality_check_enqueue(track=track)
    hold = ComputeHold.objects.get(run_id=str(run.pk))
    manager = user_create(username="rm", password="pw-long-enough", role=Role.RIGHTS_MANAGER)
    compute.hold_decide(actor=manager, hold=hold, release=False)
    run.refresh_from_db()
    assert run.state == TrackRun.State.CANCELLED
    assert Event.objects.filter(action=Event.Action.COMPUTE_HOLD_REFUSED).exists()


def test_only_a_rights_manager_decides_a_hold(budgeted_track,
                                              django_capture_on_commit_callbacks):
    _agreement, _title, track = budgeted_track
    media_for(track, 90)
    with django_capture_on_commit_callbacks(execute=True):
        run = qa_services.quality_check_enqueue(track=track)
    hold = ComputeHold.objects.get(run_id=str(run.pk))
    translator = user_create(username="tr", password="pw-long-enough", role=Role.TRANSLATOR)
    with pytest.raises(Exception, match="(?i)rights manager|administrator"):
        compute.hold_decide(actor=translator, hold=hold, release=True)
    hold.refresh_from_db()
    assert hold.state == "pending"


def test_a_run_within_the_budget_is_queued_at_once(budgeted_track,
                                                    django_capture_on_commit_callbacks):
    _agreement, _title, track = budgeted_track
    media_for(track, 30)  # 0.50 of the 1.00
    with django_capture_on_commit_callbacks(execute=True):
        run = qa_services.quality_check_enqueue(track=track)
    run.refresh_from_db()
    assert run.state == TrackRun.State.DONE
    assert not ComputeHold.objects.exists()


def test_the_threshold_setting_holds_earlier(budgeted_track, settings,
                                             django_capture_on_commit_callbacks):
    _agreement, _title, track = budgeted_track
    settings.COMPUTE_BUDGET_HOLD_AT = "0.4"
    media_for(track, 30)  # 0.50 > 0.40 of the budget
    with django_capture_on_commit_callbacks(execute=True):
        run = qa_services.quality_check_enqueue(track=track)
    run.refresh_from_db()
    assert run.state == TrackRun.State.QUEUED
    assert ComputeHold.objects.filter(run_id=str(run.pk), state="pending").exists()


def test_a_title_without_an_ai_compute_budget_is_never_held(db,
                                                            django_capture_on_commit_callbacks):
    price_list(cpu_hour="1.00")
    record(TitleFactory(), stage="qa", cpu_seconds=3600 * 100, content_seconds=60)
    track = korean_track()
    media_for(track, 600)
    with django_capture_on_commit_callbacks(execute=True):
        run = qa_services.quality_check_enqueue(track=track)
    run.refresh_from_db()
    assert run.state == TrackRun.State.DONE


def test_a_budget_already_spent_holds_even_without_history(db,
                                                           django_capture_on_commit_callbacks):
    price_list(cpu_hour="1.00")
    agreement, _sfr, _utopai = fifty_fifty()
    title = agreement.titles.get()
    compute_budget(agreement, title, "1.00")
    record(title, stage="transcription", cpu_seconds=3600 * 2)
    track = korean_track(title)
    with django_capture_on_commit_callbacks(execute=True):
        run = qa_services.quality_check_enqueue(track=track)
    hold = ComputeHold.objects.get(run_id=str(run.pk))
    assert hold.spent == Decimal("2.00") and hold.estimate == 0
    assert BudgetLine.objects.get(category="AI compute").is_ai_compute


def test_usage_rows_are_what_the_run_cost_and_stay_as_recorded():
    price_list()
    usage = record(TitleFactory())
    assert ComputeUsage.objects.count() == 1
    assert usage.cost == usage.cpu_cost + usage.gpu_cost + usage.energy_cost


def test_the_runs_page_says_a_run_is_held_and_why(budgeted_track, client,
                                                  django_capture_on_commit_callbacks):
    agreement, _title, track = budgeted_track
    media_for(track, 90)
    with django_capture_on_commit_callbacks(execute=True):
        run = qa_services.quality_check_enqueue(track=track)
    manager = user_create(username="rm", password="pw-long-enough", role=Role.RIGHTS_MANAGER)
    client.force_login(manager)
    page = client.get(reverse("localization:run-list")).content.decode()
    row = page.split(f'data-run="quality_check-{run.pk}"')[1].split("</tr>")[0]
    assert "Held for the AI compute budget" in row
    assert "estimated 1.50 USD; 0.00 of 1.00 USD spent under " + agreement.reference in row
    hold = ComputeHold.objects.get(run_id=str(run.pk))
    compute.hold_decide(actor=manager, hold=hold, release=False)
    page = client.get(reverse("localization:run-list")).content.decode()
    assert "Held for the AI compute budget" not in page


def test_the_api_says_a_run_is_held_for_the_budget(budgeted_track,
                                                    django_capture_on_commit_callbacks):
    from localization.api.serializers import TranslationSerializer
    from localization.translation import services as translation

    agreement, _title, track = budgeted_track
    media_for(track, 90)
    # Translation history at the same rate as QA's, so the estimate passes the budget.
    record(TitleFactory(), stage="translation", cpu_seconds=3600, content_seconds=60)
    with django_capture_on_commit_callbacks(execute=True):
        [target] = translation.track_translate(source_track=track, languages=["ja"])
    run = target.runs.get()
    data = TranslationSerializer(run).data
    assert data["state"] == "queued"
    assert data["budget_hold"] == {"estimate": "1.50000000", "spent": "0.00000000",
                                   "budget": "1.00000000", "currency": "USD",
                                   "agreement": agreement.reference}
    manager = user_create(username="rm", password="pw-long-enough", role=Role.RIGHTS_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        compute.hold_decide(actor=manager, hold=ComputeHold.objects.get(run_id=str(run.pk)),
                            release=True)
    run.refresh_from_db()
    assert TranslationSerializer(run).data["budget_hold"] is None


def test_a_held_run_cancelled_meanwhile_withdraws_its_hold(budgeted_track,
                                                           django_capture_on_commit_callbacks):
    from localization.runs import lifecycle

    _agreement, _title, track = budgeted_track
    media_for(track, 90)
    with django_capture_on_commit_callbacks(execute=True):
        run = qa_services.quality_check_enqueue(track=track)
    lifecycle.run_cancel(qa_services.KIND, run)
    hold = ComputeHold.objects.get(run_id=str(run.pk))
    assert hold.state == "withdrawn"
    assert Event.objects.filter(action=Event.Action.COMPUTE_HOLD_WITHDRAWN).count() == 1
    manager = user_create(username="rm", password="pw-long-enough", role=Role.RIGHTS_MANAGER)
    with pytest.raises(ValidationError, match="already decided"):
        compute.hold_decide(actor=manager, hold=hold, release=True)
