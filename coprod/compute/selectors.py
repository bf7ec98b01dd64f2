"""Reading what the AI work cost: roll-ups by title, episode, language, stage, agreement and
month, cost per minute of content, spent against the AI compute budget, and estimates.

Content minutes count each media file once per group, however many tasks (chunks,
retries, stages) worked on it: the cost per minute of a title is what it cost to
localize one minute of it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from coprod.agreements.models import AI_COMPUTE_CATEGORY, MINOR_UNITS, Agreement, BudgetLine
from coprod.catalog.models import Title
from coprod.compute.models import ComputeHold, ComputeUsage, Stage

JOULES_PER_KWH = Decimal(3_600_000)
SIXTY = Decimal(60)
# How many recent priced tasks of a stage the estimate of a new run learns from.
ESTIMATE_SAMPLE = 200

GROUPS = {
    "title": "title_id",
    "episode": "episode",
    "language": "language",
    "stage": "stage",
    "month": "month",
    "task": "task",
    "site": "site",
}


def title_family_ids(title_ids) -> set[int]:
    """The titles and everything below them (a series' seasons and episodes)."""
    family = set(title_ids)
    frontier = set(family)
    while frontier:
        frontier = set(Title.objects.filter(parent_id__in=frontier)
                       .values_list("pk", flat=True)) - family
        family |= frontier
    return family


def usage_for_title(title: Title) -> QuerySet[ComputeUsage]:
    return ComputeUsage.objects.filter(title_id__in=title_family_ids([title.pk]))


def usage_for_agreement(agreement: Agreement) -> QuerySet[ComputeUsage]:
    """The usage on the titles the agreement covers and their seasons and episodes. A title
    covered by two agreements counts in the reports of both."""
    covered = agreement.titles.values_list("pk", flat=True)
    return ComputeUsage.objects.filter(title_id__in=title_family_ids(covered))


def usage_for_agreements(agreements) -> QuerySet[ComputeUsage]:
    covered = Title.objects.filter(agreements__in=agreements).values_list("pk", flat=True)
    return ComputeUsage.objects.filter(title_id__in=title_family_ids(covered))


def money(amount: Decimal | None, currency: str) -> Decimal | None:
    """``amount`` rounded to the currency's minor unit, for showing (sums keep eight
    decimals until then)."""
    if amount is None:
        return None
    places = MINOR_UNITS.get(currency, 2)
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass
class Rollup:
    """The totals of one group of tasks."""

    key: object = None
    label: str = ""
    tasks: int = 0
    unpriced: int = 0
    wall_seconds: Decimal = Decimal(0)
    cpu_seconds: Decimal = Decimal(0)
    gpu_seconds: Decimal = Decimal(0)
    energy_joules: Decimal = Decimal(0)
    estimated_energy_tasks: int = 0
    cost: Decimal = Decimal(0)
    emissions_grams: Decimal = Decimal(0)
    content_seconds: Decimal = Decimal(0)
    media_seconds: Decimal = Decimal(0)
    peak_memory_bytes: int = 0
    currency: str = field(default_factory=lambda: settings.COMPUTE_CURRENCY)

    @property
    def energy_kwh(self) -> Decimal:
        return self.energy_joules / JOULES_PER_KWH

    @property
    def content_minutes(self) -> Decimal:
        return self.content_seconds / SIXTY

    @property
    def cost_per_minute(self) -> Decimal | None:
        if not self.content_seconds:
            return None
        return self.cost / self.content_minutes

    @property
    def cost_shown(self) -> Decimal | None:
        return money(self.cost, self.currency)

    @property
    def cost_per_minute_shown(self) -> Decimal | None:
        value = self.cost_per_minute
        return None if value is None else value.quantize(Decimal("0.0001"),
                                                          rounding=ROUND_HALF_UP)


def _content_seconds(usage: QuerySet[ComputeUsage], group: str | None) -> dict:
    """Per group, the length of the distinct media files its tasks worked on."""
    fields = [group] if group else []
    rows = (usage.exclude(content_key="").values(*fields, "content_key")
            .annotate(seconds=Max("content_seconds")))
    totals: dict = defaultdict(Decimal)
    for row in rows:
        totals[row[group] if group else None] += row["seconds"]
    return totals


def rollup(usage: QuerySet[ComputeUsage], by: str | None = None) -> list[Rollup]:
    """The totals of ``usage``, in one row or one row per group (a key of ``GROUPS``)."""
    group = GROUPS[by] if by else None
    if by == "month":
        usage = usage.annotate(month=TruncMonth("started_at"))
    sums = {"tasks": Count("pk"), "unpriced": Count("pk", filter=Q(cost__isnull=True)),
            "wall": Sum("wall_seconds"), "cpu": Sum("cpu_seconds"), "gpu": Sum("gpu_seconds"),
            "joules": Sum("energy_joules"), "media": Sum("media_seconds"),
            "peak": Max("peak_memory_bytes"), "cost": Sum("cost"),
            "grams": Sum("emissions_grams"),
            "estimated": Count("pk", filter=Q(
                energy_source=ComputeUsage.EnergySource.ESTIMATE))}
    if group:
        rows = list(usage.values(group).order_by(group).annotate(**sums))
    else:
        rows = [usage.aggregate(**sums)]
    content = _content_seconds(usage, group)
    labels = _labels(by, [row[group] for row in rows]) if group else {}
    result = []
    for row in rows:
        key = row[group] if group else None
        result.append(Rollup(
            key=key, label=labels.get(key, "" if key is None else str(key)),
            tasks=row["tasks"], unpriced=row["unpriced"], wall_seconds=row["wall"] or 0,
            cpu_seconds=row["cpu"] or 0, gpu_seconds=row["gpu"] or 0,
            energy_joules=row["joules"] or 0, estimated_energy_tasks=row["estimated"],
            cost=row["cost"] or Decimal(0), emissions_grams=row["grams"] or Decimal(0),
            content_seconds=content.get(key, Decimal(0)), media_seconds=row["media"] or 0,
            peak_memory_bytes=row["peak"] or 0))
    return result


def total(usage: QuerySet[ComputeUsage]) -> Rollup:
    return rollup(usage)[0]


def _labels(by: str, keys: list) -> dict:
    if by == "title":
        return {title.pk: str(title) for title in Title.objects.filter(pk__in=keys)}
    if by == "stage":
        return {key: str(Stage(key).label) for key in keys if key in Stage.values}
    if by == "month":
        return {key: key.strftime("%Y-%m") for key in keys if key is not None}
    if by == "episode":
        return {key: key or "—" for key in keys}
    return {}


def rollup_by_agreement(agreements) -> list[Rollup]:
    """One row per agreement, over the titles each covers."""
    rows = []
    for agreement in agreements:
        row = total(usage_for_agreement(agreement))
        row.key, row.label = agreement.pk, str(agreement)
        rows.append(row)
    return rows


# --- the AI compute budget -------------------------------------------------------------------

@dataclass
class BudgetStatus:
    agreement: Agreement
    title: Title
    currency: str
    budget: Decimal
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.spent

    @property
    def percent(self) -> Decimal | None:
        if not self.budget:
            return None
        return (self.spent * 100 / self.budget).quantize(Decimal("0.1"))

    @property
    def spent_shown(self) -> Decimal:
        return money(self.spent, self.currency)


def ai_compute_lines() -> QuerySet[BudgetLine]:
    return (BudgetLine.objects.filter(category__iexact=AI_COMPUTE_CATEGORY,
                                      currency=settings.COMPUTE_CURRENCY)
            .exclude(agreement__status=Agreement.Status.TERMINATED))


def _statuses(lines: QuerySet[BudgetLine]) -> list[BudgetStatus]:
    budgets: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for line in lines:
        budgets[(line.agreement_id, line.title_id)] += line.amount
    agreements = Agreement.objects.in_bulk({key[0] for key in budgets})
    titles = Title.objects.in_bulk({key[1] for key in budgets})
    statuses = []
    for (agreement_id, title_id), budget in sorted(budgets.items()):
        title = titles[title_id]
        spent = usage_for_title(title).aggregate(spent=Sum("cost"))["spent"] or Decimal(0)
        statuses.append(BudgetStatus(agreement=agreements[agreement_id], title=title,
                                     currency=settings.COMPUTE_CURRENCY, budget=budget,
                                     spent=spent))
    return statuses


def budget_status_for(title: Title) -> list[BudgetStatus]:
    """The AI compute budgets that cover ``title``: lines on it or on a series it belongs
    to, each with what the title (or that series) has spent."""
    family = [title.pk, *(ancestor.pk for ancestor in title.ancestors())]
    return _statuses(ai_compute_lines().filter(title_id__in=family))


def budget_statuses() -> list[BudgetStatus]:
    """Every AI compute budget, with what its title has spent."""
    return _statuses(ai_compute_lines())


def budget_status_of_agreement(agreement: Agreement) -> list[BudgetStatus]:
    return _statuses(ai_compute_lines().filter(agreement=agreement))


def stage_estimate(*, stage: str, content_key: str, content_seconds: float) -> Decimal:
    """What a new run of ``stage`` over ``content_seconds`` of media will likely cost: the
    stage's cost per second of content over its recent priced tasks. Zero before the stage
    has any history (then only a budget already spent holds a run)."""
    if not content_seconds:
        return Decimal(0)
    recent = list(ComputeUsage.objects.filter(stage=stage, cost__isnull=False)
                  .exclude(content_key="").order_by("-started_at")
                  .values_list("pk", flat=True)[:ESTIMATE_SAMPLE])
    if not recent:
        return Decimal(0)
    sample = total(ComputeUsage.objects.filter(pk__in=recent))
    if not sample.content_seconds:
        return Decimal(0)
    return sample.cost / sample.content_seconds * Decimal(repr(float(content_seconds)))


# --- what the pages show -----------------------------------------------------------------------

CHART_WIDTH = 1000


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    width: int  # of CHART_WIDTH


def bars(rows: list[Rollup]) -> list[Bar]:
    """A horizontal bar per row, as long as its cost against the largest (for an SVG)."""
    largest = max((row.cost for row in rows), default=Decimal(0))
    return [Bar(label=row.label, value=row.cost,
                width=int(row.cost * CHART_WIDTH / largest) if largest else 0)
            for row in rows]


def report(usage: QuerySet[ComputeUsage], *, groups=("stage", "month", "language")) -> dict:
    """The totals of ``usage`` and its roll-ups by each of ``groups``, with the bars of the
    cost by stage and by month."""
    result = {"total": total(usage)}
    for group in groups:
        result[f"by_{group}"] = rollup(usage, by=group)
    if "stage" in groups:
        result["stage_bars"] = bars(result["by_stage"])
    if "month" in groups:
        result["month_bars"] = bars(result["by_month"])
    return result


def pending_holds(*, titles=None, agreement: Agreement | None = None) -> QuerySet:
    holds = (ComputeHold.objects.filter(state=ComputeHold.State.PENDING)
             .select_related("title", "agreement", "budget_title"))
    if titles is not None:
        holds = holds.filter(title_id__in=titles)
    if agreement is not None:
        holds = holds.filter(agreement=agreement)
    return holds
