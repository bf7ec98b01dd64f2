"""The operator's side of background runs: retry and cancel by a person (with the same
permission checks as the pages), and the periodic check that puts back in the queue every
run whose worker stopped reporting."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from localization.permissions import check_can_change_run
from localization.runs import lifecycle
from localization.runs.registry import CHECKED_KINDS, RunKind

logger = logging.getLogger(__name__)


def run_retry(*, kind: RunKind, run, user):
    check_can_change_run(user, kind.key, run)
    return lifecycle.run_retry(kind, run, actor=user)


def run_cancel(*, kind: RunKind, run, user):
    check_can_change_run(user, kind.key, run)
    return lifecycle.run_cancel(kind, run, actor=user)


def runs_requeue_stale(*, now: dt.datetime | None = None) -> list:
    """Put back in the queue every running run, of every kind (and every running chunk
    of a long transcription), whose worker has not reported for RUN_STALE_AFTER_SECONDS.
    Returns the runs requeued."""
    now = now or timezone.now()
    requeued = []
    for kind in CHECKED_KINDS:
        for run in lifecycle.stale_candidates(kind, now=now).only("pk"):
            run = lifecycle.run_requeue(kind, run, now=now)
            if run is not None:
                logger.warning("%s %s: worker %s is gone; queued again", kind.key, run.pk,
                               run.worker or "?")
                requeued.append(run)
    return requeued
