"""Shot detection runs: requested after intake or by a person, run on the ``cpu`` queue
through the one run life cycle (claim, heartbeat, progress, retry, cancel, requeue)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coprod.audit.models import Event
from coprod.compute.models import Stage
from localization import background
from localization.engines import shots as shots_engine
from localization.events import pipeline_event
from localization.media.models import MediaAsset
from localization.media.services import media_local_path
from localization.permissions import check_can_detect_shots
from localization.runs import lifecycle
from localization.runs.lifecycle import RunKind
from localization.runs.metering import media_subject
from localization.shots.models import ShotDetection

State = ShotDetection.State

MACHINE = background.RunStateMachine(
    states=State, active=ShotDetection.ACTIVE_STATES,
    refusal=gettext_lazy("A shot detection that is %(state)s cannot become %(new)s."),
    transitions={
        State.QUEUED: {State.DETECTING, State.FAILED, State.CANCELLED},
        # A redelivered task starts over; a run whose worker is gone goes back to the queue.
        State.DETECTING: {State.QUEUED, State.DETECTING, State.DONE, State.FAILED,
                          State.CANCELLED},
        State.FAILED: {State.QUEUED},
        State.CANCELLED: {State.QUEUED},
        State.DONE: set(),
    })
KIND = RunKind(key="shot_detection", label=gettext_lazy("Shot detection"),
               model=ShotDetection, machine=MACHINE, task=background.DETECT_SHOT_CHANGES,
               running=State.DETECTING,
               reset={"frames": [], "frame_count": 0, "frame_rate": None},
               usage=lambda detection: media_subject(Stage.QA, detection.media))


class ShotDetectionRefused(ValidationError):
    """Shot changes cannot be detected for this media file; the message says why."""


def shot_detection_create(*, media: MediaAsset, actor=None,
                          enqueue: bool = True) -> ShotDetection:
    """Record a shot detection of the media's video and queue it once the transaction
    commits. A detection already queued or running for the media is returned instead of
    a second one (a double click, or intake and a person at the same moment)."""
    if actor is not None:
        check_can_detect_shots(actor, media)
    if not media.has_video:
        raise ShotDetectionRefused(
            _("This media file has no video, so it has no shot changes."))
    with transaction.atomic():
        # The media row's lock orders two requests for the same file.
        MediaAsset.objects.select_for_update().filter(pk=media.pk).first()
        active = media.shot_detections.filter(state__in=ShotDetection.ACTIVE_STATES).first()
        if active is not None:
            return active
        detection = ShotDetection.objects.create(media=media, created_by=actor)
        pipeline_event(actor=actor, action=Event.Action.RUN_QUEUED, about=detection,
                       after={"state": detection.state, "kind": KIND.key, "media": media.pk})
        if enqueue:
            lifecycle.run_enqueue(KIND, detection)
    return detection


def shot_detection_run(*, detection_id: int, task_id: str | None = None,
                       worker: str = "") -> ShotDetection | None:
    """Find the cuts of the media's video, reporting progress. Safe to run twice: a
    finished detection is left alone, an interrupted one starts over, and the result is
    written only while the run is still this worker's."""
    detection, claimed = lifecycle.run_claim(
        KIND, detection_id, task_id=task_id, worker=worker, select_related=("media",),
        frames=[], frame_count=0, frame_rate=None)
    if not claimed:
        return detection

    def report(fraction: float) -> None:
        percent = int(fraction * 100)
        if percent > detection.progress:
            lifecycle.run_progress(KIND, detection, min(percent, 99))  # stops if cancelled

    def work() -> ShotDetection:
        with media_local_path(detection.media) as path:
            found = shots_engine.detect_shot_changes(path, threshold=detection.threshold,
                                                     progress=report)
        return lifecycle.run_finish(KIND, detection, frames=list(found.frames),
                                    frame_rate=found.frame_rate, frame_count=found.frame_count)

    return lifecycle.run_guarded(
        KIND, detection, work,
        time_limit_message=_("The shot detection ran past its time limit and was stopped."),
        refusals=(shots_engine.ShotDetectionError,))
