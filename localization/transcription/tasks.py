"""Transcription on the ``gpu`` queue: a redelivered job starts over and never writes a
second track."""

from localization import background
from localization.transcription import services


@background.pipeline_task(background.TRANSCRIBE_MEDIA, bind=True)
def transcribe_media(self, job_id: int) -> str | None:
    job = services.job_run(job_id=job_id, worker=self.request.hostname or "",
                           task_id=self.request.id)
    return job.state if job is not None else None
