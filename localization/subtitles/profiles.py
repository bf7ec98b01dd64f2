"""Subtitle timing and layout rules per language, as data (../shared/subtitle-standards.md).

The numbers live in ``profiles.json`` beside this module; code reads them from the
``SubtitleProfile`` instances built here only. A studio can tighten or relax them
without touching code by pointing the environment variable ``SUBTITLE_PROFILES_FILE`` at
a JSON file of the same shape, which is laid over the shipped one when the profiles are
loaded (at import, or by ``reload_profiles()``)::

    {
      "defaults": {"max_duration_ms": 6000},          # every language
      "languages": {
        "ja": {"reading_speed": {"adult": 6}},        # only what changes
        "vi": {"max_characters_per_line": 42}         # a new language: needs this key
      }
    }

A language's settings are the shipped defaults, then the override's defaults, then the
shipped language entry, then the override's language entry; the ``reading_speed``,
``severities`` and ``fullwidth_punctuation`` objects are merged key by key, every other
key is replaced. The keys:

``max_characters_per_line`` (number), ``max_lines``, ``min_duration_ms``,
``max_duration_ms``, ``min_gap_frames``, ``chaining_gap_frames`` (a gap of this many
frames or less is closed to ``min_gap_frames``), ``out_time_extension_ms``,
``frame_rate`` (the default when a title gives none);
``reading_speed``: characters per second for ``adult``, ``children`` and ``sdh``;
``half_width_counts_half``: Latin letters, digits, spaces, punctuation and half-width
forms count 0.5 in line lengths and reading speed; ``ambiguous_width_is_full``: East
Asian ambiguous characters (``…``, ``“``) count as full width (Japanese);
``line_breaking``: ``"spaces"`` (break only at spaces), ``"words"`` (Thai word
segmentation) or ``"phrases"`` (BudouX phrases, and spaces); ``line_joiner``: what
replaces a line break when lines are joined before re-breaking;
``ellipsis``: the expected ellipsis; ``ellipsis_mistakes``: what may not remain once the
expected ellipsis is taken out (three dots, ideographic full stops, middle dots);
``forbidden_categories``: Unicode general categories refused (control, format, private
use, surrogate, unassigned); ``forbidden_ranges``: code point ranges refused, as
``"1F000-1FAFF"`` (emoji, dingbats, variation selectors, private use; Japanese adds
half-width katakana); ``forbidden_characters``: single characters refused;
``fullwidth_punctuation``: a half-width mark and the full-width one expected when it
touches Japanese or Chinese text; ``severities``: ``"error"`` or ``"warning"`` per QA
rule; ``assumption``: a note shown where a number is not a published one.
"""

from __future__ import annotations

import json
import math
import os
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
                      "glossary": "warning"}
# Objects merged key by key when an override is laid over the shipped profiles.
_MERGED_KEYS = ("reading_speed", "severities", "fullwidth_punctuation")


@dataclass(frozen=True)
class SubtitleProfile:
    language: str
    max_characters_per_line: float
    max_lines: int = 2
    # Characters per second for adult content; children's and SDH rates are for QA.
    max_characters_per_second: float = 12
    min_duration_ms: int = 834  # 5/6 s = 20 frames at 24 fps
    max_duration_ms: int = 7000
    min_gap_frames: int = 2
    chaining_gap_frames: int = 12
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
    forbidden_categories: tuple[str, ...] = ("Cc", "Cf", "Co", "Cs", "Cn")
    forbidden_ranges: tuple[tuple[int, int], ...] = ()
    forbidden_characters: str = ""
    fullwidth_punctuation: tuple[tuple[str, str], ...] = ()
    severities: tuple[tuple[str, str], ...] = field(default=())

    def frames_ms(self, frames: int) -> int:
        return math.ceil(frames * 1000 / self.frame_rate)

    @property
    def min_gap_ms(self) -> int:
        return self.frames_ms(self.min_gap_frames)

    @property
    def chaining_gap_ms(self) -> int:
        return self.frames_ms(self.chaining_gap_frames)

    def width(self, text: str) -> float:
        """Line length as the profile counts characters."""
        half, ambiguous_full = self.half_width_counts_half, self.ambiguous_width_is_full
        return sum(character_width(char, half, ambiguous_full) for char in text)

    def characters_per_second(self, audience: str = "adult") -> float:
        if audience not in AUDIENCES:
            raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
        rate = {"children": self.children_characters_per_second,
                "sdh": self.sdh_characters_per_second}.get(audience)
        return self.max_characters_per_second if rate is None else rate

    def severity(self, rule: str) -> str:
        return dict(self.severities).get(rule) or DEFAULT_SEVERITIES.get(rule, "error")

    def at_frame_rate(self, frame_rate: float) -> SubtitleProfile:
        return replace(self, frame_rate=frame_rate)


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


def _profile_from(language: str, settings: dict) -> SubtitleProfile:
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
    defaults = SubtitleProfile(language, 0)
    return SubtitleProfile(
        language=language,
        max_characters_per_line=float(settings["max_characters_per_line"]),
        max_lines=int(settings.get("max_lines", defaults.max_lines)),
        max_characters_per_second=float(speeds["adult"]),
        children_characters_per_second=float(speeds.get("children", speeds["adult"])),
        sdh_characters_per_second=float(speeds.get("sdh", speeds["adult"])),
        min_duration_ms=int(settings.get("min_duration_ms", defaults.min_duration_ms)),
        max_duration_ms=int(settings.get("max_duration_ms", defaults.max_duration_ms)),
        min_gap_frames=int(settings.get("min_gap_frames", defaults.min_gap_frames)),
        chaining_gap_frames=int(settings.get("chaining_gap_frames",
                                             defaults.chaining_gap_frames)),
        out_time_extension_ms=int(settings.get("out_time_extension_ms",
                                               defaults.out_time_extension_ms)),
        frame_rate=float(settings.get("frame_rate", defaults.frame_rate)),
        half_width_counts_half=bool(settings.get("half_width_counts_half", False)),
        ambiguous_width_is_full=bool(settings.get("ambiguous_width_is_full", False)),
        assumption=str(settings.get("assumption", "")),
        line_breaking=settings.get("line_breaking", "spaces"),
        line_joiner=str(settings.get("line_joiner", " ")),
        ellipsis=str(settings.get("ellipsis", defaults.ellipsis)),
        ellipsis_mistakes=tuple(settings.get("ellipsis_mistakes", defaults.ellipsis_mistakes)),
        forbidden_categories=tuple(settings.get("forbidden_categories",
                                                defaults.forbidden_categories)),
        forbidden_ranges=tuple(_code_range(item) for item in settings.get("forbidden_ranges", ())),
        forbidden_characters=str(settings.get("forbidden_characters", "")),
        fullwidth_punctuation=tuple(sorted(settings.get("fullwidth_punctuation", {}).items())),
        severities=tuple(sorted(severities.items())),
    )


def _read(path: Path | str) -> dict:
    with open(path, encoding="utf-8") as file:
        data = json.load(file)
    if not isinstance(data, dict) or not set(data) <= {"defaults", "languages"}:
        raise ValueError(f"{path}: a subtitle profiles file holds 'defaults' and 'languages'")
    return data


def load_profiles(override: Path | str | None = None) -> dict[str, SubtitleProfile]:
    """The shipped profiles, with ``override`` (a JSON file of the same shape) laid over."""
    shipped = _read(PROFILES_FILE)
    extra = _read(override) if override else {}
    defaults = _merge(shipped.get("defaults", {}), extra.get("defaults", {}))
    languages = {**shipped.get("languages", {})}
    for language, settings in extra.get("languages", {}).items():
        languages[language] = _merge(languages.get(language, {}), settings)
    return {language: _profile_from(language, _merge(defaults, settings))
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
