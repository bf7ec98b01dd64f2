"""The periodic check for runs whose worker is gone (Celery beat, on the ``default``
queue)."""

from localization import background
from localization.runs.services import runs_requeue_stale


@background.pipeline_task(background.REQUEUE_STALE_RUNS)
def requeue_stale_runs() -> int:
    return len(runs_requeue_stale())
