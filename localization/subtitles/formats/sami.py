"""SAMI (.smi), the legacy Korean subtitle format, read and written with pycaption.

A SAMI file is HTML-like: ``<SYNC Start=ms>`` marks a moment, each ``<P Class=…>`` in it
the text of one language class from then on (``.KRCC { lang: ko-KR }`` in the STYLE block
names it), and a ``&nbsp;`` paragraph ends the cue. One file often holds several classes
(KRCC and ENCC); one track is one class, chosen by ``language_class``.

pycaption reads SAMI well (tolerant of the unclosed tags every SAMI file has, CSS classes,
``&nbsp;`` end syncs, italics), but it groups paragraphs by their class's ``lang``, so two
classes without a STYLE definition would be merged; ``_ClassParser`` keys them by class
instead. pysubs2's SAMI reader (1.9.0) is not used: it mixes every class into one track
and guesses end times from the text length. The bytes are decoded first (UTF-8, else
cp949, the superset of EUC-KR that Korean SAMI files use), as pycaption reads only UTF-8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup
from django.utils.translation import gettext as _
from pycaption import Caption, CaptionList, CaptionNode, CaptionSet, SAMIReader, SAMIWriter
from pycaption.exceptions import CaptionReadError
from pycaption.sami.parser import SAMIParser

from localization.subtitles.cues import Cue, SubtitleFileError, spans_text, text_spans
from localization.subtitles.formats.common import (
    Notes,
    check_cues,
    check_time_limit,
    shorten,
)

_SYNC = re.compile(r"<sync\b([^>]*)>", re.IGNORECASE)
_START = re.compile(r"\bstart\s*=\s*[\"']?([^\"'\s>]*)", re.IGNORECASE)
_P_CLASS = re.compile(r"<p\b[^>]*?\bclass\s*=\s*[\"']?([^\"'>]+?)[\"']?\s*(?:>|\s)",
                      re.IGNORECASE)
# The classes (and lang values) Korean players and editors expect for each language.
CLASS_FOR_LANGUAGE = {"ko": "KRCC", "en": "ENCC", "ja": "JPCC", "zh": "CNCC", "th": "THCC"}
LANG_FOR_LANGUAGE = {"ko": "ko-KR", "en": "en-US", "ja": "ja-JP", "th": "th-TH"}
_FONT = re.compile(r"<font\b", re.IGNORECASE)
NO_CLASS = "(none)"
PYCAPTION_LAST_CUE_MS = 4000


@dataclass(frozen=True)
class LanguageClass:
    """One language class found in a SAMI file."""

    name: str  # as the file writes it: "KRCC"
    language: str  # its STYLE's lang, "ko-KR", or ""
    label: str  # its STYLE's Name, "한국어", or ""
    cues: int

    def __str__(self) -> str:
        details = ", ".join(shorten(part) for part in (self.label, self.language) if part)
        count = _("%(count)d cues") % {"count": self.cues}
        name = shorten(self.name)
        return f"{name} ({details}, {count})" if details else f"{name} ({count})"


class _ClassParser(SAMIParser):
    """pycaption's SAMI parser, keying each paragraph by its class rather than by the
    class's lang, so that every class is read apart."""

    def __init__(self):
        super().__init__()
        self.class_keys: dict[str, str] = {}  # lower-case class -> "c0", "c1", …
        self.class_names: dict[str, str] = {}  # key -> the class as first written

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            attrs = [(name, value) for name, value in attrs if name.lower() != "lang"]
        super().handle_starttag(tag, attrs)

    def _find_lang(self, attrs):
        name = next((value.strip() for attr, value in attrs
                     if attr.lower() == "class" and value and value.strip()), NO_CLASS)
        key = self.class_keys.setdefault(name.lower(), f"c{len(self.class_keys)}")
        self.class_names.setdefault(key, name)
        return key


class _ClassReader(SAMIReader):
    """SAMIReader.read without the CaptionSet: the captions of each class."""

    def read_classes(self, content: str) -> tuple[dict[str, CaptionList], dict, _ClassParser]:
        parser = _ClassParser()
        content, styles, keys = parser.feed(content)
        soup = BeautifulSoup(content, features="lxml")
        layout = self._build_layout(styles.get("p", {}))
        return ({key: self._translate_lang(key, soup, layout) for key in keys}, styles,
                parser)


@dataclass
class _SamiFile:
    captions: dict[str, CaptionList]
    classes: list[LanguageClass]
    keys: dict[str, str]  # class name -> key
    sync_lines: dict[tuple[str, int], int]  # (lower-case class, start ms) -> line
    last_sync: dict[str, int]  # lower-case class -> its last sync's start
    fonts: set  # (lower-case class, start ms) of paragraphs with <font> tags


def _scan(text: str) -> tuple[dict[tuple[str, int], int], dict[str, int], set]:
    """Where each class's syncs are, checking every Start time (pycaption says no line), and
    which of them hold <font> tags (pycaption drops those without a word)."""
    sync_lines: dict[tuple[str, int], int] = {}
    last_sync: dict[str, int] = {}
    fonts: set[tuple[str, int]] = set()
    matches = list(_SYNC.finditer(text))
    for number, match in enumerate(matches):
        line = text.count("\n", 0, match.start()) + 1
        start_match = _START.search(match.group(1))
        written = start_match.group(1) if start_match else ""
        if not re.fullmatch(r"\d+(?:\.\d*)?", written):
            raise SubtitleFileError(_("The SYNC Start time '%(time)s' cannot be read; it must "
                                      "be milliseconds.") % {"time": shorten(written)},
                                    line=line)
        start = int(float(written)) if len(written) < 16 else 10 ** 16
        check_time_limit(start, written, line)
        following = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        for class_match in _P_CLASS.finditer(text, match.end(), following):
            name = class_match.group(1).strip().lower()
            sync_lines.setdefault((name, start), line)
            last_sync[name] = max(last_sync.get(name, 0), start)
            if _FONT.search(text, class_match.end(), following):
                fonts.add((name, start))
    return sync_lines, last_sync, fonts


def _read_file(text: str) -> _SamiFile:
    if "<sami" not in text[:4096].lower():
        raise SubtitleFileError(_("This is not a SAMI file (no <SAMI> tag at its start)."),
                                line=1)
    sync_lines, last_sync, fonts = _scan(text)
    try:
        captions, styles, parser = _ClassReader().read_classes(text)
    except (CaptionReadError, Exception) as error:
        # pycaption says what went wrong, never where (the scan above caught the times),
        # and its HTML and CSS parsers raise their own kinds on broken input.
        raise SubtitleFileError(_("The SAMI file cannot be read: %(error)s")
                                % {"error": shorten(str(error), 200)}) from None
    classes = []
    keys = {}
    for key, name in parser.class_names.items():
        style = styles.get(name.lower(), {})
        classes.append(LanguageClass(name, str(style.get("lang", "")),
                                     str(style.get("name", "")), len(captions.get(key, []))))
        keys[name] = key
    return _SamiFile(captions, classes, keys, sync_lines, last_sync, fonts)


def language_classes(text: str) -> list[LanguageClass]:
    """The classes of a SAMI file, in the order the file first uses them."""
    return [found for found in _read_file(text).classes if found.cues]


def default_class(classes: list[LanguageClass], language: str | None = None) -> str:
    """The class to import when none is chosen: the track language's (KRCC for Korean),
    else one whose lang is that language, else KRCC, else the first."""
    names = {found.name.lower(): found.name for found in classes}
    wanted = []
    if language:
        primary = language.split("-")[0].lower()
        wanted.append(CLASS_FOR_LANGUAGE.get(primary, f"{primary.upper()}CC").lower())
        wanted += [found.name.lower() for found in classes
                   if found.language.lower().split("-")[0] == primary]
    wanted.append("krcc")
    wanted += [found.name.lower() for found in classes if found.language.lower()
               .startswith("ko")]
    for name in wanted:
        if name in names:
            return names[name]
    return classes[0].name if classes else ""


def read_sami(text: str, *, language_class: str | None = None, language: str | None = None
              ) -> tuple[list[Cue], list]:
    sami = _read_file(text)
    found = [language for language in sami.classes if language.cues]
    if not found:
        raise SubtitleFileError(_("The file has no subtitle cues."))
    chosen = language_class or default_class(found, language)
    match = next((item for item in found if item.name.lower() == chosen.lower()), None)
    if match is None:
        raise SubtitleFileError(
            _("The SAMI file has no language class '%(wanted)s'; it has %(classes)s.")
            % {"wanted": shorten(chosen), "classes": ", ".join(str(item) for item in found)})
    notes = Notes()
    if len(found) > 1:
        notes.add(None, _("The SAMI file has %(count)d language classes: %(classes)s; "
                          "%(chosen)s was imported.")
                  % {"count": len(found), "classes": ", ".join(str(item) for item in found),
                     "chosen": match.name})
    key = sami.keys[match.name]
    class_name = match.name.lower()
    cues, lines = [], []
    captions = list(sami.captions[key])
    for number, caption in enumerate(captions):
        start, end = caption.start // 1000, caption.end // 1000
        line = sami.sync_lines.get((class_name, start))
        if number == len(captions) - 1 and sami.last_sync.get(class_name, 0) <= start:
            notes.add(line, _("The last cue has no end (no &nbsp; sync after it); it was given "
                              "%(seconds)d seconds.") % {"seconds": PYCAPTION_LAST_CUE_MS // 1000})
        text_value, lost = _caption_text(caption)
        if (class_name, start) in sami.fonts:
            lost.append(_("SAMI <font> colours, faces and sizes are not kept; the text is."))
        for what in lost:
            notes.repeat(line, what)
        cues.append(Cue(start, end, text_value))
        lines.append(line or 0)
    checked, more = check_cues(cues, lines)
    return checked, notes.as_list() + more


def _caption_text(caption) -> tuple[str, list[str]]:
    spans: list[tuple[str, bool]] = []
    lost: list[str] = []
    italic = bool((caption.style or {}).get("italics"))
    for node in caption.nodes:
        if node.type_ == CaptionNode.TEXT:
            spans.append((node.content.replace("\n", " "), italic))
        elif node.type_ == CaptionNode.BREAK:
            spans.append(("\n", italic))
        elif node.type_ == CaptionNode.STYLE:
            content = node.content or {}
            if content.get("italics"):
                italic = node.start
            styled = {name for name in content if name not in ("italics", "class")}
            if styled and node.start:
                message = _("SAMI styling (%(styles)s) is not kept; the text is.") % {
                    "styles": ", ".join(sorted(styled))}
                if message not in lost:
                    lost.append(message)
    lines = []
    for line in spans_text(spans).split("\n"):
        lines.append(" ".join(line.split()))
    return "\n".join(line for line in lines if line), lost


def class_for_language(language: str) -> tuple[str, str]:
    primary = language.split("-")[0].lower()
    return (CLASS_FOR_LANGUAGE.get(primary, f"{primary.upper()}CC"),
            LANG_FOR_LANGUAGE.get(language.lower(), language))


def write_sami(cues: list[Cue], *, language: str) -> bytes:
    class_name, lang = class_for_language(language)
    captions = CaptionList()
    for cue in cues:
        if cue.end_ms <= cue.start_ms or not cue.plain_text.strip():
            continue  # nothing to show (export_notes says so)
        nodes = []
        for piece, italic in text_spans(cue.text):
            if italic:
                nodes.append(CaptionNode.create_style(True, {"italics": True}))
            for number, part in enumerate(piece.split("\n")):
                if number:
                    nodes.append(CaptionNode.create_break())
                if part:
                    nodes.append(CaptionNode.create_text(part))
            if italic:
                nodes.append(CaptionNode.create_style(False, {"italics": True}))
        captions.append(Caption(cue.start_ms * 1000, cue.end_ms * 1000, nodes,
                                style={"class": class_name}))
    caption_set = CaptionSet({lang: captions}, styles={class_name: {"lang": lang}})
    return SAMIWriter().write(caption_set).encode("utf-8")
