"""The business side's decisions that move the pipeline's runs: a rights manager's
decision on a run held for its title's AI compute budget (``coprod.compute``) queues the
run or cancels it, in the decision's transaction."""

from __future__ import annotations

import logging

from coprod.compute.models import ComputeHold
from coprod.compute.services import hold_decided, holds_withdraw
from localization import signals
from localization.runs import lifecycle
from localization.runs.registry import CHECKED_KINDS

logger = logging.getLogger(__name__)

_KINDS = {kind.key: kind for kind in CHECKED_KINDS}


def hold_decision(sender, *, hold: ComputeHold, released: bool, actor, **kwargs) -> None:
    kind = _KINDS.get(hold.task)
    if kind is None:
        logger.warning("budget hold %s names an unknown kind of run %r", hold.pk, hold.task)
        return
    run = kind.locked(int(hold.run_id))
    if run is None or not kind.machine.is_active(run) or run.state != kind.states.QUEUED:
        return  # cancelled meanwhile: nothing to queue or stop
    if released:
        lifecycle.run_enqueue(kind, run, budget=False)
    else:
        lifecycle.run_cancel(kind, run, actor=actor)


def run_cancelled(sender, *, kind: str, run, **kwargs) -> None:
    """A run cancelled while held for its budget: its hold is withdrawn."""
    if run.state == "cancelled":
        holds_withdraw(run_type=run._meta.label_lower, run_id=run.pk)


def connect() -> None:
    hold_decided.connect(hold_decision, dispatch_uid="localization.runs.hold_decision")
    signals.run_stopped.connect(run_cancelled, dispatch_uid="localization.runs.hold_withdraw")
