"""The pipeline's webhook events, sent through the business side's signed webhooks
(``coprod.api.webhooks.webhook_emit``) once the change has committed:

- ``job.finished`` / ``job.failed``: any background run (``kind``: transcription,
  translation, quality_check, dub, package, shot_detection) reached done or failed;
- ``track.approved``: every cue of a track is approved (the track is locked);
- ``package.ready``: a delivery package is built and can be downloaded.

Each goes to the partner company whose media the work is on (a package's event to its
licensee); the venture's own work has no partner to tell. The payload's ``data`` names
the object, its state and the API addresses to fetch next.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from coprod.api.models import WebhookEndpoint
from coprod.api.webhooks import webhook_emit
from localization import access, signals
from localization.subtitles.models import SubtitleTrack

EVENTS = WebhookEndpoint.Event
# The API resource of each kind of run (the name of its detail route), where it has one.
RUN_RESOURCES = {"transcription": "job", "translation": "translation", "dub": "dub",
                 "package": "package"}


def _path(name: str, pk) -> str:
    return reverse(f"api:v1:{name}-detail", args=[pk])


def run_data(kind: str, run_id: int, state: str, error: str, attempts: int,
             track_id: int | None) -> dict:
    data = {"kind": kind, "id": run_id, "state": state, "error": error, "attempts": attempts}
    if kind in RUN_RESOURCES:
        data["url"] = _path(RUN_RESOURCES[kind], run_id)
    if kind == "transcription":  # the transcript it wrote
        track_id = SubtitleTrack.objects.filter(job_id=run_id).values_list(
            "pk", flat=True).first()
    if track_id:
        data["track"] = track_id
        data["track_url"] = _path("track", track_id)
    if kind == "package" and state == "done":
        data["download_url"] = reverse("api:v1:package-download", args=[run_id])
    return data


def track_data(track_id: int) -> dict:
    track = SubtitleTrack.objects.get(pk=track_id)
    return {"id": track.pk, "title": track.title_id, "language": track.language,
            "version": track.version, "url": _path("track", track.pk),
            "approved_at": track.locked_at.isoformat() if track.locked_at else None}


def _emit_on_commit(event: str, companies: set[int], data) -> None:
    """Once the change commits, build the payload (``data()``) and send it: the event's
    addresses and ids are read then, and a failure there is logged without touching the
    pipeline's own transaction (``robust``)."""
    if companies:
        transaction.on_commit(
            lambda: webhook_emit(event, companies=companies, payload=data()), robust=True)


def on_run_ended(sender, *, kind: str, run, **kwargs) -> None:
    companies = access.owning_company_ids(run)
    done = run.state == run.State.DONE
    # The run as it is now; the payload is written after the commit.
    facts = (kind, run.pk, run.state, run.error, run.attempts, getattr(run, "track_id", None))
    _emit_on_commit(EVENTS.JOB_FINISHED if done else EVENTS.JOB_FAILED, companies,
                    lambda: run_data(*facts))
    if kind == "package" and done:
        _emit_on_commit(EVENTS.PACKAGE_READY, companies, lambda: run_data(*facts))


def on_track_approved(sender, *, track, **kwargs) -> None:
    track_id = track.pk
    _emit_on_commit(EVENTS.TRACK_APPROVED, access.owning_company_ids(track),
                    lambda: track_data(track_id))


def connect() -> None:
    """Called once, from the app's ``ready``."""
    signals.run_ended.connect(on_run_ended, dispatch_uid="localization.api.run_ended")
    signals.track_approved.connect(on_track_approved,
                                   dispatch_uid="localization.api.track_approved")
