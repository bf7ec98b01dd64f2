"""Reads for transcription jobs."""

from __future__ import annotations

from django.db.models import QuerySet

from localization.transcription.models import LocalizationJob


def job_list(*, limit: int = 100) -> QuerySet[LocalizationJob]:
    return (LocalizationJob.objects.select_related("media__title", "track", "created_by")
            .order_by("-created_at", "-id")[:limit])


def jobs_active_exist(jobs) -> bool:
    return any(job.is_active for job in jobs)


def job_get(*, job_id: int) -> LocalizationJob:
    return LocalizationJob.objects.select_related("media__title").get(pk=job_id)
