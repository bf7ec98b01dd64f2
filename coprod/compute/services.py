"""Writing what the AI work costs: price lists and carbon intensities (new versions only),
the measured usage of each task priced at the versions in force when it started, and the
budget holds a rights manager decides."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from coprod.accounts.models import User
from coprod.accounts.permissions import CATALOG_ROLES, check_roles
from coprod.audit.models import Event
from coprod.audit.services import event_record, snapshot
from coprod.catalog.models import Title
from coprod.compute import selectors
from coprod.compute.models import (
    PRICE_PLACES,
    CarbonIntensity,
    ComputeHold,
    ComputeUsage,
    GpuPrice,
    PriceList,
)

# Sent when a rights manager decides a hold, inside the decision's transaction: the
# pipeline queues the run (``released``) or cancels it. The business side does not know
# the pipeline's runs; ``localization.runs.receivers`` does.
hold_decided = Signal()

QUANTUM = Decimal(1).scaleb(-PRICE_PLACES)
SECONDS_PER_HOUR = Decimal(3600)
JOULES_PER_KWH = Decimal(3_600_000)


def _exact(value) -> Decimal:
    return Decimal(value).quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


# --- prices and carbon intensity -------------------------------------------------------------

def _effective_from_errors(effective_from: dt.datetime, latest) -> dict[str, str]:
    # A version takes effect now or later, never in the past: a task already measured keeps
    # the prices it ran under, and a report of a past month never changes.
    now = timezone.now()
    if effective_from < now - dt.timedelta(minutes=5):
        return {"effective_from": _("A new version takes effect now or later, not in the "
                                    "past: tasks already measured keep their prices.")}
    if latest is not None and effective_from <= latest.effective_from:
        return {"effective_from": _("Version %(version)s is in force from %(date)s; a new "
                                    "version must start after it.")
                % {"version": latest.version, "date": latest.effective_from.isoformat()}}
    return {}


def _next_version(model, site: str, effective_from: dt.datetime) -> int:
    """The number of ``site``'s next version of ``model``, taking effect at
    ``effective_from``; call inside a transaction. The latest version is locked, so two
    new versions cannot share a number (the unique constraint catches a site's first)."""
    latest = model.objects.select_for_update().filter(site=site).order_by("-version").first()
    errors = _effective_from_errors(effective_from, latest)
    if errors:
        raise ValidationError(errors)
    return (latest.version + 1) if latest else 1


def price_list_create(*, actor: User | None, site: str, currency: str, cpu_hour: Decimal,
                      kwh: Decimal, gpu_hours: dict[str, Decimal], source: str,
                      source_date: dt.date, effective_from: dt.datetime | None = None
                      ) -> PriceList:
    """Add the next version of ``site``'s prices (in force from ``effective_from``, now by
    default), with one price per GPU-hour for each card in ``gpu_hours``."""
    effective_from = effective_from or timezone.now()
    if currency != settings.COMPUTE_CURRENCY:
        raise ValidationError({"currency": _(
            "Compute prices are kept in %(currency)s (the COMPUTE_CURRENCY setting), the "
            "currency of the AI compute budgets.") % {"currency": settings.COMPUTE_CURRENCY}})
    with transaction.atomic():
        prices = PriceList(site=site, version=_next_version(PriceList, site, effective_from),
                           effective_from=effective_from, currency=currency,
                           cpu_hour=cpu_hour, kwh=kwh, source=source,
                           source_date=source_date, created_by=actor)
        prices.full_clean()
        prices.save()
        for card, hour in sorted(gpu_hours.items()):
            price = GpuPrice(price_list=prices, card=card.strip(), hour=hour)
            price.full_clean(exclude=["price_list"])
            price.save()
        event_record(actor=actor, action=Event.Action.COMPUTE_PRICES_ADDED, instance=prices,
                     after=snapshot(prices, extra={"gpu_hours": {
                         card: str(hour) for card, hour in sorted(gpu_hours.items())}}))
    return prices


def carbon_intensity_create(*, actor: User | None, site: str, grams_per_kwh: Decimal,
                            source: str, source_date: dt.date,
                            effective_from: dt.datetime | None = None) -> CarbonIntensity:
    """Add the next version of ``site``'s grid carbon intensity."""
    effective_from = effective_from or timezone.now()
    with transaction.atomic():
        intensity = CarbonIntensity(site=site,
                                    version=_next_version(CarbonIntensity, site, effective_from),
                                    effective_from=effective_from, grams_per_kwh=grams_per_kwh,
                                    source=source, source_date=source_date, created_by=actor)
        intensity.full_clean()
        intensity.save()
        event_record(actor=actor, action=Event.Action.COMPUTE_CARBON_ADDED,
                     instance=intensity, after=snapshot(intensity))
    return intensity


def _in_force(model: type[models.Model], site: str, at: dt.datetime):
    return (model.objects.filter(site=site, effective_from__lte=at)
            .order_by("-effective_from", "-version").first())


# --- measured usage --------------------------------------------------------------------------

def usage_record(*, run_type: str, run_id, task: str, stage: str, attempt: int, outcome: str,
                 title: Title, started_at: dt.datetime, wall_seconds: float,
                 cpu_seconds: float, peak_memory_bytes: int, cpu_energy_joules: float,
                 energy_note: str, site: str, worker: str = "", episode: str = "",
                 language: str = "", content_key: str = "", content_seconds: float = 0,
                 media_seconds: float = 0, models_used: list[str] | None = None,
                 device: str = "cpu", gpu_name: str = "", gpu_seconds: float = 0,
                 gpu_energy_joules: float | None = None) -> ComputeUsage:
    """Record one measured attempt of a task, priced at the site's price list and carbon
    intensity in force at ``started_at``. A task with no price list (or none for its GPU
    card) is recorded unpriced, and the reports say so."""
    prices = _in_force(PriceList, site, started_at)
    intensity = _in_force(CarbonIntensity, site, started_at)
    cpu_seconds_exact = Decimal(repr(float(cpu_seconds)))
    gpu_seconds_exact = Decimal(repr(float(gpu_seconds)))
    cpu_joules = Decimal(repr(float(cpu_energy_joules))).quantize(Decimal("0.001"))
    gpu_joules = (Decimal(repr(float(gpu_energy_joules))).quantize(Decimal("0.001"))
                  if gpu_energy_joules is not None else Decimal(0))
    joules = cpu_joules + gpu_joules
    kwh = joules / JOULES_PER_KWH
    usage = ComputeUsage(
        run_type=run_type, run_id=str(run_id), task=task, stage=stage, attempt=attempt,
        outcome=outcome, title=title, episode=episode[:100], language=language,
        content_key=content_key, content_seconds=Decimal(repr(float(content_seconds))
                                                         ).quantize(Decimal("0.001")),
        media_seconds=Decimal(repr(float(media_seconds))).quantize(Decimal("0.001")),
        models_used=list(models_used or []), worker=worker[:255], site=site,
        started_at=started_at, wall_seconds=_seconds(wall_seconds),
        cpu_seconds=_seconds(cpu_seconds), peak_memory_bytes=int(peak_memory_bytes),
        device=device, gpu_name=gpu_name, gpu_seconds=_seconds(gpu_seconds),
        cpu_energy_joules=cpu_joules, gpu_energy_joules=gpu_joules, energy_joules=joules,
        energy_source=(ComputeUsage.EnergySource.NVML if gpu_energy_joules is not None
                       else ComputeUsage.EnergySource.ESTIMATE),
        energy_note=energy_note[:200], price_list=prices, carbon_intensity=intensity)
    # An attempt lost with its worker has only the time it held the run: it stays unpriced.
    if prices is not None and outcome != ComputeUsage.Outcome.LOST:
        usage.currency = prices.currency
        usage.cpu_cost = _exact(cpu_seconds_exact / SECONDS_PER_HOUR * prices.cpu_hour)
        usage.energy_cost = _exact(kwh * prices.kwh)
        gpu_hour = prices.gpu_hour(gpu_name) if device == "cuda" else Decimal(0)
        if gpu_hour is not None:
            usage.gpu_cost = _exact(gpu_seconds_exact / SECONDS_PER_HOUR * gpu_hour)
            usage.cost = usage.cpu_cost + usage.gpu_cost + usage.energy_cost
    if intensity is not None and outcome != ComputeUsage.Outcome.LOST:
        usage.emissions_grams = (kwh * intensity.grams_per_kwh).quantize(Decimal("0.000001"))
    usage.save()
    return usage


def _seconds(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal("0.000001"))


# --- the AI compute budget -------------------------------------------------------------------

def budget_hold_check(*, run_type: str, run_id, task: str, stage: str, title: Title,
                      content_key: str, content_seconds: float) -> ComputeHold | None:
    """Hold the run when its estimated cost would take ``title`` (or a series it belongs
    to) past an AI compute budget line: spent + estimate above the budget times
    COMPUTE_BUDGET_HOLD_AT. Returns the pending hold (with its event), or None when the
    run may be queued. Called in the transaction that would queue the run."""
    estimate = selectors.stage_estimate(stage=stage, content_key=content_key,
                                        content_seconds=content_seconds)
    threshold = Decimal(str(settings.COMPUTE_BUDGET_HOLD_AT))
    for status in selectors.budget_status_for(title):
        if status.spent + estimate <= status.budget * threshold:
            continue
        hold = ComputeHold(run_type=run_type, run_id=str(run_id), task=task, stage=stage,
                           title=title, budget_title=status.title, agreement=status.agreement,
                           currency=status.currency, budget=status.budget,
                           spent=_exact(status.spent), estimate=_exact(estimate))
        try:
            with transaction.atomic():
                hold.save()
        except IntegrityError:  # already held: the one pending hold stands
            return ComputeHold.objects.get(run_type=run_type, run_id=str(run_id),
                                           state=ComputeHold.State.PENDING)
        event_record(actor=None, action=Event.Action.COMPUTE_HELD, instance=hold,
                     title=title, agreement=status.agreement, after=snapshot(hold))
        return hold
    return None


def hold_decide(*, actor: User, hold: ComputeHold, release: bool) -> ComputeHold:
    """A rights manager's decision: release the run (it is queued) or refuse it (it is
    cancelled). Only a pending hold is decided, once."""
    check_roles(actor, CATALOG_ROLES)
    with transaction.atomic():
        locked = ComputeHold.objects.select_for_update().get(pk=hold.pk)
        if locked.state != ComputeHold.State.PENDING:
            raise ValidationError(_("This hold was already decided (%(state)s).")
                                  % {"state": locked.get_state_display()})
        before = snapshot(locked)
        locked.state = ComputeHold.State.RELEASED if release else ComputeHold.State.REFUSED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        event_record(actor=actor, action=(Event.Action.COMPUTE_HOLD_RELEASED if release
                                          else Event.Action.COMPUTE_HOLD_REFUSED),
                     instance=locked, title=locked.title, agreement=locked.agreement,
                     before=before, after=snapshot(locked))
        hold_decided.send(sender=ComputeHold, hold=locked, released=release, actor=actor)
    return locked


def holds_withdraw(*, run_type: str, run_id, actor: User | None = None) -> int:
    """Close the pending hold of a run cancelled while it waited, so that no rights manager
    is asked about it any more. Returns how many were closed (0 or 1)."""
    closed = 0
    for hold in ComputeHold.objects.select_for_update().filter(
            run_type=run_type, run_id=str(run_id), state=ComputeHold.State.PENDING):
        before = snapshot(hold)
        hold.state = ComputeHold.State.WITHDRAWN
        hold.decided_by = actor
        hold.decided_at = timezone.now()
        hold.save(update_fields=["state", "decided_by", "decided_at"])
        event_record(actor=actor, action=Event.Action.COMPUTE_HOLD_WITHDRAWN, instance=hold,
                     title=hold.title, agreement=hold.agreement, before=before,
                     after=snapshot(hold))
        closed += 1
    return closed
