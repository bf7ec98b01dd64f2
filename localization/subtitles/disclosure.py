"""What a person made and what a machine made: the disclosure of a track, cue by cue.

Each cue is one of three: machine-made (speech recognition or machine translation, its
words as the machine left them), machine-made and revised by a person (a person changed
the machine's words), or made by a person (written in the editor, imported from a file,
or a translation memory's earlier human translation). The track says the same in one
word when every cue agrees, and lists the cues that differ when they do not.

The history tells it: the first saved revision of a cue is what the machine or the import
left there (``cue_snapshot_if_missing``), and a translation keeps the engine that wrote a
cue until a person changes its words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack

# The engine name of cues filled from the translation memory: people's earlier words.
MEMORY_ENGINE = "translation_memory"


class Origin(models.TextChoices):
    MACHINE = "machine", _("Machine-made")
    MACHINE_REVISED = "machine_revised", _("Machine-made, revised by a person")
    HUMAN = "human", _("Made by a person")


@dataclass(frozen=True)
class TrackDisclosure:
    origin: str
    counts: dict[str, int]
    # (cue number, origin) of the cues whose origin is not the track's.
    exceptions: list[tuple[int, str]] = field(default_factory=list)
    cues: dict[int, str] = field(default_factory=dict)  # cue id -> origin

    @property
    def label(self):
        return Origin(self.origin).label

    def as_dict(self) -> dict:
        """For manifests and the API: plain words a licensee can read."""
        return {"origin": self.origin, "label": str(self.label),
                "cues": {origin: self.counts.get(origin, 0) for origin in Origin.values},
                "cues_that_differ": [{"cue": number, "origin": origin}
                                     for number, origin in self.exceptions]}


def track_disclosure(track: SubtitleTrack) -> TrackDisclosure:
    cues = list(track.cues.order_by("index").values_list("pk", "index", "text", "engine",
                                                         "state"))
    first: dict[int, tuple[str, str, str]] = {}
    touched_by_a_person: set[int] = set()
    for cue_id, text, state, engine, author in (
            CueRevision.objects.filter(cue__track=track).order_by("cue_id", "revision")
            .values_list("cue_id", "text", "state", "engine", "author_id")):
        first.setdefault(cue_id, (text, state, engine))
        if author is not None:
            touched_by_a_person.add(cue_id)
    origins: dict[int, str] = {}
    numbers: dict[int, int] = {}
    for cue_id, index, text, engine, state in cues:
        numbers[cue_id] = index
        origins[cue_id] = _cue_origin(track.source, text=text, engine=engine, state=state,
                                      first=first.get(cue_id),
                                      revised_by_a_person=cue_id in touched_by_a_person)
    counts = Counter(origins.values())
    if len(counts) == 1:
        overall = next(iter(counts))
    elif not counts:
        overall = Origin.HUMAN if track.source == SubtitleTrack.Source.IMPORT \
            else Origin.MACHINE
    else:
        overall = Origin.MACHINE_REVISED
    exceptions = [(numbers[cue_id], origin) for cue_id, origin in origins.items()
                  if origin != overall]
    return TrackDisclosure(origin=str(overall), counts=dict(counts),
                           exceptions=sorted(exceptions), cues=origins)


def _machine_engine(engine: str) -> bool:
    return bool(engine) and engine != MEMORY_ENGINE


def _cue_origin(source: str, *, text: str, engine: str, state: str,
                first: tuple[str, str, str] | None, revised_by_a_person: bool) -> str:
    if source == SubtitleTrack.Source.IMPORT:
        return Origin.HUMAN
    if first is None:  # never changed since the machine (or the memory) wrote it
        if source == SubtitleTrack.Source.SPEECH_RECOGNITION:
            return Origin.MACHINE
        return Origin.MACHINE if _machine_engine(engine) else Origin.HUMAN
    first_text, first_state, first_engine = first
    if source == SubtitleTrack.Source.SPEECH_RECOGNITION:
        machine_made = bool(first_text)
    else:
        # Revisions saved before they kept the engine: the state tells.
        machine_made = bool(first_text) and (
            _machine_engine(first_engine) or first_state == SubtitleCue.State.MACHINE_TRANSLATED)
    if not machine_made:
        return Origin.HUMAN
    if revised_by_a_person and text != first_text:
        return Origin.MACHINE_REVISED
    return Origin.MACHINE
