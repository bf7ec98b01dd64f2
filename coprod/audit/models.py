from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from coprod.catalog.models import Title


class Event(models.Model):
    """An append-only record of a change: who, when, what, before and after."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=60)
    title = models.ForeignKey(Title, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="events")
    agreement = models.ForeignKey("coprod.Agreement", on_delete=models.CASCADE, null=True,
                                  blank=True, related_name="events")
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="event_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
