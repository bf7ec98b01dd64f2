"""The pipeline's moments that wait on a person, told through ``coprod.notifications``:
a track assigned, sent for review, a cue rejected, a track approved, a comment on a cue,
a run finished or failed, a delivery package ready for a licensee. The recipients are
the object's own people only: the track's translator and reviewer, the run's requester,
the licensee's users."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coprod.accounts.models import User
from coprod.accounts.roles import Role
from coprod.notifications.models import Kind
from coprod.notifications.services import notify
from localization import signals


def _editor(track) -> str:
    return reverse("localization:editor", args=[track.pk])


def track_assigned(track, *, actor) -> None:
    for user, part in ((track.translator, _("translator")), (track.reviewer, _("reviewer"))):
        notify(recipients=[user], kind=Kind.TRACK_ASSIGNED,
               subject=lambda recipient, part=part: _(
                   "%(track)s is assigned to you as %(part)s") % {"track": track, "part": part},
               url=_editor(track), about=f"track:{track.pk}:assigned:{part}:{user and user.pk}",
               exclude=actor)


def track_sent_for_review(track, *, actor) -> None:
    notify(recipients=[track.reviewer], kind=Kind.TRACK_SENT_FOR_REVIEW,
           subject=lambda recipient: _("%(track)s has cues waiting for your review")
           % {"track": track}, url=_editor(track), about=f"track:{track.pk}:review",
           exclude=actor)


def cue_rejected(cue, *, comment: str, actor) -> None:
    notify(recipients=[cue.track.translator], kind=Kind.CUE_REJECTED,
           subject=lambda recipient: _("Cue %(number)d of %(track)s was rejected")
           % {"number": cue.index, "track": cue.track},
           body=comment, url=f"{_editor(cue.track)}#cue-{cue.index}",
           about=f"cue:{cue.pk}:rejected:r{cue.revision}", exclude=actor)


def track_approved(track, *, actor) -> None:
    notify(recipients=[track.translator], kind=Kind.TRACK_APPROVED,
           subject=lambda recipient: _("%(track)s is approved") % {"track": track},
           url=reverse("localization:track-detail", args=[track.pk]),
           about=f"track:{track.pk}:approved:{track.locked_at and track.locked_at.isoformat()}",
           exclude=actor)


def cue_commented(comment) -> None:
    cue = comment.cue
    notify(recipients=[cue.track.translator, cue.track.reviewer], kind=Kind.CUE_COMMENT,
           subject=lambda recipient: _("A comment on cue %(number)d of %(track)s")
           % {"number": cue.index, "track": cue.track},
           body=comment.text, url=f"{_editor(cue.track)}#cue-{cue.index}",
           about=f"comment:{comment.pk}", exclude=comment.author)


def package_ready(package) -> None:
    partners = User.objects.filter(company_id=package.licensee_id, is_active=True,
                                   groups__name=Role.PARTNER_STUDIO).distinct()
    notify(recipients=partners, kind=Kind.PACKAGE_READY,
           subject=lambda recipient: _("A delivery package is ready: %(title)s [%(language)s]")
           % {"title": package.title, "language": package.language},
           url=reverse("partner_portal:localization_deliverypackage_changelist"),
           about=f"package:{package.pk}")


def _run_ended(sender, *, kind: str, run, **_kwargs) -> None:
    from localization.runs.registry import kind_for

    requester = getattr(run, "created_by", None)
    label = kind_for(kind).label
    done = run.state == "done"
    notify(recipients=[requester], kind=Kind.RUN_FINISHED if done else Kind.RUN_FAILED,
           subject=lambda recipient: (_("%(what)s #%(id)d finished") if done else
                                      _("%(what)s #%(id)d failed"))
           % {"what": label, "id": run.pk},
           body=getattr(run, "error", "") if not done else "",
           url=reverse("localization:run-history", args=[kind, run.pk]),
           about=f"run:{kind}:{run.pk}:{run.state}:{run.attempts}")
    if done and kind == "package":
        package_ready(run)


def connect() -> None:
    signals.run_ended.connect(_run_ended, dispatch_uid="notifications-run-ended")
