"""What the AI work costs: the prices and grid carbon intensity of each site where workers
run (versioned, never edited once created), one measured row per pipeline task, and the
runs held for a rights manager's approval because they would take a title past its AI
compute budget.

The pipeline measures its tasks (``localization.runs.metering``) and records them here
(``coprod.compute.services.usage_record``); the business side reads these rows for the
title and agreement pages, the cost dashboard and the partner portal, without knowing the
pipeline's models: a row names its run by model label and id, like an audit event.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from coprod.catalog.models import Title

# Prices per hour or per kWh, and the cost of one task, keep eight decimals: a task of a few
# seconds costs a fraction of a cent, and the sum of many must not lose those fractions.
# Reports round to the currency's minor unit only when they show a figure.
PRICE_PLACES = 8

site_code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{0,39}$",
    _("Lowercase letters, digits and hyphens, as set in the workers' COMPUTE_SITE"))


def price_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=24, decimal_places=PRICE_PLACES,
                               validators=[MinValueValidator(Decimal(0))], **kwargs)


class Stage(models.TextChoices):
    """The stages of the pipeline the roll-ups group by."""

    TRANSCRIPTION = "transcription", _("Transcription")
    TRANSLATION = "translation", _("Translation")
    QA = "qa", _("QA")
    DUBBING = "dubbing", _("Dubbing")
    DELIVERY = "delivery", _("Delivery")


class SiteVersion(models.Model):
    """A figure of a site in force from ``effective_from`` until the next version; with
    its source and date, and who added it. Versions are numbered per site."""

    site = models.CharField(_("site"), max_length=40, validators=[site_code_validator])
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateTimeField(_("in force from"))
    source_date = models.DateField(_("source date"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["site", "-effective_from", "-version"]


class PriceList(SiteVersion):
    """The prices of one site from ``effective_from`` until the next version: per CPU-hour,
    per kWh and per GPU-hour of each card (``GpuPrice``). A version is never edited: a new
    price is a new version, so a task keeps the cost it had at the prices it ran under."""

    currency = models.CharField(_("currency"), max_length=3)
    cpu_hour = price_field(_("price per CPU core-hour"))
    kwh = price_field(_("price per kWh"))
    source = models.CharField(_("source"), max_length=300,
                              help_text=_("Where the prices come from (contract, invoice)"))

    class Meta(SiteVersion.Meta):
        verbose_name = _("compute price list")
        verbose_name_plural = _("compute price lists")
        constraints = [models.UniqueConstraint(fields=["site", "version"],
                                               name="compute_price_list_version")]

    def __str__(self) -> str:
        return f"{self.site} v{self.version} ({self.currency}, {self.effective_from:%Y-%m-%d})"

    def gpu_hour(self, card: str) -> Decimal | None:
        """The price per hour of ``card`` (matched without regard to case), or None."""
        for price in self.gpu_prices.all():
            if price.card.casefold() == card.casefold():
                return price.hour
        return None


class GpuPrice(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE,
                                   related_name="gpu_prices")
    card = models.CharField(_("GPU card"), max_length=100,
                            help_text=_("The name NVML reports, e.g. NVIDIA H200"))
    hour = price_field(_("price per GPU-hour"))

    class Meta:
        ordering = ["card"]
        verbose_name = _("GPU price")
        verbose_name_plural = _("GPU prices")
        constraints = [models.UniqueConstraint(fields=["price_list", "card"],
                                               name="compute_gpu_price_card")]

    def __str__(self) -> str:
        return f"{self.card}: {self.hour}"


class CarbonIntensity(SiteVersion):
    """The grid carbon intensity of a site's electricity from ``effective_from`` on;
    versioned like the prices."""

    grams_per_kwh = models.DecimalField(_("g CO2e per kWh"), max_digits=10, decimal_places=3,
                                        validators=[MinValueValidator(Decimal(0))])
    source = models.CharField(_("source"), max_length=300,
                              help_text=_("Where the figure comes from (grid operator, year)"))

    class Meta(SiteVersion.Meta):
        verbose_name = _("grid carbon intensity")
        verbose_name_plural = _("grid carbon intensities")
        constraints = [models.UniqueConstraint(fields=["site", "version"],
                                               name="compute_carbon_version")]

    def __str__(self) -> str:
        return f"{self.site} v{self.version}: {self.grams_per_kwh} g/kWh"


class ComputeUsage(models.Model):
    """One attempt of one pipeline task, measured by the worker that ran it, with its cost
    and emissions at the prices in force when it started. Never changed once written."""

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        STOPPED = "stopped", _("Stopped (cancelled or requeued)")
        LOST = "lost", _("Lost with its worker")

    class EnergySource(models.TextChoices):
        NVML = "nvml", _("Measured by the GPU (NVML)")
        ESTIMATE = "estimate", _("Estimated from CPU time")

    # The run, named like an audit event's object: its model label and id.
    run_type = models.CharField(_("run type"), max_length=60)
    run_id = models.CharField(_("run id"), max_length=40)
    task = models.CharField(_("task"), max_length=40,
                            help_text=_("The kind of run, e.g. transcription_chunk"))
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    attempt = models.PositiveIntegerField(_("attempt"), default=1)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    title = models.ForeignKey(Title, verbose_name=_("title"), on_delete=models.PROTECT,
                              related_name="compute_usage")
    episode = models.CharField(_("episode"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    # The media file the task worked on, as "<label>:<id>"; content minutes count each once.
    content_key = models.CharField(_("content"), max_length=80, blank=True)
    content_seconds = models.DecimalField(_("content length (s)"), max_digits=12,
                                          decimal_places=3, default=0)
    media_seconds = models.DecimalField(_("media processed (s)"), max_digits=12,
                                        decimal_places=3, default=0)
    models_used = models.JSONField(_("models"), default=list, blank=True)
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    site = models.CharField(_("site"), max_length=40)
    started_at = models.DateTimeField(_("started at"), db_index=True)
    wall_seconds = models.DecimalField(_("wall time (s)"), max_digits=14, decimal_places=6)
    cpu_seconds = models.DecimalField(_("CPU time (s)"), max_digits=14, decimal_places=6)
    peak_memory_bytes = models.PositiveBigIntegerField(_("peak memory (bytes)"))
    device = models.CharField(_("device"), max_length=10, default="cpu")
    gpu_name = models.CharField(_("GPU"), max_length=100, blank=True)
    gpu_seconds = models.DecimalField(_("GPU time (s)"), max_digits=14, decimal_places=6,
                                      default=0)
    cpu_energy_joules = models.DecimalField(_("CPU energy (J)"), max_digits=18,
                                            decimal_places=3, default=0)
    gpu_energy_joules = models.DecimalField(_("GPU energy (J)"), max_digits=18,
                                            decimal_places=3, default=0)
    energy_joules = models.DecimalField(_("energy (J)"), max_digits=18, decimal_places=3)
    energy_source = models.CharField(_("energy source"), max_length=10,
                                     choices=EnergySource.choices)
    energy_note = models.CharField(_("how the energy was found"), max_length=200, blank=True)
    price_list = models.ForeignKey(PriceList, verbose_name=_("price list"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="usage")
    carbon_intensity = models.ForeignKey(CarbonIntensity, verbose_name=_("carbon intensity"),
                                         on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="usage")
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    cpu_cost = price_field(_("CPU cost"), null=True, blank=True)
    gpu_cost = price_field(_("GPU cost"), null=True, blank=True)
    energy_cost = price_field(_("energy cost"), null=True, blank=True)
    cost = price_field(_("cost"), null=True, blank=True)
    emissions_grams = models.DecimalField(_("emissions (g CO2e)"), max_digits=18,
                                          decimal_places=6, null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("AI compute usage")
        verbose_name_plural = _("AI compute usage")
        indexes = [models.Index(fields=["run_type", "run_id"], name="compute_usage_run"),
                   models.Index(fields=["title", "started_at"], name="compute_usage_title")]

    def __str__(self) -> str:
        return f"{self.task} {self.run_id} #{self.attempt} ({self.wall_seconds} s)"

    @property
    def energy_kwh(self) -> Decimal:
        return self.energy_joules / Decimal(3_600_000)


class ComputeHold(models.Model):
    """A run not queued because it would take a title past its AI compute budget; it waits
    for a rights manager, who releases it (it is queued) or refuses it (it is cancelled)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        RELEASED = "released", _("Approved and queued")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn: the run was cancelled")

    run_type = models.CharField(_("run type"), max_length=60)
    run_id = models.CharField(_("run id"), max_length=40)
    task = models.CharField(_("task"), max_length=40)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    title = models.ForeignKey(Title, verbose_name=_("title"), on_delete=models.PROTECT,
                              related_name="compute_holds")
    budget_title = models.ForeignKey(Title, verbose_name=_("budget of"),
                                     on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey("coprod.Agreement", verbose_name=_("agreement"),
                                  on_delete=models.PROTECT, related_name="compute_holds")
    currency = models.CharField(_("currency"), max_length=3)
    budget = price_field(_("budget"))
    spent = price_field(_("spent"))
    estimate = price_field(_("estimated cost"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("compute budget hold")
        verbose_name_plural = _("compute budget holds")
        constraints = [models.UniqueConstraint(
            fields=["run_type", "run_id"], condition=models.Q(state="pending"),
            name="compute_hold_one_pending")]

    def __str__(self) -> str:
        return f"{self.task} {self.run_id} held ({self.get_state_display()})"
