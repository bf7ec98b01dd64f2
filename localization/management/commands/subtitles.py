"""Subtitle files from the command line, for vendors and CI: the same import and QA code as
the pages, without touching the database.

    manage.py subtitles inspect FILE [--language L] [--class KRCC] [--json]
    manage.py subtitles check FILE --language L [--fps F] [--media MEDIA_FILE]
        [--audience adult|children|sdh] [--fix OUT] [--json]

``inspect`` prints the cues as the platform reads them and the import notes. ``check``
prints every QA finding; with ``--media`` the frame rate is the video's and its shot
changes are checked too; ``--fix OUT`` writes the file with the safe fixes applied (in
the format of OUT's extension). A file that cannot be read exits with status 2 and the
reason; ``check`` exits with status 1 when errors remain (after the fixes, with --fix).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from localization.qa import apply_safe_fixes, check_cues
from localization.qa.types import TRACK
from localization.subtitles.cues import SubtitleExportError, SubtitleFileError
from localization.subtitles.formats import (
    FORMATS,
    format_for_filename,
    read_subtitles,
    write_subtitles_with_notes,
)
from localization.subtitles.profiles import load_profiles

MAX_FILE_BYTES = 50 * 1024 * 1024


class FileRefused(CommandError):
    """A file that cannot be read: exit status 2, the reason, never a traceback."""

    def __init__(self, message: str):
        super().__init__(message, returncode=2)


def clock(ms: int) -> str:
    hours, rest = divmod(int(ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def cue_json(number: int, cue) -> dict:
    data = asdict(cue)
    data = {"number": number, "id": data.pop("identifier", ""),
            "start": clock(cue.start_ms), "end": clock(cue.end_ms), **data}
    return data


class Command(BaseCommand):
    help = "Inspect a subtitle file, or check it against a language's delivery rules."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        inspect = actions.add_parser("inspect", help="the cues as read, and the import notes")
        check = actions.add_parser("check", help="every QA finding; --fix writes safe fixes")
        for each in (inspect, check):
            each.add_argument("file")
            each.add_argument("--json", action="store_true", help="print JSON")
            each.add_argument("--class", dest="language_class", default=None,
                              help="the SAMI language class to read (e.g. KRCC)")
        inspect.add_argument("--language", default=None,
                             help="the file's language (picks a SAMI class)")
        check.add_argument("--language", required=True, choices=sorted(load_profiles()))
        check.add_argument("--fps", type=float, default=None,
                           help="the media's frame rate (default: from --media, or unknown)")
        check.add_argument("--media", default=None,
                           help="the video: its frame rate and shot changes are used")
        check.add_argument("--audience", default="adult",
                           choices=["adult", "children", "sdh"])
        check.add_argument("--fix", default=None, metavar="OUT",
                           help="write the file with the safe fixes applied")

    def handle(self, *args, **options):
        cues, notes, fmt = self._read(options)
        if options["action"] == "inspect":
            return self._inspect(cues, notes, options)
        return self._check(cues, notes, fmt, options)

    # --- reading ------------------------------------------------------------------------

    def _read(self, options):
        path = Path(options["file"])
        if not path.is_file():
            raise FileRefused(f"{path}: no such file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FileRefused(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
                              "not a subtitle file.")
        try:
            fmt = format_for_filename(path.name)
            cues, notes = read_subtitles(path.read_bytes(), fmt,
                                         language_class=options["language_class"],
                                         language=options.get("language"))
        except SubtitleFileError as error:
            raise FileRefused(f"{path}: {error}") from None
        return cues, notes, fmt

    def _inspect(self, cues, notes, options):
        if options["json"]:
            self._print_json({"cues": [cue_json(number, cue)
                                       for number, cue in enumerate(cues, start=1)],
                              "notes": [note.as_dict() for note in notes]})
            return
        for number, cue in enumerate(cues, start=1):
            speaker = f" [{cue.speaker}]" if cue.speaker else ""
            self.stdout.write(f"{number}  {clock(cue.start_ms)} --> {clock(cue.end_ms)}"
                              f"{speaker}")
            self.stdout.write(cue.text)
            self.stdout.write("")
        for note in notes:
            self.stderr.write(f"note: {note}")
        self.stdout.write(f"{len(cues)} cues, {len(notes)} notes")

    # --- checking -----------------------------------------------------------------------

    def _media(self, options):
        """(fps, shot changes) from --media, --fps overriding the frame rate."""
        fps, shots = options["fps"], None
        if options["media"]:
            from localization.engines.shots import ShotDetectionError, detect_shot_changes
            from localization.qa.shot_checks import ShotChanges

            media = Path(options["media"])
            if not media.is_file():
                raise FileRefused(f"{media}: no such file.")
            try:
                detected = detect_shot_changes(media)
            except ShotDetectionError as error:
                raise FileRefused(f"{media}: {error}") from None
            shots = ShotChanges(frame_rate=detected.frame_rate, frames=detected.frames)
            fps = fps or detected.frame_rate
        if fps is not None and not 1 <= fps <= 240:
            raise CommandError(f"--fps {fps}: a frame rate is between 1 and 240.")
        return fps, shots

    def _check(self, cues, notes, fmt, options):
        language = options["language"]
        fps, shots = self._media(options)
        common = {"fps": fps, "audience": options["audience"], "shot_changes": shots}
        changes = []
        if options["fix"]:
            result = apply_safe_fixes(cues, language, **common)
            cues, changes = result.cues, result.changes
            self._write_fixed(cues, options["fix"], language)
        findings = check_cues(cues, language=language, **common)
        errors = [finding for finding in findings if finding.severity == "error"]
        if options["json"]:
            self._print_json({
                "language": language, "fps": fps, "cues": len(cues),
                "findings": [{"rule": finding.rule, "severity": finding.severity,
                              "cue": None if finding.cue_index == TRACK else finding.cue_index,
                              "message": str(finding.message), "fixable": finding.fixable}
                             for finding in findings],
                "fixed": [{"cue": cue, "change": str(change)} for cue, change in changes],
                "notes": [note.as_dict() for note in notes]})
        else:
            for cue, change in changes:
                self.stdout.write(f"fixed cue {cue}: {change}")
            for finding in findings:
                where = "track" if finding.cue_index == TRACK else f"cue {finding.cue_index}"
                self.stdout.write(f"{finding.severity}: {where}: {finding.rule}: "
                                  f"{finding.message}")
            self.stdout.write(f"{len(errors)} errors, {len(findings) - len(errors)} warnings")
        if errors:
            raise CommandError(f"{len(errors)} errors remain.", returncode=1)

    def _write_fixed(self, cues, out: str, language: str) -> None:
        path = Path(out)
        try:
            fmt = format_for_filename(path.name)
            content, losses = write_subtitles_with_notes(cues, fmt, language=language)
        except (SubtitleFileError, SubtitleExportError) as error:
            raise CommandError(f"{path}: {error}") from None
        path.write_bytes(content)
        for loss in losses:
            self.stderr.write(f"{FORMATS[fmt][0]} cannot carry: {loss}")

    def _print_json(self, data) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))

