"""Line breaking that respects each language.

Korean breaks only at spaces; Thai, which writes no spaces between words, breaks
between the words of PyThaiNLP's dictionary segmenter (``newmm``, whose dictionary ships
in the wheel, so nothing is downloaded); Japanese and Chinese break between the phrases
BudouX finds, and at spaces. A text that fits one line stays on one line; otherwise the
lines are as balanced as possible, a break after punctuation (or, in Thai, Japanese and
Chinese, at a space) is preferred, and between equals the longer line is the lower one.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from localization.subtitles.profiles import SubtitleProfile, profile_for

# PyThaiNLP must never reach the network or write a data folder in the user's home:
# newmm's dictionary ships inside the wheel.
os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

CLAUSE_ENDS = (",", "、", "，", ";", "；", ":", "：", "…")
SENTENCE_ENDS = (".", "?", "!", "。", "？", "！")
# Marks that belong to the word before them, never at the start of a line.
_CLOSING = set(".,!?;:)]}»”’\"'…ๆฯ、。，？！；：）」』】〉》")
# Marks that belong to the word after them, never at the end of a line.
_OPENING = set("([{«“‘（「『【〈《")
_DIALOGUE_DASH = re.compile(r"^\s*[-‐‑–—－]")
_WHITESPACE = re.compile(r"(\s+)")
# More candidate layouts than this is not worth trying: the text is far too long anyway.
_MAX_LAYOUTS = 20000


@dataclass(frozen=True)
class Piece:
    """An unbreakable run of text and the separator before it (a space, or nothing)."""

    separator: str
    text: str


def warm_up(languages: tuple[str, ...] = ("th", "ja", "zh-Hans")) -> None:
    """Load the segmenters now (PyThaiNLP builds its dictionary trie in about half a
    second, once per process), for a worker that should not pay it on its first track."""
    for language in languages:
        profile = profile_for(language)
        if profile.line_breaking != "spaces":
            split_pieces("ทดสอบ" if profile.line_breaking == "words" else "準備", profile)


def line_width(line: str, *, language: str) -> float:
    """The length of ``line`` as the language's profile counts it."""
    return profile_for(language).width(line)


def is_dialogue(text: str) -> bool:
    """Two speakers, one per line, each line opened by a dash: the lines are not reflowed."""
    lines = [line for line in text.split("\n") if line.strip()]
    return len(lines) >= 2 and all(_DIALOGUE_DASH.match(line) for line in lines)


def join_lines(text: str, profile: SubtitleProfile) -> str:
    lines = [line.strip() for line in text.split("\n")]
    return profile.line_joiner.join(line for line in lines if line)


def break_lines(text: str, *, language: str, max_lines: int | None = None) -> str:
    """Re-break ``text`` into at most ``max_lines`` lines (the profile's by default).

    Lines are never cut inside a Korean word (between spaces), a Thai word or a
    Japanese or Chinese phrase. When no layout fits the profile, the one that overflows
    least is returned. A two-speaker dialogue (a dash opening each line) keeps its lines.
    """
    return break_text(text, profile_for(language), max_lines=max_lines)


def break_text(text: str, profile: SubtitleProfile, *, max_lines: int | None = None) -> str:
    if is_dialogue(text):
        return "\n".join(line.strip() for line in text.split("\n") if line.strip())
    max_lines = max(1, max_lines or profile.max_lines)
    joined = join_lines(text, profile)
    if profile.width(joined) <= profile.max_characters_per_line or max_lines == 1:
        return joined
    pieces = split_pieces(joined, profile)
    return _best_layout(pieces, profile, max_lines)


def split_pieces(text: str, profile: SubtitleProfile) -> list[Piece]:
    """The units a line may be broken between, in order."""
    pieces: list[Piece] = []
    separator = ""
    for chunk in _WHITESPACE.split(text):
        if not chunk:
            continue
        if chunk.isspace():
            separator = chunk
            continue
        for position, part in enumerate(_segment(chunk, profile)):
            pieces.append(Piece(separator if position == 0 else "", part))
        separator = ""
    return _glue_punctuation(pieces)


def _segment(chunk: str, profile: SubtitleProfile) -> tuple[str, ...]:
    if profile.line_breaking == "words":
        return _thai_words(chunk)
    if profile.line_breaking == "phrases":
        return _phrases(chunk, _phrase_model(chunk, profile.language))
    return (chunk,)


@lru_cache(maxsize=16384)
def _thai_words(chunk: str) -> tuple[str, ...]:
    from pythainlp.tokenize import word_tokenize

    return tuple(word for word in word_tokenize(chunk, engine="newmm", keep_whitespace=False)
                 if word)


@lru_cache(maxsize=16384)
def _phrases(chunk: str, model: str) -> tuple[str, ...]:
    return tuple(_budoux_parser(model).parse(chunk))


def _phrase_model(chunk: str, language: str) -> str:
    """BudouX's model for the language; for another language, Japanese where there is kana."""
    if language.startswith("ja"):
        return "ja"
    if language.startswith("zh"):
        return "zh-Hans"
    return "ja" if any("\u3040" <= char <= "\u30ff" for char in chunk) else "zh-Hans"


@lru_cache(maxsize=4)
def _budoux_parser(model: str):
    import budoux

    if model == "ja":
        return budoux.load_default_japanese_parser()
    return budoux.load_default_simplified_chinese_parser()


def _glue_punctuation(pieces: list[Piece]) -> list[Piece]:
    """Closing marks stay with the piece before, opening marks with the piece after."""
    glued: list[Piece] = []
    for piece in pieces:
        if glued and not piece.separator and (
                all(char in _CLOSING for char in piece.text)
                or all(char in _OPENING for char in glued[-1].text)):
            glued[-1] = Piece(glued[-1].separator, glued[-1].text + piece.text)
        else:
            glued.append(piece)
    return glued


def _best_layout(pieces: list[Piece], profile: SubtitleProfile, max_lines: int) -> str:
    count = len(pieces)
    widths = [profile.width(piece.text) for piece in pieces]
    separators = [profile.width(piece.separator) for piece in pieces]
    prefix = [0.0, *itertools.accumulate(
        width + (separator if index else 0.0)
        for index, (width, separator) in enumerate(zip(widths, separators, strict=True)))]

    def span(begin: int, end: int) -> float:
        # The separator before the first piece of a line disappears with the break.
        return prefix[end] - prefix[begin] - (separators[begin] if begin else 0.0)

    limit = profile.max_characters_per_line

    def break_bonus(cut: int) -> float:
        """How much imbalance a good break point is worth, in characters."""
        bonus = 0.0
        if pieces[cut - 1].text.endswith(SENTENCE_ENDS):
            bonus = 0.4 * limit
        elif pieces[cut - 1].text.endswith(CLAUSE_ENDS):
            bonus = 0.3 * limit
        if pieces[cut].separator and profile.line_breaking != "spaces":
            # Thai, Japanese and Chinese subtitles put a space between phrases or
            # sentences, where a comma or full stop would be.
            bonus = max(bonus, 0.4 * limit)
        return bonus

    best: tuple[tuple[float, ...], tuple[int, ...]] | None = None
    for lines in range(1, min(max_lines, count) + 1):
        layouts = itertools.combinations(range(1, count), lines - 1)
        for cuts in itertools.islice(layouts, _MAX_LAYOUTS):
            bounds = (0, *cuts, count)
            line_widths = [span(begin, end) for begin, end in itertools.pairwise(bounds)]
            overflow = sum(max(0.0, width - limit) for width in line_widths)
            spread = max(line_widths) - min(line_widths)
            # Fewer lines first when they fit; then balance; then good break points.
            score = (round(overflow, 3), lines if not overflow else 0,
                     spread - sum(break_bonus(cut) for cut in cuts),
                     -line_widths[-1])
            if best is None or score < best[0]:
                best = (score, bounds)
        if best is not None and best[0][0] == 0:
            break
    assert best is not None
    bounds = best[1]
    return "\n".join(_render(pieces[begin:end]) for begin, end in itertools.pairwise(bounds))


def _render(pieces: list[Piece]) -> str:
    return "".join(piece.separator + piece.text if index else piece.text
                   for index, piece in enumerate(pieces))
