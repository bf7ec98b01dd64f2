"""One way to run background work: queueing, the tasks' settings, the state machine.

- Services enqueue a task by its registered name, once their transaction has committed
  (``task_enqueue_on_commit``); tasks import services, never the reverse, so the
  dependency runs one way. Every task is registered by ``localization.tasks``
  (imported when Django starts and found by the worker's autodiscovery) and routed to
  its queue by name (``CELERY_TASK_ROUTES``).
- Every task is declared with ``pipeline_task``: acknowledged only when done, handed
  back if its worker dies, with the soft and hard time limits of the settings.
- Every run has a row (transcription jobs, translation and QA runs, dubs, delivery
  packages) and moves through a ``RunStateMachine`` (queued, its running steps with
  progress, done, or failed with the reason, or cancelled); ``localization.runs.lifecycle``
  claims, retries, cancels and requeues runs of any kind, and runs the work with a
  heartbeat inside ``run_guarded``, which turns a time limit, a refusal or a crash into a
  failed run with the reason, logging the traceback of a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction

from config.celery import app

logger = logging.getLogger(__name__)

TRANSCRIBE_MEDIA = "localization.tasks.transcribe_media"
TRANSCRIBE_CHUNK = "localization.tasks.transcribe_chunk"
TRANSLATE_TRACK = "localization.tasks.translate_track"
CHECK_TRACK_QUALITY = "localization.tasks.check_track_quality"
DUB_TRACK = "localization.tasks.dub_track"
BUILD_DELIVERY_PACKAGE = "localization.tasks.build_delivery_package"
REQUEUE_STALE_RUNS = "localization.tasks.requeue_stale_runs"
DETECT_SHOT_CHANGES = "localization.tasks.detect_shot_changes"


def task_enqueue_on_commit(name: str, *, args: list, task_id: str | None = None) -> None:
    """Queue the task ``name`` with ``args`` when the current transaction commits (at
    once outside a transaction), so a worker never looks for rows not yet written."""
    transaction.on_commit(lambda: app.tasks[name].apply_async(args=args, task_id=task_id))


def pipeline_task(name: str, *, bind: bool = False) -> Callable:
    """Declare the pipeline task ``name`` (one of the names above): late acknowledgement, the
    message handed back when its worker is lost (so another worker redoes it; the
    services are idempotent), and the soft and hard time limits of the settings."""
    return shared_task(
        name=name, bind=bind, acks_late=True,
        reject_on_worker_lost=True,
        soft_time_limit=settings.LOCALIZATION_TASK_SOFT_TIME_LIMIT,
        time_limit=settings.LOCALIZATION_TASK_TIME_LIMIT)


class InvalidTransition(ValidationError):
    """A move that a run's state machine does not allow; the message says which."""


class RunStateMachine:
    """The states of one kind of run and the moves allowed between them.

    ``transitions`` maps each state to the states it may move to; ``active`` are the
    states of a run not yet finished; ``refusal`` is the message of an illegal move,
    with ``%(state)s`` and ``%(new)s``.
    """

    def __init__(self, *, states: type[models.TextChoices],
                 transitions: Mapping[str, Iterable[str]], active: Iterable[str],
                 refusal: str):
        self.states = states
        self.transitions = {state: frozenset(targets) for state, targets in transitions.items()}
        self.active = frozenset(active)
        self.refusal = refusal
        missing = set(states.values) - set(self.transitions)
        if missing:
            raise ValueError(f"no transitions given from {sorted(missing)}")
        for required in ("QUEUED", "DONE", "FAILED", "CANCELLED"):
            if not hasattr(states, required):
                raise ValueError(f"every run has a {required} state")

    def is_active(self, run) -> bool:
        return run.state in self.active

    def check(self, run, new_state: str) -> None:
        if new_state not in self.transitions[self.states(run.state)]:
            raise InvalidTransition(self.refusal % {
                "state": self.states(run.state).label.lower(),
                "new": self.states(new_state).label.lower()})

    def move(self, run, new_state: str, **fields) -> dict:
        """Move a locked ``run`` to ``new_state``, setting ``fields`` and saving it.
        Returns the state before, for the caller's event row."""
        self.check(run, new_state)
        before = {"state": run.state}
        run.state = new_state
        for name, value in fields.items():
            setattr(run, name, value)
        run.save()
        return before


def refusal_text(error: Exception) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error)])


def run_guarded[T](*, work: Callable[[], T], fail: Callable[[str], T], label: str,
                   time_limit_message: str,
                   refusals: tuple[type[Exception], ...] = ()) -> T:
    """Run ``work``; a time limit, a refusal (an illegal move, or one of ``refusals``;
    its message is the reason) or any other error ends the run through ``fail`` with the
    reason. A crash also logs its traceback under ``label``."""
    try:
        return work()
    except SoftTimeLimitExceeded:
        return fail(str(time_limit_message))
    except (InvalidTransition, *refusals) as error:
        return fail(refusal_text(error))
    except Exception as error:
        logger.exception("%s failed", label)
        return fail(f"{type(error).__name__}: {error}")
