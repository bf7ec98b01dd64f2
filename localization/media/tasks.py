"""Housekeeping of the resumable uploads (Celery beat, on the ``default`` queue)."""

from localization import background
from localization.media.uploads import uploads_expire

EXPIRE_UPLOADS = "localization.tasks.expire_uploads"


@background.pipeline_task(EXPIRE_UPLOADS)
def expire_uploads() -> int:
    """Delete the uploads left unfinished past their expiry, with their bytes."""
    return uploads_expire()
