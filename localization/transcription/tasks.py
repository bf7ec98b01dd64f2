"""Transcription on the ``gpu`` queue: a redelivered job starts over and never writes a
second track; a long job's chunks are tasks of their own, on whichever GPU worker is
free."""

from localization import background
from localization.transcription import parallel, services


@background.pipeline_task(background.TRANSCRIBE_MEDIA, bind=True)
def transcribe_media(self, job_id: int) -> str | None:
    job = services.job_run(job_id=job_id, worker=self.request.hostname or "",
                           task_id=self.request.id)
    return job.state if job is not None else None


@background.pipeline_task(background.TRANSCRIBE_CHUNK, bind=True)
def transcribe_chunk(self, chunk_id: int) -> str | None:
    chunk = parallel.chunk_run(chunk_id=chunk_id, worker=self.request.hostname or "",
                               task_id=self.request.id)
    return chunk.state if chunk is not None else None
