"""What the pipeline tells the rest of the platform, as Django signals (the partner API
turns them into webhooks; the steps themselves never import it).

Each is sent inside the transaction that made the change; a receiver that acts outside
the database defers to ``transaction.on_commit``.
"""

from django.dispatch import Signal

# A background run (transcription job, translation, QA run, dub, package) reached DONE or
# FAILED. Arguments: ``kind`` (the run kind's key, e.g. "transcription"), ``run``.
run_ended = Signal()

# A run stopped being its message's: cancelled, or put back in the queue (retried by hand
# or requeued by the periodic check). Arguments: ``kind``, ``run``. A run that farmed
# out work to other tasks (a long transcription's chunks) stops them here.
run_stopped = Signal()

# Every cue of a track is approved: the track is locked. Arguments: ``track``, ``actor``.
track_approved = Signal()
