"""The runs over one subtitle track (a translation fill, a whole-track QA check): one
state machine, and how a step records and queues one."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy

from coprod.audit.models import Event
from localization import background
from localization.events import pipeline_event
from localization.runs import lifecycle
from localization.runs.lifecycle import RunKind
from localization.runs.metering import track_subject
from localization.runs.models import TrackRun

State = TrackRun.State

MACHINE = background.RunStateMachine(
    states=State, active=TrackRun.ACTIVE_STATES,
    refusal=gettext_lazy("A run that is %(state)s cannot become %(new)s."), transitions={
        State.QUEUED: {State.RUNNING, State.FAILED, State.CANCELLED},
        # A redelivered task starts over; a run whose worker is gone goes back to the queue.
        State.RUNNING: {State.QUEUED, State.RUNNING, State.DONE, State.FAILED,
                        State.CANCELLED},
        State.FAILED: {State.QUEUED},
        State.CANCELLED: {State.QUEUED},
        State.DONE: set(),
    })


def track_run_kind(kind: str, *, label, task: str, stage: str) -> RunKind:
    return RunKind(key=kind, label=label, model=TrackRun, machine=MACHINE, task=task,
                   running=State.RUNNING, filters={"kind": kind}, reset={"result": {}},
                   usage=lambda run: track_subject(stage, run.track))


def track_run_create(kind: RunKind, *, track, actor=None) -> TrackRun:
    """Record a run of ``kind`` over ``track`` and queue it once the transaction commits."""
    with transaction.atomic():
        run = TrackRun.objects.create(track=track, kind=kind.filters["kind"], created_by=actor)
        pipeline_event(actor=actor, action=Event.Action.RUN_QUEUED, about=run,
                       after={"state": run.state, "kind": run.kind, "track": track.pk})
        lifecycle.run_enqueue(kind, run)
    return run
