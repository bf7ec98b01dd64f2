"""API tokens (stored hashed) and the stored answers of idempotent POSTs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A user's credential for the API. Only the SHA-256 of the secret is stored; the
    ``prefix`` (the token's visible start, ``kip_…``) finds the row, and is what the
    preferences page shows once the token itself has been shown the one time."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100,
                            help_text=_("What the token is for, e.g. “Sakura ERP sync”"))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices,
                             default=Scope.READ)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class IdempotencyRecord(models.Model):
    """A POST made with an ``Idempotency-Key``: the request's fingerprint and, once it was
    answered, the answer, so that a retry with the same key gets the same answer instead
    of doing the work twice. Kept for ``API_IDEMPOTENCY_HOURS``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64,
                                   help_text="SHA-256 of the method, path and body")
    status_code = models.PositiveSmallIntegerField(null=True,
                                                   help_text="Empty while the request runs")
    response_body = models.JSONField(null=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class WebhookEndpoint(models.Model):
    """A company's address for signed webhooks. ``secret`` is shown once, when the endpoint
    is created, and kept to sign every delivery (HMAC-SHA256); it cannot be read back."""

    class Event(models.TextChoices):
        STATEMENT_ISSUED = "statement.issued", _("Statement issued")
        AGREEMENT_AWAITING_APPROVAL = "agreement.awaiting_approval", _("Agreement awaiting "
                                                                       "approval")
        AGREEMENT_EXECUTED = "agreement.executed", _("Agreement executed")
        # Sent by the pipeline (``localization.api.webhooks``) to the company whose media
        # the work is on, or to a package's licensee.
        JOB_FINISHED = "job.finished", _("Job finished")
        JOB_FAILED = "job.failed", _("Job failed")
        TRACK_APPROVED = "track.approved", _("Track approved")
        PACKAGE_READY = "package.ready", _("Delivery package ready")

    company = models.ForeignKey("coprod.Company", on_delete=models.CASCADE,
                                related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list,
                              help_text=_("The event types delivered to this endpoint"))
    secret = models.CharField(max_length=80)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint, with every attempt in
    ``attempt_log``. ``failed`` with a ``next_attempt_at``: a retry is scheduled;
    ``failed`` without one: the retries are spent (replay it to send it again)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")
    event = models.CharField(max_length=64)
    payload = models.JSONField()
    attempts = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    response_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The first 2 KB of the last answer")
    error = models.TextField(blank=True)
    attempt_log = models.JSONField(default=list)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"
