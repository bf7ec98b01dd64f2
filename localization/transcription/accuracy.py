"""How close recognized text is to a reference transcript: the character error rate.

Both texts are compared after the same normalization (NFKC, case folded, punctuation,
symbols and whitespace removed), so a full stop, a full-width digit or a line break
is no error; a different character, a missing one or an extra one is. Used by the
recognition tests and by bench/asr.py.
"""

from __future__ import annotations

import unicodedata

from rapidfuzz.distance import Levenshtein


def normalized(text: str) -> str:
    """``text`` as compared: NFKC, case folded, without punctuation, symbols or spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    # Unicode categories P* (punctuation), S* (symbols: Whisper's ♪), Z* and C* (spaces,
    # line breaks and other invisible characters).
    return "".join(char for char in text if unicodedata.category(char)[0] not in "PSZC")


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Edits (insertions, deletions, substitutions) per reference character, normalized.

    0 is a perfect transcript; a transcript that leaves out half the reference scores
    at least 0.5; extra words can push the rate above 1.
    """
    reference, hypothesis = normalized(reference), normalized(hypothesis)
    if not reference:
        raise ValueError("The reference transcript is empty once normalized.")
    return Levenshtein.distance(reference, hypothesis) / len(reference)
