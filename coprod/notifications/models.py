"""What waits for a person: notifications in the app and by email, and each user's choice
of how to hear about each kind."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    AGREEMENT_AWAITING_APPROVAL = "agreement.awaiting_approval", _(
        "An agreement version awaits your approval")
    AGREEMENT_APPROVALS_WITHDRAWN = "agreement.approvals_withdrawn", _(
        "Approvals withdrawn by an edit")
    AGREEMENT_EXECUTED = "agreement.executed", _("An agreement is executed")
    TRACK_ASSIGNED = "track.assigned", _("A track is assigned to you")
    TRACK_SENT_FOR_REVIEW = "track.sent_for_review", _("A track is sent for review")
    CUE_REJECTED = "cue.rejected", _("A cue is rejected with a comment")
    TRACK_APPROVED = "track.approved", _("A track is approved")
    CUE_COMMENT = "cue.comment", _("A comment on your cue")
    RUN_FINISHED = "run.finished", _("Your transcription, translation, dub or package finished")
    RUN_FAILED = "run.failed", _("Your transcription, translation, dub or package failed")
    RIGHTS_EXPIRING = "rights.expiring", _("Rights expiring within 90 days")
    PACKAGE_READY = "package.ready", _("A delivery package is ready for your company")


class Channel(models.TextChoices):
    EMAIL = "email", _("In the app and by email")
    IN_APP = "in_app", _("In the app only")
    DIGEST = "digest", _("In the app and in a daily email digest")
    OFF = "off", _("Off")


# Kinds that come as a daily digest unless the user chooses otherwise.
DIGEST_BY_DEFAULT = {Kind.RIGHTS_EXPIRING}


class Notification(models.Model):
    """One thing that waits for one person, written in that person's language."""

    class Email(models.TextChoices):
        NONE = "", _("no email")
        PENDING = "pending", _("to be sent")
        DIGEST = "digest", _("for the daily digest")
        SENT = "sent", _("sent")
        FAILED = "failed", _("not sent")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                                  on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # What it is about, so that the same thing is not announced twice while unread.
    about = models.CharField(_("about"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email = models.CharField(_("email"), max_length=10, choices=Email.choices, blank=True,
                             default=Email.NONE)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.subject


class NotificationPreference(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"],
                                               name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.channel}"
