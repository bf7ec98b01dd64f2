"""Subtitle timing and layout rules per language, as data (../shared/subtitle-standards.md).

The numbers live in ``profiles.json`` beside this module, each with the published style
guide it comes from (``sources``); code reads them from the ``SubtitleProfile``
instances built here only. A studio can tighten or relax them without touching code by
pointing the environment variable ``SUBTITLE_PROFILES_FILE`` at a JSON file of the same
shape, which is laid over the shipped one when the profiles are loaded (at import, or by
``reload_profiles()``)::

    {
      "defaults": {"max_duration_ms": 6000},          # every language
      "languages": {
        "ja": {"reading_speed": {"adult": 6}},        # only what changes
        "vi": {"max_characters_per_line": 42}         # a new language: needs this key
      }
    }

A language's settings are the shipped defaults, then the override's defaults, then the
shipped language entry, then the override's language entry; the ``reading_speed``,
``severities``, ``fullwidth_punctuation`` and ``sources`` objects are merged key by key,
every other key is replaced. A key the loader does not know is refused, so a misspelt or
renamed setting cannot be ignored silently. The keys:

``max_characters_per_line`` (number); ``max_characters_per_line_vertical`` (Japanese
vertical subtitles; ``null`` where a language allows no vertical subtitles);
``max_lines``; ``min_duration_ms`` (5/6 s: at a frame rate it becomes the whole number
of frames that lasts that long, 20 at 24 fps and 21 at 25 fps); ``max_duration_ms``;
``min_gap_frames`` (the same at every frame rate); ``chaining_gap_seconds`` (a gap of at
most this long, counted in frames of the title, is closed to ``min_gap_frames``: 12
frames at 24 fps, 15 at 30 fps); ``out_time_extension_ms``; ``frame_rate`` (the default
when the media's frame rate is unknown);
``reading_speed``: characters per second for ``adult``, ``children`` and ``sdh``;
``half_width_counts_half``: Latin letters, digits, spaces, punctuation and half-width
forms count 0.5 in line lengths and reading speed; ``ambiguous_width_is_full``: East
Asian ambiguous characters (``…``, ``“``) count as full width (Japanese);
``line_breaking``: ``"spaces"`` (break only at spaces), ``"words"`` (Thai word
segmentation) or ``"phrases"`` (BudouX phrases, and spaces); ``line_joiner``: what
replaces a line break when lines are joined before re-breaking;
``ellipsis``: the expected ellipsis; ``ellipsis_alternatives``: other ellipses accepted;
``ellipsis_mistakes``: what may not remain once the accepted ellipses are taken out
(three dots, ideographic full stops, middle dots);
``dialogue_dash``: what opens each line of a two-speaker cue (``"- "`` or ``"-"``);
``italics_allowed``; ``sound_brackets``: the two brackets of a sound description on an
SDH track (``"[]"``, ``null`` for no check);
``glyphs``: the characters allowed, as code point ranges ``"AC00-D7A3"`` (an allow-list:
anything else is refused; a line break is always allowed);
``fullwidth_punctuation``: a half-width mark and the full-width one expected when it
touches Japanese or Chinese text; ``severities``: ``"error"`` or ``"warning"`` per QA
rule; ``assumption``: a note shown where a number is not a published one;
``sources``: per setting or rule, ``{"guide": <id in "guides">, "section": ...,
"verified": <whether the section was read>, "note": ..., "house_rule": true,
"reason": ...}``.

The top-level ``guides`` object names each guide once (``{"ko": {"title": ..., "url":
...}}``); an override may add guides.
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

PROFILES_FILE = Path(__file__).with_name("profiles.json")
OVERRIDE_VARIABLE = "SUBTITLE_PROFILES_FILE"
AUDIENCES = ("adult", "children", "sdh")
LINE_BREAKING_METHODS = ("spaces", "words", "phrases")
SEVERITIES = ("error", "warning")
# Where a profile built in code names no severity: hard limits are errors, style is advice.
DEFAULT_SEVERITIES = {"reading_speed": "warning", "chaining": "warning", "ellipsis": "warning",
                      "glossary": "warning", "whitespace": "warning",
                      "dialogue_dash": "warning", "one_line": "warning",
                      "sound_description": "warning", "frame_rate": "warning",
                      "position": "warning"}
# Objects merged key by key when an override is laid over the shipped profiles.
_MERGED_KEYS = ("reading_speed", "severities", "fullwidth_punctuation", "sources")
_KNOWN_KEYS = frozenset({
    "max_characters_per_line", "max_characters_per_line_vertical", "max_lines",
    "min_duration_ms", "max_duration_ms", "min_gap_frames", "chaining_gap_seconds",
    "out_time_extension_ms", "frame_rate", "reading_speed", "half_width_counts_half",
    "ambiguous_width_is_full", "line_breaking", "line_joiner", "ellipsis",
    "ellipsis_mistakes", "ellipsis_alternatives", "dialogue_dash", "italics_allowed",
    "sound_brackets", "glyphs", "fullwidth_punctuation", "severities", "assumption",
    "sources",
})
_RENAMED_KEYS = {
    "chaining_gap_frames": "chaining_gap_seconds (the guide's half second, kept at every "
                           "frame rate)",
    "forbidden_ranges": "glyphs (an allow-list)",
    "forbidden_categories": "glyphs (an allow-list)",
    "forbidden_characters": "glyphs (an allow-list)",
}
# The one inline markup of a cue's text (localization.subtitles.cues): italics, ``<i>…</i>``;
# it takes no room on screen. Any other "<" is a character.
MARKUP = re.compile(r"</?i>", re.IGNORECASE)
# A time this close to a whole frame is on it (times are whole milliseconds).
_TOLERANCE_MS = 1
DEFAULT_GLYPHS = ((0x20, 0x7E),)


@dataclass(frozen=True)
class Source:
    """Where a setting or rule comes from: a guide's section, or a named house rule."""

    guide: str = ""  # the guide's title
    url: str = ""
    section: str = ""
    verified: bool = False  # the section was read when the figure was taken
    note: str = ""
    house_rule: bool = False  # the platform's own rule, stricter or other than the guide
    reason: str = ""


@dataclass(frozen=True)
class SubtitleProfile:
    language: str
    max_characters_per_line: float
    max_lines: int = 2
    # Characters per second for adult content; children's and SDH rates are for QA.
    max_characters_per_second: float = 12
    # Effective at ``frame_rate``: the whole frames that last ``declared_min_duration_ms``.
    min_duration_ms: int = 834  # 5/6 s = 20 frames at 24 fps
    max_duration_ms: int = 7000
    min_gap_frames: int = 2
    chaining_gap_seconds: float = 0.5  # 12 frames at 24 fps
    out_time_extension_ms: int = 500  # out-time may run 12 frames past the end of speech
    frame_rate: float = 24.0
    # Korean counts Latin letters, spaces and punctuation as half a character.
    half_width_counts_half: bool = True
    assumption: str = ""
    children_characters_per_second: float | None = None
    sdh_characters_per_second: float | None = None
    ambiguous_width_is_full: bool = False
    line_breaking: str = "spaces"
    line_joiner: str = " "
    ellipsis: str = "\u2026"
    ellipsis_mistakes: tuple[str, ...] = ("..",)
    ellipsis_alternatives: tuple[str, ...] = ()
    dialogue_dash: str = "-"
    italics_allowed: bool = True
    sound_brackets: str = ""  # "[]"; empty: not checked
    max_characters_per_line_vertical: float | None = None  # None: no vertical subtitles
    glyphs: tuple[tuple[int, int], ...] = DEFAULT_GLYPHS
    fullwidth_punctuation: tuple[tuple[str, str], ...] = ()
    severities: tuple[tuple[str, str], ...] = field(default=())
    sources: tuple[tuple[str, Source], ...] = ()
    declared_min_duration_ms: int = 834  # as the profile file says it, before frames

    def frames_ms(self, frames: int) -> int:
        return math.ceil(frames * 1000 / self.frame_rate)

    @property
    def nominal_frame_rate(self) -> float:
        """24 for 23.976 and 30 for 29.97: the rate a guide's frame counts are written for."""
        nearest = round(self.frame_rate)
        return float(nearest) if abs(self.frame_rate - nearest) < 0.1 else self.frame_rate

    @property
    def min_gap_ms(self) -> int:
        return self.frames_ms(self.min_gap_frames)

    @property
    def chaining_gap_frames(self) -> int:
        """The longest gap, in frames, that is closed to the minimum (12 at 24 and 25 fps)."""
        return math.floor(self.chaining_gap_seconds * self.nominal_frame_rate + 1e-9)

    @property
    def chaining_gap_ms(self) -> int:
        return self.frames_ms(self.chaining_gap_frames)

    @property
    def min_duration_frames(self) -> int:
        return min_duration_frames(self.declared_min_duration_ms, self.frame_rate)

    def width(self, text: str) -> float:
        """Line length as the profile counts characters (markup takes no room)."""
        half, ambiguous_full = self.half_width_counts_half, self.ambiguous_width_is_full
        return sum(character_width(char, half, ambiguous_full)
                   for char in MARKUP.sub("", text))

    def characters_per_second(self, audience: str = "adult") -> float:
        if audience not in AUDIENCES:
            raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
        rate = {"children": self.children_characters_per_second,
                "sdh": self.sdh_characters_per_second}.get(audience)
        return self.max_characters_per_second if rate is None else rate

    def severity(self, rule: str) -> str:
        return dict(self.severities).get(rule) or DEFAULT_SEVERITIES.get(rule, "error")

    def source(self, key: str) -> Source | None:
        """Where a setting or rule of this profile comes from, if the profile says."""
        return dict(self.sources).get(key)

    def allows(self, char: str) -> bool:
        """Whether ``char`` is in the language's glyph list (a line break always is)."""
        return char == "\n" or _in_ranges(ord(char), self.glyphs)

    def at_frame_rate(self, frame_rate: float) -> SubtitleProfile:
        """The profile at the media's frame rate: frame-based limits are counted again."""
        if not frame_rate > 0 or not math.isfinite(frame_rate):
            raise ValueError(f"frame rate must be positive, not {frame_rate!r}")
        frames = min_duration_frames(self.declared_min_duration_ms, frame_rate)
        return replace(self, frame_rate=frame_rate,
                       min_duration_ms=math.ceil(frames * 1000 / frame_rate))


def min_duration_frames(declared_ms: int, frame_rate: float) -> int:
    """Whole frames that last ``declared_ms`` (834 ms stands for 5/6 s: 20 at 24 fps)."""
    return math.ceil((declared_ms - _TOLERANCE_MS) * frame_rate / 1000 - 1e-9)


def _in_ranges(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(first <= code <= last for first, last in ranges)


@lru_cache(maxsize=8192)
def character_width(char: str, half_width_counts_half: bool,
                    ambiguous_width_is_full: bool = False) -> float:
    """How much of a line one character takes.

    Combining marks (Thai vowels and tone marks above or below a consonant) and
    zero-width characters take no room on screen, so they count zero in every language.
    """
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf"):
        return 0.0
    if not half_width_counts_half:
        return 1.0
    east_asian = unicodedata.east_asian_width(char)
    if east_asian in ("F", "W") or (east_asian == "A" and ambiguous_width_is_full):
        return 1.0
    if char.isspace() or east_asian in ("H", "Na") or category.startswith(("P", "Z")):
        return 0.5
    if category.startswith("L") and unicodedata.name(char, "").startswith("LATIN"):
        return 0.5
    return 1.0


def _code_range(text: str) -> tuple[int, int]:
    first, _dash, last = text.partition("-")
    return int(first, 16), int(last or first, 16)


def _merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        if key in _MERGED_KEYS and isinstance(value, dict):
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
    return merged


def _sources(language: str, settings: dict, guides: dict) -> tuple[tuple[str, Source], ...]:
    sources = []
    for key, entry in sorted(settings.get("sources", {}).items()):
        if not isinstance(entry, dict):
            raise ValueError(f"subtitle profile {language!r}: source {key!r} is an object")
        guide_id = entry.get("guide", "")
        if guide_id and guide_id not in guides:
            raise ValueError(f"subtitle profile {language!r}: source {key!r} names the "
                             f"unknown guide {guide_id!r}")
        guide = guides.get(guide_id, {})
        sources.append((key, Source(
            guide=str(guide.get("title", "")), url=str(guide.get("url", "")),
            section=str(entry.get("section", "")), verified=bool(entry.get("verified")),
            note=str(entry.get("note", "")), house_rule=bool(entry.get("house_rule")),
            reason=str(entry.get("reason", "")))))
    return tuple(sources)


def _profile_from(language: str, settings: dict, guides: dict) -> SubtitleProfile:
    unknown = sorted(set(settings) - _KNOWN_KEYS)
    if unknown:
        hints = "; ".join(f"{key} is now {_RENAMED_KEYS[key]}" for key in unknown
                          if key in _RENAMED_KEYS)
        raise ValueError(f"subtitle profile {language!r}: unknown settings {unknown}"
                         + (f" ({hints})" if hints else ""))
    if "max_characters_per_line" not in settings:
        raise ValueError(f"subtitle profile {language!r} needs max_characters_per_line")
    speeds = settings.get("reading_speed", {})
    if "adult" not in speeds:
        raise ValueError(f"subtitle profile {language!r} needs reading_speed.adult")
    if settings.get("line_breaking", "spaces") not in LINE_BREAKING_METHODS:
        raise ValueError(f"subtitle profile {language!r}: line_breaking must be one of "
                         f"{LINE_BREAKING_METHODS}")
    severities = settings.get("severities", {})
    if any(value not in SEVERITIES for value in severities.values()):
        raise ValueError(f"subtitle profile {language!r}: severities are {SEVERITIES}")
    brackets = settings.get("sound_brackets") or ""
    if brackets and len(brackets) != 2:
        raise ValueError(f"subtitle profile {language!r}: sound_brackets is an opening and "
                         f"a closing bracket, such as \"[]\"")
    vertical = settings.get("max_characters_per_line_vertical")
    defaults = SubtitleProfile(language, 0)
    declared_min_ms = int(settings.get("min_duration_ms", defaults.declared_min_duration_ms))
    frame_rate = float(settings.get("frame_rate", defaults.frame_rate))
    profile = SubtitleProfile(
        language=language,
        max_characters_per_line=float(settings["max_characters_per_line"]),
        max_characters_per_line_vertical=float(vertical) if vertical is not None else None,
        max_lines=int(settings.get("max_lines", defaults.max_lines)),
        max_characters_per_second=float(speeds["adult"]),
        children_characters_per_second=float(speeds.get("children", speeds["adult"])),
        sdh_characters_per_second=float(speeds.get("sdh", speeds["adult"])),
        declared_min_duration_ms=declared_min_ms,
        max_duration_ms=int(settings.get("max_duration_ms", defaults.max_duration_ms)),
        min_gap_frames=int(settings.get("min_gap_frames", defaults.min_gap_frames)),
        chaining_gap_seconds=float(settings.get("chaining_gap_seconds",
                                                defaults.chaining_gap_seconds)),
        out_time_extension_ms=int(settings.get("out_time_extension_ms",
                                               defaults.out_time_extension_ms)),
        half_width_counts_half=bool(settings.get("half_width_counts_half", False)),
        ambiguous_width_is_full=bool(settings.get("ambiguous_width_is_full", False)),
        assumption=str(settings.get("assumption", "")),
        line_breaking=settings.get("line_breaking", "spaces"),
        line_joiner=str(settings.get("line_joiner", " ")),
        ellipsis=str(settings.get("ellipsis", defaults.ellipsis)),
        ellipsis_mistakes=tuple(settings.get("ellipsis_mistakes", defaults.ellipsis_mistakes)),
        ellipsis_alternatives=tuple(settings.get("ellipsis_alternatives", ())),
        dialogue_dash=str(settings.get("dialogue_dash", defaults.dialogue_dash)),
        italics_allowed=bool(settings.get("italics_allowed", True)),
        sound_brackets=brackets,
        glyphs=tuple(_code_range(item) for item in settings.get("glyphs", ("0020-007E",))),
        fullwidth_punctuation=tuple(sorted(settings.get("fullwidth_punctuation", {}).items())),
        severities=tuple(sorted(severities.items())),
        sources=_sources(language, settings, guides),
    )
    return profile.at_frame_rate(frame_rate)


def _read(path: Path | str) -> dict:
    with open(path, encoding="utf-8") as file:
        data = json.load(file)
    if not isinstance(data, dict) or not set(data) <= {"defaults", "languages", "guides"}:
        raise ValueError(f"{path}: a subtitle profiles file holds 'defaults', 'languages' "
                         "and 'guides'")
    return data


def load_profiles(override: Path | str | None = None) -> dict[str, SubtitleProfile]:
    """The shipped profiles, with ``override`` (a JSON file of the same shape) laid over."""
    shipped = _read(PROFILES_FILE)
    extra = _read(override) if override else {}
    guides = {**shipped.get("guides", {}), **extra.get("guides", {})}
    defaults = _merge(shipped.get("defaults", {}), extra.get("defaults", {}))
    languages = {**shipped.get("languages", {})}
    for language, settings in extra.get("languages", {}).items():
        languages[language] = _merge(languages.get(language, {}), settings)
    return {language: _profile_from(language, _merge(defaults, settings), guides)
            for language, settings in languages.items()}


PROFILES: dict[str, SubtitleProfile] = {}


def reload_profiles() -> dict[str, SubtitleProfile]:
    """Read the profiles again (after ``SUBTITLE_PROFILES_FILE`` changed).

    ``PROFILES`` is updated in place, so modules that imported it see the new profiles.
    """
    fresh = load_profiles(os.environ.get(OVERRIDE_VARIABLE) or None)
    PROFILES.clear()
    PROFILES.update(fresh)
    return PROFILES


reload_profiles()


def profile_for(language: str) -> SubtitleProfile:
    try:
        return PROFILES[language]
    except KeyError:
        raise LookupError(f"no subtitle profile for language {language!r}") from None
