"""Every kind of background run, by key: what retry, cancel, the runs page and the
periodic check work over. Each step's services declare their own kind; this module only
gathers them (so no step imports another through it)."""

from __future__ import annotations

from localization.delivery.services import KIND as PACKAGE
from localization.dubbing.services import KIND as DUB
from localization.qa.services import KIND as QUALITY_CHECK
from localization.runs.lifecycle import RunKind
from localization.shots.services import KIND as SHOT_DETECTION
from localization.transcription.parallel import KIND as TRANSCRIPTION_CHUNK
from localization.transcription.services import KIND as TRANSCRIPTION
from localization.translation.services import KIND as TRANSLATION

RUN_KINDS: dict[str, RunKind] = {
    kind.key: kind for kind in (TRANSCRIPTION, TRANSLATION, QUALITY_CHECK, DUB, PACKAGE,
                                SHOT_DETECTION)}


# The kinds the periodic check watches: every kind above, and the runs that are parts of
# one (a long transcription's chunks, redone on another worker when theirs dies).
CHECKED_KINDS: tuple[RunKind, ...] = (*RUN_KINDS.values(), TRANSCRIPTION_CHUNK)


def kind_for(key: str) -> RunKind | None:
    return RUN_KINDS.get(key)
