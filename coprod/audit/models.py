"""The platform's one audit log: every change that matters, on both sides, with its
actor, action, object and the values before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from coprod.catalog.models import Title


class EventQuerySet(models.QuerySet):
    def about(self, instance: models.Model) -> EventQuerySet:
        """The events whose object is ``instance`` (a title, a rights block, an agreement,
        a job, a track, a dub, a package…)."""
        return self.filter(object_type=instance._meta.label_lower, object_id=str(instance.pk))

    def about_any(self, instances) -> EventQuerySet:
        """The events about any of ``instances`` (of any models)."""
        by_type: dict[str, list[str]] = {}
        for instance in instances:
            by_type.setdefault(instance._meta.label_lower, []).append(str(instance.pk))
        condition = models.Q(pk__in=[])
        for object_type, ids in by_type.items():
            condition |= models.Q(object_type=object_type, object_id__in=ids)
        return self.filter(condition)


class Event(models.Model):
    """An append-only record of a change: who, when, what, before and after."""

    class Action(models.TextChoices):
        """Every change the platform records, on both sides; ``event_record`` refuses
        others. The pipeline's actions are written through
        ``localization.events.pipeline_event``."""

        TITLE_CREATED = "title.created", _("Title created")
        TITLE_UPDATED = "title.updated", _("Title changed")
        CREDIT_ADDED = "credit.added", _("Credit added")
        CREDIT_REMOVED = "credit.removed", _("Credit removed")
        RIGHTS_IN_ADDED = "rights_in.added", _("Rights in recorded")
        RIGHTS_IN_DELETED = "rights_in.deleted", _("Rights in deleted")
        RIGHTS_OUT_GRANTED = "rights_out.granted", _("Rights granted")
        RIGHTS_OUT_DELETED = "rights_out.deleted", _("Grant deleted")
        AGREEMENT_CREATED = "agreement.created", _("Agreement created")
        AGREEMENT_UPDATED = "agreement.updated", _("Agreement terms changed")
        PARTY_ADDED = "agreement.party_added", _("Party added")
        PARTY_CHANGED = "agreement.party_changed", _("Party changed")
        PARTY_REMOVED = "agreement.party_removed", _("Party removed")
        CONTRIBUTION_ADDED = "agreement.contribution_added", _("Contribution added")
        CONTRIBUTION_REMOVED = "agreement.contribution_removed", _("Contribution removed")
        BUDGET_LINE_ADDED = "agreement.budget_line_added", _("Budget line added")
        BUDGET_LINE_REMOVED = "agreement.budgetline_removed", _("Budget line removed")
        WATERFALL_TIER_ADDED = "agreement.waterfall_tier_added", _("Waterfall tier added")
        WATERFALL_TIER_REMOVED = "agreement.waterfalltier_removed", _("Waterfall tier removed")
        APPROVALS_WITHDRAWN = "agreement.approvals_withdrawn", _("Approvals withdrawn")
        AGREEMENT_DRAFT = "agreement.draft", _("Back to draft")
        AGREEMENT_NEGOTIATION = "agreement.negotiation", _("Negotiation started")
        AGREEMENT_SUBMITTED = "agreement.awaiting_approvals", _("Submitted for approvals")
        AGREEMENT_APPROVED = "agreement.approved", _("Version approved")
        AGREEMENT_EXECUTED = "agreement.executed", _("Agreement executed")
        AGREEMENT_AMENDED = "agreement.amended", _("Amendment started")
        AGREEMENT_TERMINATED = "agreement.terminated", _("Agreement terminated")
        DOCUMENT_ADDED = "agreement.document_added", _("Document attached")
        RECEIPT_ADDED = "agreement.receipt_added", _("Revenue recorded")
        EXPENSE_ADDED = "agreement.expense_added", _("Expense recorded")
        STATEMENT_ISSUED = "agreement.statement_issued", _("Statement issued")
        AI_MODEL_ADDED = "ai_model.added", _("AI model registered")
        AI_MODEL_CHANGED = "ai_model.changed", _("AI model changed")
        CONSENT_RECORDED = "consent.recorded", _("Consent or licence recorded")
        CONSENT_REVOKED = "consent.revoked", _("Consent or licence revoked")
        COMPUTE_PRICES_ADDED = "compute.prices_added", _("Compute prices added")
        COMPUTE_CARBON_ADDED = "compute.carbon_added", _("Grid carbon intensity added")
        COMPUTE_HELD = "compute.held", _("Held for the AI compute budget")
        COMPUTE_HOLD_RELEASED = "compute.hold_released", _("Budget hold released")
        COMPUTE_HOLD_REFUSED = "compute.hold_refused", _("Budget hold refused")
        COMPUTE_HOLD_WITHDRAWN = "compute.hold_withdrawn", _("Budget hold withdrawn")
        API_TOKEN_CREATED = "api_token.created", _("API token created")
        API_TOKEN_REVOKED = "api_token.revoked", _("API token revoked")
        # The localization pipeline.
        MEDIA_UPLOADED = "media.uploaded", _("Media uploaded")
        JOB_CREATED = "job.created", _("Job created")
        # Every background run (transcription, translation, QA, dub, package).
        RUN_QUEUED = "run.queued", _("Queued")
        RUN_STATE_CHANGED = "run.state_changed", _("Run state changed")
        RUN_RETRIED = "run.retried", _("Retried")
        RUN_REQUEUED = "run.requeued", _("Put back in the queue (worker gone)")
        RUN_CANCELLED = "run.cancelled", _("Cancelled")
        TRACK_CREATED = "track.created", _("Subtitle track created")
        TRACK_IMPORTED = "track.imported", _("Subtitle track imported")
        TRACK_ASSIGNED = "track.assigned", _("Subtitle track assigned")
        TRACK_APPROVED = "track.approved", _("Subtitle track approved")
        TRACK_REOPENED = "track.reopened", _("Subtitle track reopened")
        TRACK_QA_FIXED = "track.qa_fixed", _("Automatic QA fixes applied")
        TRACK_SPEAKER_RENAMED = "track.speaker_renamed", _("Speaker renamed or merged")
        VOICE_ROLE_SET = "voice_role.set", _("Voice role set")
        DUB_REQUESTED = "dub.requested", _("Dub requested")
        DUB_FINISHED = "dub.finished", _("Dub finished")
        PACKAGE_REQUESTED = "package.requested", _("Delivery package requested")
        PACKAGE_BUILT = "package.built", _("Delivery package built")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=60, choices=Action.choices)
    title = models.ForeignKey(Title, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="events")
    agreement = models.ForeignKey("coprod.Agreement", on_delete=models.CASCADE, null=True,
                                  blank=True, related_name="events")
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="event_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
