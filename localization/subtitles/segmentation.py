"""Cut a word-timed transcript into subtitle cues that follow a language profile.

Cues end at natural pauses (the longest silences between words) and at sentence ends
where possible, never hold more lines or characters than the profile allows, last
between the minimum and maximum duration, and keep the minimum gap between them.

When the words carry speakers (diarization), a cue never mixes speakers, except a short
exchange of two that fits as a dialogue cue: one line each, opened with the language's
dialogue dash, as the style guides write two speakers in one subtitle.
"""

from __future__ import annotations

from dataclasses import dataclass

from localization.subtitles.cues import Cue
from localization.subtitles.profiles import SubtitleProfile

SENTENCE_ENDS = (".", "?", "!", "。", "？", "！", "…")
CLAUSE_ENDS = (",", "、", "，", ";", ":")
# A silence this long never stays inside one cue.
PAUSE_BREAK_MS = 1500
# The most words one cue can hold, which bounds the search.
MAX_WORDS_PER_CUE = 40


@dataclass(frozen=True)
class Word:
    start_ms: int
    end_ms: int
    text: str  # as the recognizer gives it, usually with a leading space
    speaker: str = ""  # who says it, when the media was diarized


# A dialogue cue costs this much more than two cues of one speaker each would, so that
# only an exchange too short for cues of its own becomes one.
DIALOGUE_COST = 0.6


def segment_words(words: list[Word], profile: SubtitleProfile) -> list[Cue]:
    words = [word for word in words if word.text.strip()]
    groups = [piece for group in _group(words, profile)
              for piece in _split_overlong(group, profile)]
    texts = [_group_text(group, profile) for group in groups]
    return _time(groups, texts, profile)


def _speaker_runs(group: list[Word]) -> list[list[Word]]:
    runs: list[list[Word]] = []
    for word in group:
        if runs and runs[-1][-1].speaker == word.speaker:
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def _group_text(group: list[Word], profile: SubtitleProfile) -> str | None:
    """The cue's text: laid out in lines, or a dialogue of two speakers, one line each."""
    runs = _speaker_runs(group)
    if len(runs) == 1:
        return _layout([word.text for word in group], profile)
    if len(runs) > 2 or profile.max_lines < 2:
        return None
    lines = [profile.dialogue_dash + _join(run) for run in runs]
    if any(profile.width(line) > profile.max_characters_per_line for line in lines):
        return None
    return "\n".join(lines)


def _join(words: list[Word]) -> str:
    # Recognizers put a space before a word where the language has one (Korean) and
    # none where it has none (Japanese, Chinese), so the texts are joined as they are.
    return "".join(word.text for word in words).strip()


def _group(words: list[Word], profile: SubtitleProfile) -> list[list[Word]]:
    """Choose the cue breaks with the lowest total cost (dynamic programming).

    Every cue costs one; a break after a long pause or a sentence end earns a bonus,
    a break between closely spoken words mid-sentence and a nearly empty cue cost
    extra. Cues that break a profile limit are never considered.
    """
    count = len(words)
    capacity = profile.max_characters_per_line * profile.max_lines
    best = [0.0] + [float("inf")] * count
    previous = [0] * (count + 1)
    for end in range(1, count + 1):
        for begin in range(end - 1, max(-1, end - 1 - MAX_WORDS_PER_CUE), -1):
            group = words[begin:end]
            dialogue = any(word.speaker != group[0].speaker for word in group)
            if len(group) > 1:
                if group[-1].start_ms - group[-2].end_ms >= PAUSE_BREAK_MS:
                    break
                if (group[-1].end_ms - group[0].start_ms > profile.max_duration_ms
                        or _group_text(group, profile) is None):
                    break
            cost = best[begin] + 1 + _break_cost(words, end, profile, capacity, group)
            if dialogue:
                cost += DIALOGUE_COST
            if cost < best[end]:
                best[end], previous[end] = cost, begin
    groups = []
    end = count
    while end > 0:
        begin = previous[end]
        groups.append(words[begin:end])
        end = begin
    return groups[::-1]


def _break_cost(words: list[Word], end: int, profile: SubtitleProfile, capacity: float,
                group: list[Word]) -> float:
    cost = 0.0
    fill = profile.width(_join(group)) / capacity
    if len({word.speaker for word in group}) > 1:
        return cost  # a dialogue cue is short by nature
    if fill < 0.3:
        cost += 1.0
    if end == len(words):
        return cost
    last = group[-1].text.strip()
    pause = words[end].start_ms - group[-1].end_ms
    cost -= min(max(pause, 0), 2000) / 500
    if last.endswith(SENTENCE_ENDS):
        cost -= 1.5
    elif last.endswith(CLAUSE_ENDS):
        cost -= 0.5
    elif pause < 150:
        cost += 1.0
    return cost


def _split_overlong(group: list[Word], profile: SubtitleProfile) -> list[list[Word]]:
    """A lone word longer than a whole cue is split so no line exceeds the profile."""
    if len(group) > 1 or _layout([group[0].text], profile) is not None:
        return [group]
    word = group[0]
    text = word.text.strip()
    # One line per piece: a cut inside a word cannot be balanced between two lines.
    size = int(profile.max_characters_per_line) or 1
    pieces = [text[i:i + size] for i in range(0, len(text), size)]
    span = (word.end_ms - word.start_ms) / len(pieces)
    return [[Word(round(word.start_ms + i * span), round(word.start_ms + (i + 1) * span), piece,
                  word.speaker)]
            for i, piece in enumerate(pieces)]


def _layout(tokens: list[str], profile: SubtitleProfile) -> str | None:
    """Break words into at most max_lines lines, between words, as balanced as possible."""
    limit = profile.max_characters_per_line
    text = "".join(tokens).strip()
    if profile.width(text) <= limit:
        return text
    if profile.max_lines < 2:
        return None
    best: tuple[float, str] | None = None
    for cut in range(1, len(tokens)):
        top, bottom = "".join(tokens[:cut]).strip(), "".join(tokens[cut:]).strip()
        widths = (profile.width(top), profile.width(bottom))
        if max(widths) > limit:
            continue
        # Prefer balanced lines and, between equals, a cut after punctuation.
        score = abs(widths[0] - widths[1]) - (1 if top.endswith((*CLAUSE_ENDS, *SENTENCE_ENDS))
                                              else 0)
        if best is None or score < best[0]:
            best = (score, f"{top}\n{bottom}")
    return best[1] if best else None


def _time(groups: list[list[Word]], texts: list[str | None],
          profile: SubtitleProfile) -> list[Cue]:
    starts = [group[0].start_ms for group in groups]
    ends = [max(group[-1].end_ms, group[0].start_ms + 1) for group in groups]
    cues: list[Cue] = []
    for index, (start, end, text) in enumerate(zip(starts, ends, texts, strict=True)):
        next_start = starts[index + 1] if index + 1 < len(starts) else None
        latest = start + profile.max_duration_ms
        if next_start is not None:
            latest = min(latest, next_start - profile.min_gap_ms)
        wanted = max(
            end + profile.out_time_extension_ms,
            start + profile.min_duration_ms,
            start + round(1000 * profile.width(text.replace("\n", "")) /
                          profile.max_characters_per_second),
        )
        new_end = min(wanted, latest)
        if next_start is not None and next_start - new_end <= profile.chaining_gap_ms:
            # Close a short gap to the minimum so the cues chain without flicker.
            new_end = min(next_start - profile.min_gap_ms, start + profile.max_duration_ms)
        new_end = max(new_end, min(end, latest), start + 1)
        cues.append(Cue(start, new_end, text, groups[index][0].speaker))
    return cues
