"""Every pipeline task is measured and recorded with its cost: CPU seconds, wall time, peak
memory, energy (estimated on a CPU, read from the card through NVML on a GPU) and the
models it used, priced at the site's prices in force when it ran."""

import datetime as dt
import resource
import time
import types
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from coprod.compute import services as compute
from coprod.compute.models import ComputeUsage
from localization.engines import gpu
from localization.qa import services as qa_services
from localization.runs import lifecycle, metering
from localization.runs.models import TrackRun
from tests.factories import TitleFactory
from tests.localization.runs.test_runs import korean_track

pytestmark = pytest.mark.django_db

BURN = 0.6  # CPU seconds the task spends
SLEEP = 0.3  # seconds it waits without CPU
HOLD_BYTES = 160 * 1024 * 1024


def prices(**overrides):
    values = {"site": "local", "currency": "USD", "cpu_hour": Decimal("0.36"),
              "kwh": Decimal("0.20"), "gpu_hours": {"NVIDIA H200": Decimal("7.20")},
              "source": "test tariff", "source_date": dt.date(2026, 11, 1)}
    return compute.price_list_create(actor=None, **(values | overrides))


def burn_cpu(seconds: float) -> None:
    start = time.process_time()
    while time.process_time() - start < seconds:
        sum(range(2000))


def claimed_quality_check(track=None) -> TrackRun:
    run = TrackRun.objects.create(track=track or korean_track(), kind=TrackRun.Kind.QUALITY_CHECK)
    run, claimed = lifecycle.run_claim(qa_services.KIND, run.pk, worker="test@host")
    assert claimed
    return run


def run_work(run, work):
    return lifecycle.run_guarded(qa_services.KIND, run, work, time_limit_message="limit")


def test_a_task_of_known_cpu_time_is_recorded_with_its_figures_and_cost(settings):
    settings.COMPUTE_CPU_WATTS_PER_CORE = 10.0
    price_list = prices()
    run = claimed_quality_check()

    def work():
        held = bytearray(HOLD_BYTES)  # touched, so it is resident
        for offset in range(0, len(held), 4096):
            held[offset] = 1
        burn_cpu(BURN)
        time.sleep(SLEEP)
        del held
        return lifecycle.run_finish(qa_services.KIND, run, result={})

    def process_cpu() -> float:  # this process and the children it waited for
        return sum(usage.ru_utime + usage.ru_stime for usage in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN)))

    process_before = process_cpu()
    finished = run_work(run, work)
    process_used = process_cpu() - process_before
    assert finished.state == TrackRun.State.DONE
    usage = ComputeUsage.objects.get(run_type="localization.trackrun", run_id=str(run.pk))
    assert usage.task == "quality_check" and usage.stage == "qa" and usage.outcome == "done"
    assert usage.title == run.track.title and usage.language == "ko"
    assert usage.attempt == 1 and usage.worker == "test@host" and usage.site == "local"
    # CPU time is the process's own, so a loaded machine does not change it: at least the
    # known burn, at most what this process used over the whole run (other threads of the
    # test process, a fixture's server, may add to it; a worker's pool process has none).
    assert process_used < BURN + 5, "the run itself took far more CPU than its burn"
    assert Decimal(str(BURN)) <= usage.cpu_seconds <= Decimal(str(process_used)) + Decimal(
        "0.000001")
    assert usage.wall_seconds >= Decimal(str(BURN + SLEEP))
    assert usage.wall_seconds - usage.cpu_seconds >= Decimal(str(SLEEP * 0.9))
    assert usage.peak_memory_bytes >= HOLD_BYTES
    assert usage.device == "cpu" and usage.gpu_seconds == 0
    assert usage.energy_source == ComputeUsage.EnergySource.ESTIMATE
    assert "estimated at 10 W" in usage.energy_note
    assert usage.energy_joules == (usage.cpu_seconds * 10).quantize(Decimal("0.001"))
    # Priced at the list in force: CPU hours times the CPU-hour price, plus the energy.
    assert usage.price_list == price_list and usage.currency == "USD"
    assert usage.cpu_cost == (usage.cpu_seconds / 3600 * Decimal("0.36")).quantize(
        Decimal("1e-8"))
    assert usage.energy_cost == (usage.energy_joules / 3_600_000 * Decimal("0.20")).quantize(
        Decimal("1e-8"))
    assert usage.cost == usage.cpu_cost + usage.energy_cost and usage.gpu_cost == 0
    assert usage.emissions_grams is None  # no carbon intensity for the site yet


def resident_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_the_peak_memory_of_a_task_is_its_own_not_the_processes_lifetime_peak():
    big = bytearray(4 * HOLD_BYTES)
    for offset in range(0, len(big), 4096):
        big[offset] = 1
    del big  # the process has been this large before the task, and is no longer
    run = claimed_quality_check()
    before = resident_bytes()
    run_work(run, lambda: lifecycle.run_finish(qa_services.KIND, run, result={}))
    usage = ComputeUsage.objects.get(run_id=str(run.pk))
    assert 0 < usage.peak_memory_bytes < before + HOLD_BYTES


def test_a_failed_attempt_is_recorded_too_and_a_retry_is_a_second_attempt():
    prices()
    run = claimed_quality_check()

    def crash():
        burn_cpu(0.05)
        raise RuntimeError("disk full")

    failed = run_work(run, crash)
    assert failed.state == TrackRun.State.FAILED
    lifecycle.run_retry(qa_services.KIND, failed)
    again, claimed = lifecycle.run_claim(qa_services.KIND, run.pk, worker="other@host")
    assert claimed
    run_work(again, lambda: lifecycle.run_finish(qa_services.KIND, again, result={}))
    rows = list(ComputeUsage.objects.filter(run_id=str(run.pk)).order_by("attempt"))
    assert [(row.attempt, row.outcome, row.worker) for row in rows] == [
        (1, "failed", "test@host"), (2, "done", "other@host")]
    assert rows[0].cost > 0


def test_a_real_quality_check_run_records_its_stage_language_and_media(
        django_capture_on_commit_callbacks):
    track = korean_track()
    with django_capture_on_commit_callbacks(execute=True):  # eager in tests: it runs now
        run = qa_services.quality_check_enqueue(track=track)
    run.refresh_from_db()
    assert run.state == TrackRun.State.DONE
    usage = ComputeUsage.objects.get(run_id=str(run.pk))
    assert (usage.stage, usage.language, usage.title_id) == ("qa", "ko", track.title_id)
    assert usage.cost is None  # no price list for the site: recorded unpriced


def test_the_models_a_task_used_are_recorded():
    run = claimed_quality_check()

    def work():
        metering.model_used("Whisper base 20231117")
        metering.model_used("Whisper base 20231117")
        metering.model_used("NLLB-200 distilled 600M")
        return lifecycle.run_finish(qa_services.KIND, run, result={})

    run_work(run, work)
    assert ComputeUsage.objects.get(run_id=str(run.pk)).models_used == [
        "Whisper base 20231117", "NLLB-200 distilled 600M"]


# --- a GPU, through a fake NVML (no card on this machine) -------------------------------------

class FakeNvml(types.SimpleNamespace):
    """The few NVML calls the meter makes, over two cards with energy counters (mJ)."""

    class NVMLError(Exception):
        pass

    def __init__(self, *, energy_counter=True):
        super().__init__()
        self.energy = {0: 5_000_000.0, 1: 9_000_000.0}
        self.power = {0: 300_000.0, 1: 400_000.0}  # milliwatts
        self.energy_counter = energy_counter

    def nvmlInit(self):
        pass

    def nvmlDeviceGetCount(self):
        return 2

    def nvmlDeviceGetHandleByIndex(self, index):
        return index

    def nvmlDeviceGetHandleByUUID(self, uuid):
        raise self.NVMLError("not found")

    def nvmlDeviceGetName(self, handle):
        return "NVIDIA H200" if handle == 1 else "NVIDIA A100"

    def nvmlDeviceGetTotalEnergyConsumption(self, handle):
        if not self.energy_counter:
            raise self.NVMLError("Not Supported")
        return self.energy[handle]

    def nvmlDeviceGetPowerUsage(self, handle):
        return self.power[handle]


@pytest.fixture
def fake_nvml(monkeypatch):
    fake = FakeNvml()
    monkeypatch.setattr(gpu, "_load_nvml", lambda: fake)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    gpu.reset()
    yield fake
    gpu.reset()


def test_a_gpu_task_records_the_cards_energy_and_time_at_its_gpu_price(fake_nvml, settings):
    settings.COMPUTE_CPU_WATTS_PER_CORE = 10.0
    prices(gpu_hours={"nvidia h200": Decimal("7.20")})  # matched without regard to case
    run = claimed_quality_check()

    def work():
        metering.device_used("cuda")
        fake_nvml.energy[1] += 450_000  # the card this process may use: 450 J
        fake_nvml.energy[0] += 999_000_000  # another card: not this task's
        burn_cpu(0.05)
        return lifecycle.run_finish(qa_services.KIND, run, result={})

    run_work(run, work)
    usage = ComputeUsage.objects.get(run_id=str(run.pk))
    assert usage.device == "cuda" and usage.gpu_name == "NVIDIA H200"
    assert usage.energy_source == ComputeUsage.EnergySource.NVML
    assert usage.gpu_energy_joules == Decimal("450.000")
    assert usage.energy_joules == usage.gpu_energy_joules + usage.cpu_energy_joules
    assert usage.gpu_seconds == usage.wall_seconds
    assert usage.gpu_cost == (usage.gpu_seconds / 3600 * Decimal("7.20")).quantize(
        Decimal("1e-8"))
    assert usage.cost == usage.cpu_cost + usage.gpu_cost + usage.energy_cost
    assert "NVML (energy counter)" in usage.energy_note


def test_a_card_without_an_energy_counter_is_read_by_its_power_draw(fake_nvml):
    fake_nvml.energy_counter = False
    run = claimed_quality_check()

    def work():
        metering.device_used("cuda")
        time.sleep(0.2)
        return lifecycle.run_finish(qa_services.KIND, run, result={})

    run_work(run, work)
    usage = ComputeUsage.objects.get(run_id=str(run.pk))
    # 400 W (card 1) for the task's time, read before and after.
    assert usage.gpu_energy_joules >= Decimal("400") * Decimal("0.2")
    assert usage.gpu_energy_joules <= Decimal("400") * (usage.wall_seconds + 1)
    assert "power sampled" in usage.energy_note


def test_a_gpu_without_its_price_leaves_the_task_unpriced_not_free(fake_nvml):
    prices(gpu_hours={})
    run = claimed_quality_check()

    def work():
        metering.device_used("cuda")
        return lifecycle.run_finish(qa_services.KIND, run, result={})

    run_work(run, work)
    usage = ComputeUsage.objects.get(run_id=str(run.pk))
    assert usage.gpu_cost is None and usage.cost is None
    assert usage.cpu_cost is not None


def test_a_cpu_task_on_a_gpu_machine_is_not_charged_for_the_card(fake_nvml):
    prices()
    run = claimed_quality_check()
    run_work(run, lambda: lifecycle.run_finish(qa_services.KIND, run, result={}))
    usage = ComputeUsage.objects.get(run_id=str(run.pk))
    assert usage.device == "cpu" and usage.gpu_seconds == 0 and usage.gpu_cost == 0


@pytest.mark.skipif(gpu.nvml() is None, reason="needs an NVIDIA GPU and driver (NVML)")
def test_on_a_real_gpu_the_card_is_read_through_nvml():
    meter = gpu.gpu_meter()
    before = meter.read()
    time.sleep(0.5)
    after = meter.read()
    assert before.name.startswith("NVIDIA")
    assert gpu.GpuMeter.joules_between(before, after) > 0


def test_measuring_costs_little_next_to_the_task():
    with metering.measure() as measurement:
        burn_cpu(0.2)
    assert measurement.cpu_seconds >= 0.2
    # The figure bench/cost.py prints; here only that it was measured at all.
    assert measurement.overhead_seconds > 0


def test_recording_that_fails_never_fails_the_run(monkeypatch):
    run = claimed_quality_check()

    def broken(**kwargs):
        raise ValueError("no such site")

    monkeypatch.setattr(metering, "record", broken)
    finished = run_work(run, lambda: lifecycle.run_finish(qa_services.KIND, run, result={}))
    assert finished.state == TrackRun.State.DONE
    assert not ComputeUsage.objects.filter(run_id=str(run.pk)).exists()


def test_a_title_without_prices_gets_prices_from_the_version_in_force_when_it_ran():
    title = TitleFactory()
    first = prices()
    started = timezone.now()
    usage = compute.usage_record(
        run_type="localization.trackrun", run_id=1, task="quality_check", stage="qa",
        attempt=1, outcome="done", title=title, started_at=started, wall_seconds=10,
        cpu_seconds=3600, peak_memory_bytes=1, cpu_energy_joules=0, energy_note="", site="local")
    assert usage.price_list == first and usage.cost == Decimal("0.36")


def test_an_attempt_lost_with_its_worker_is_recorded_with_the_time_it_held_the_run(settings):
    from localization.runs.services import runs_requeue_stale

    settings.RUN_STALE_AFTER_SECONDS = 60
    prices()
    run = TrackRun.objects.create(track=korean_track(), kind=TrackRun.Kind.QUALITY_CHECK)
    started = timezone.now() - dt.timedelta(seconds=400)
    TrackRun.objects.filter(pk=run.pk).update(
        state=TrackRun.State.RUNNING, worker="gone@host", task_id="old", attempts=1,
        started_at=started, heartbeat_at=started + dt.timedelta(seconds=250))
    runs_requeue_stale()
    lost = ComputeUsage.objects.get(run_id=str(run.pk))
    assert (lost.outcome, lost.worker, lost.attempt) == ("lost", "gone@host", 1)
    assert lost.wall_seconds == Decimal(250) and lost.cpu_seconds == 0
    assert lost.cost is None  # not measured: unpriced, never free
    assert "worker died" in lost.energy_note


def test_the_workers_metrics_count_what_tasks_used_and_cost():
    from config.metrics import metrics

    prices()
    found = metrics()
    cpu = found.compute_cpu_seconds.labels("quality_check", "cpu")
    cost = found.compute_cost.labels("quality_check", "USD")
    cpu_before, cost_before = cpu._value.get(), cost._value.get()
    run = claimed_quality_check()

    def work():
        burn_cpu(0.1)
        return lifecycle.run_finish(qa_services.KIND, run, result={})

    run_work(run, work)
    usage = ComputeUsage.objects.get(run_id=str(run.pk))
    assert cpu._value.get() - cpu_before == pytest.approx(float(usage.cpu_seconds))
    assert cost._value.get() - cost_before == pytest.approx(float(usage.cost))
