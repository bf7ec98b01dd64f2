"""Reads for transcription jobs."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from localization.transcription.models import LocalizationJob, TranscriptionChunk


def with_chunks_done(jobs: QuerySet[LocalizationJob]) -> QuerySet[LocalizationJob]:
    """``chunks_done``: how many of a job's parallel chunks are recognized."""
    return jobs.annotate(chunks_done=Count(
        "chunks", filter=Q(chunks__state=TranscriptionChunk.State.DONE)))


def job_list(*, limit: int = 100) -> QuerySet[LocalizationJob]:
    return with_chunks_done(
        LocalizationJob.objects.select_related("media__title", "track", "created_by")
        .order_by("-created_at", "-id"))[:limit]


def jobs_active_exist(jobs) -> bool:
    return any(job.is_active for job in jobs)


def job_get(*, job_id: int) -> LocalizationJob:
    return LocalizationJob.objects.select_related("media__title").get(pk=job_id)
