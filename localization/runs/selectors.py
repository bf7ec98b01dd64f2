"""What the background-work page shows: the runs of every kind, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from coprod.compute.models import ComputeHold
from localization.runs.registry import RUN_KINDS, RunKind

RELATED = {
    "transcription": ("media__title",),
    "translation": ("track__title",),
    "quality_check": ("track__title",),
    "dub": ("track__title",),
    "package": ("title", "licensee"),
    "shot_detection": ("media__title",),
}


@dataclass(frozen=True)
class RunRow:
    kind: RunKind
    run: object

    @property
    def subject(self):
        run = self.run
        return getattr(run, "track", None) or getattr(run, "media", None) or run.title


def run_rows(*, active_only: bool = False, limit: int = 50) -> list[RunRow]:
    """The latest runs of every kind (the active ones only, if asked), newest first."""
    rows = []
    for key, kind in RUN_KINDS.items():
        runs = kind.queryset().select_related(*RELATED[key])
        if active_only:
            runs = runs.filter(state__in=sorted(kind.machine.active))
        rows += [RunRow(kind, run) for run in runs.order_by("-created_at", "-id")[:limit]]
    rows.sort(key=lambda row: row.run.created_at, reverse=True)
    return rows[:limit]


def runs_active_exist(rows: list[RunRow]) -> bool:
    return any(row.run.is_active for row in rows)


def run_budget_hold(run) -> ComputeHold | None:
    """The pending hold of a run queued without a message (held for its title's AI compute
    budget), or None. Only such runs are looked up."""
    if run is None or getattr(run, "task_id", "x") or run.state != "queued":
        return None
    return (ComputeHold.objects.filter(run_type=run._meta.label_lower, run_id=str(run.pk),
                                       state=ComputeHold.State.PENDING)
            .select_related("agreement").first())
