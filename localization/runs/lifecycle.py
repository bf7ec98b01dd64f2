"""One life cycle for every kind of background run: queued, running (with its steps and
progress), done, failed with the reason, or cancelled; retried by hand, put back in the
queue when its worker is gone.

Each step's services declare their kind of run with a ``RunKind`` (the model, its state
machine, its task) and call these functions; none of them knows the other kinds. The
worker that holds a run writes a heartbeat (``run_heartbeat``) while it works, so a run
whose worker died is seen as soon as the heartbeat stops (``run_worker_gone``), not when
the broker's visibility timeout finally hands its message back.

A run remembers the id of the message that runs it (``task_id``). Retrying or requeueing
a run gives it a new one, and ``run_claim`` refuses a message with another id, so a stale
delivery of the old message (Redis hands it back hours later) never runs the work twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coprod.audit.models import Event
from coprod.compute.services import budget_hold_check
from localization import background, signals
from localization.events import pipeline_event
from localization.runs import metering

logger = logging.getLogger(__name__)

# The fields an event row repeats from a move, when the move sets them.
EVENT_FIELDS = ("error", "worker", "progress", "attempts", "reason")


@dataclass(frozen=True)
class RunKind:
    """One kind of run: its model (rows of ``filters`` only), state machine, task, and
    the state a claimed run starts in. ``reset`` are the fields a retry clears besides the
    common ones. ``not_stale`` picks runs the periodic check leaves alone whatever their
    heartbeat (a long transcription while its chunks, checked themselves, do the work)."""

    key: str
    label: str
    model: type[models.Model]
    machine: background.RunStateMachine
    task: str
    running: str
    filters: Mapping[str, object] = field(default_factory=dict)
    reset: Mapping[str, object] = field(default_factory=dict)
    not_stale: models.Q | None = None
    announced: bool = True
    usage: Callable[[models.Model], metering.UsageSubject] | None = None

    @property
    def states(self):
        return self.machine.states

    def queryset(self) -> models.QuerySet:
        return self.model.objects.filter(**self.filters)

    def locked(self, run_id: int, *, select_related: tuple[str, ...] = ()):
        runs = self.queryset().select_for_update(of=("self",))
        if select_related:
            runs = runs.select_related(*select_related)
        return runs.filter(pk=run_id).first()


class RunStopped(Exception):
    """Raised inside a run's work when the run was cancelled or requeued meanwhile: the
    worker stops and leaves the run as it is."""


def run_move(kind: RunKind, run, new_state: str, *, actor=None,
             action: str = Event.Action.RUN_STATE_CHANGED, reason: str = "", **fields) -> None:
    """Move a locked run to ``new_state`` (refusing a move its machine does not allow),
    with one event row in the same transaction."""
    before = kind.machine.move(run, new_state, **fields)
    after = {"state": new_state, **{name: value for name, value in fields.items()
                                    if name in EVENT_FIELDS}}
    if reason:
        after["reason"] = reason
    pipeline_event(actor=actor, action=action, about=run, before=before, after=after)
    if kind.announced and new_state in (kind.states.DONE, kind.states.FAILED):
        signals.run_ended.send(sender=type(run), kind=kind.key, run=run)


def run_enqueue(kind: RunKind, run, *, budget: bool = True) -> bool:
    """Give the run a new message id and queue its task once the transaction commits.

    A run that never ran is first checked against its title's AI compute budget
    (``coprod.compute``): when its estimated cost would take the title past the budget it
    stays queued without a message, held for a rights manager (``budget=False`` once one
    released it). Returns whether the task was queued."""
    if budget and kind.usage is not None and not run.attempts:
        subject = kind.usage(run)
        if subject.title is not None and budget_hold_check(
                run_type=run._meta.label_lower, run_id=run.pk, task=kind.key,
                stage=subject.stage, title=subject.title, content_key=subject.content_key,
                content_seconds=subject.content_seconds) is not None:
            type(run).objects.filter(pk=run.pk).update(task_id="")
            run.task_id = ""
            return False
    run.task_id = str(uuid.uuid4())
    type(run).objects.filter(pk=run.pk).update(task_id=run.task_id)
    background.task_enqueue_on_commit(kind.task, args=[run.pk], task_id=run.task_id)
    return True


def run_claim(kind: RunKind, run_id: int, *, task_id: str | None = None, worker: str = "",
              select_related: tuple[str, ...] = (), **fields):
    """Take a run for a worker: lock it, move it to its first running step, count the
    attempt and write the first heartbeat. Returns ``(run, claimed)``; ``claimed`` is
    False for a missing or finished run, and for a message that no longer runs this run
    (``task_id`` differs from the run's: it was retried or requeued meanwhile)."""
    with transaction.atomic():
        run = kind.locked(run_id, select_related=select_related)
        if run is None or not kind.machine.is_active(run):
            return run, False
        if task_id and run.task_id and task_id != run.task_id:
            logger.info("%s %s: message %s is stale (the run is now %s); left alone",
                        kind.key, run.pk, task_id, run.task_id)
            return run, False
        now = timezone.now()
        run_move(kind, run, kind.running, worker=worker, attempts=run.attempts + 1,
                 heartbeat_at=now, started_at=now, finished_at=None, error="", progress=0,
                 **fields)
    return run, True


def run_progress(kind: RunKind, run, percent: int) -> None:
    """Report progress; raises ``RunStopped`` if the run is no longer this worker's."""
    percent = max(0, min(100, int(percent)))
    if not kind.queryset().filter(pk=run.pk, task_id=run.task_id,
                                  state__in=sorted(kind.machine.active)).update(
            progress=percent):
        raise RunStopped()
    run.progress = percent


def run_finish(kind: RunKind, run, **fields):
    """Mark a claimed run done (setting ``fields``), unless it was cancelled or requeued
    meanwhile; returns the run as it now is."""
    with transaction.atomic():
        locked = kind.locked(run.pk)
        if not run_held(kind, locked, run):
            return locked
        run_move(kind, locked, kind.states.DONE, progress=100, finished_at=timezone.now(),
                 **fields)
    return locked


def run_held(kind: RunKind, locked, claimed) -> bool:
    """Whether ``locked`` (the run re-read under its lock) is still the run this worker
    claimed: still active and still run by the same message."""
    return kind.machine.is_active(locked) and locked.task_id == claimed.task_id


def run_fail(kind: RunKind, run, message: str):
    """End an active run as failed with the reason; a finished run is left as it is."""
    with transaction.atomic():
        locked = kind.locked(run.pk)
        if locked is not None and kind.machine.is_active(locked):
            run_move(kind, locked, kind.states.FAILED, error=message[:2000],
                     finished_at=timezone.now())
    return locked


def run_guarded(kind: RunKind, run, work, *, time_limit_message: str,
                refusals: tuple[type[Exception], ...] = ()):
    """Run ``work`` with a heartbeat; a time limit, refusal or crash fails the run, and a
    run stopped meanwhile (``RunStopped``) is returned as it now is. The attempt is
    measured and recorded with its cost (``metering``), however it ended."""
    def guarded():
        try:
            return work()
        except RunStopped:
            return kind.queryset().get(pk=run.pk)

    with run_heartbeat(kind, run), metering.measure() as measurement:
        result = background.run_guarded(
            work=guarded, fail=lambda reason: run_fail(kind, run, reason),
            label=f"{str(kind.label).lower()} {run.pk}", time_limit_message=time_limit_message,
            refusals=refusals)
    if kind.usage is not None:
        metering.usage_record(kind, run, result, measurement, kind.usage)
    return result


# --- a worker's heartbeat --------------------------------------------------------------------

@contextlib.contextmanager
def run_heartbeat(kind: RunKind, run, *, interval: float | None = None) -> Iterator[None]:
    """Write ``heartbeat_at`` every ``interval`` seconds (RUN_HEARTBEAT_SECONDS) from a
    thread of its own while the block runs, even while the work holds the CPU in native
    code. The beat stops by itself once the run is no longer this worker's."""
    interval = settings.RUN_HEARTBEAT_SECONDS if interval is None else interval
    if interval <= 0:
        yield
        return
    stop = threading.Event()
    active = sorted(kind.machine.active)

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    with transaction.atomic():
                        with connection.cursor() as cursor:
                            # Never wait on a row another transaction holds: skip a beat.
                            cursor.execute("SET LOCAL lock_timeout = '2s'")
                        beating = kind.model.objects.filter(
                            pk=run.pk, task_id=run.task_id, state__in=active,
                        ).update(heartbeat_at=timezone.now())
                except DatabaseError as error:
                    logger.warning("%s %s: heartbeat skipped (%s)", kind.key, run.pk, error)
                    continue
                if not beating:
                    return
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{kind.key}-{run.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


def run_worker_gone(kind: RunKind, run, *, now: dt.datetime | None = None,
                    silence: float | None = None) -> bool:
    """A running run whose worker has not reported for ``silence`` seconds
    (RUN_STALE_AFTER_SECONDS)."""
    limit = settings.RUN_STALE_AFTER_SECONDS if silence is None else silence
    return run.silent_longer_than(limit, now)


# --- retry, cancel, requeue ------------------------------------------------------------------

def _back_in_queue(kind: RunKind, run, *, actor, action: str, reason: str = "") -> None:
    run_move(kind, run, kind.states.QUEUED, actor=actor, action=action, reason=reason,
             progress=0, error="", worker="", heartbeat_at=None, started_at=None,
             finished_at=None, **kind.reset)
    signals.run_stopped.send(sender=type(run), kind=kind.key, run=run)
    run_enqueue(kind, run)


def run_retry(kind: RunKind, run, *, actor=None):
    """Queue a failed or cancelled run again, or a running one whose worker is gone (no
    heartbeat for RUN_HEARTBEAT_SECONDS × 3, so a person need not wait for the check)."""
    with transaction.atomic():
        locked = kind.locked(run.pk)
        states = kind.states
        if kind.machine.is_active(locked):
            if not locked.worker_gone:
                age = locked.heartbeat_age()
                raise background.InvalidTransition(
                    _("This %(kind)s is %(state)s and its worker reported %(age)s seconds ago; "
                      "it can be retried once its worker stops reporting (%(limit)s seconds).")
                    % {"kind": kind.label.lower(), "state": states(locked.state).label.lower(),
                       "age": "—" if age is None else int(age),
                       "limit": int(locked.RETRY_SILENCE_BEATS * settings.RUN_HEARTBEAT_SECONDS)})
            reason = _("retried by hand: worker %(worker)s stopped reporting") % {
                "worker": locked.worker or "?"}
            metering.lost_attempt_record(kind, locked)
        elif locked.state in (states.FAILED, states.CANCELLED):
            reason = ""
        else:
            raise background.InvalidTransition(
                _("This %(kind)s is %(state)s; only a failed or cancelled one is retried.")
                % {"kind": kind.label.lower(), "state": states(locked.state).label.lower()})
        _back_in_queue(kind, locked, actor=actor, action=Event.Action.RUN_RETRIED,
                       reason=reason)
    return locked


def run_requeue(kind: RunKind, run, *, now: dt.datetime | None = None):
    """The periodic check's move: put back in the queue a run whose worker is gone.
    Returns the run, or None when it was not stale once locked."""
    with transaction.atomic():
        locked = kind.locked(run.pk)
        if locked is None or not run_worker_gone(kind, locked, now=now):
            return None
        age = locked.heartbeat_age(now)
        metering.lost_attempt_record(kind, locked)
        _back_in_queue(kind, locked, actor=None, action=Event.Action.RUN_REQUEUED,
                       reason=_("worker %(worker)s stopped reporting %(age)s seconds ago")
                       % {"worker": locked.worker or "?", "age": int(age or 0)})
    return locked


def run_cancel(kind: RunKind, run, *, actor=None):
    """Stop a run. A queued message is revoked; a running worker notices at its next
    progress report, and its writes check that the run is still its own."""
    with transaction.atomic():
        locked = kind.locked(run.pk)
        run_move(kind, locked, kind.states.CANCELLED, actor=actor,
                 action=Event.Action.RUN_CANCELLED, finished_at=timezone.now())
        signals.run_stopped.send(sender=type(locked), kind=kind.key, run=locked)
        task_id = locked.task_id
    if task_id and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        # Without terminate: a queued task is dropped; a running one stops by itself.
        transaction.on_commit(lambda: background.app.control.revoke(task_id))
    return locked


def stale_candidates(kind: RunKind, *, now: dt.datetime) -> models.QuerySet:
    """Running runs of ``kind`` whose last heartbeat is older than RUN_STALE_AFTER_SECONDS."""
    cutoff = now - dt.timedelta(seconds=settings.RUN_STALE_AFTER_SECONDS)
    running = sorted(set(kind.machine.active) - {kind.states.QUEUED})
    candidates = kind.queryset().filter(state__in=running).filter(
        models.Q(heartbeat_at__lt=cutoff)
        | models.Q(heartbeat_at__isnull=True, started_at__lt=cutoff))
    return candidates.exclude(kind.not_stale) if kind.not_stale is not None else candidates
