"""Every background task of the pipeline, registered under ``localization.tasks.<name>``.

The worker finds this module through Celery's autodiscovery and the web process imports
it when Django starts (``LocalizationConfig.ready``), so a service can queue any task
by name (``localization.background``) without importing it. Each step keeps its tasks
in its own ``tasks.py``: thin wrappers that take ids and call that step's services.
"""

from localization.delivery.tasks import build_delivery_package
from localization.dubbing.tasks import dub_track
from localization.media.tasks import expire_uploads
from localization.qa.tasks import check_track_quality
from localization.runs.tasks import requeue_stale_runs
from localization.shots.tasks import detect_shot_changes
from localization.transcription.tasks import transcribe_chunk, transcribe_media
from localization.translation.tasks import translate_track

__all__ = ["build_delivery_package", "check_track_quality", "detect_shot_changes", "dub_track",
           "expire_uploads", "requeue_stale_runs", "transcribe_chunk", "transcribe_media",
           "translate_track"]
