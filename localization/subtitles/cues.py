"""The in-memory form of a subtitle cue, shared by the format readers, writers and segmenter."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext

# No film or series episode runs this long; a time past it is a typo or a broken file, and
# refusing it keeps absurd numbers (99999999 hours, or infinity) out of the database.
MAX_CUE_TIME_HOURS = 100
MAX_CUE_TIME_MS = MAX_CUE_TIME_HOURS * 3_600_000


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str  # lines separated by "\n"
    speaker: str = ""

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


@dataclass(frozen=True)
class ImportNote:
    """A problem found while reading a file that did not stop the import."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return _at_line(self.line, self.message)

    def as_dict(self) -> dict:
        return {"line": self.line, "message": self.message}


class SubtitleFileError(ValueError):
    """A subtitle file that cannot be imported without losing something; says where."""

    def __init__(self, message: str, *, line: int | None = None):
        self.line = line
        self.message = message
        super().__init__(_at_line(line, message))


def _at_line(line: int | None, message: str) -> str:
    if not line:
        return message
    return gettext("line %(line)s: %(message)s") % {"line": line, "message": message}
