"""The translation memory: exact and fuzzy matches, TMX export and import."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from localization.permissions import check_can_edit_memory
from localization.translation.models import TranslationMemoryEntry

EXACT = 100


# A fuzzy match at least this good is filled in for review; lower ones are only offered.
FUZZY_FILL_THRESHOLD = 85


_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """The memory's key: line breaks and runs of spaces folded, ends trimmed."""
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class MemoryMatch:
    percent: int
    source_text: str
    target_text: str


def memory_matches(*, source_text: str, target_language: str, source_language: str = "ko",
                   limit: int = 3, candidates: list | None = None) -> list[MemoryMatch]:
    """Exact and fuzzy matches, best first, at or above the TM_FUZZY_THRESHOLD."""
    from rapidfuzz import fuzz, process

    key = normalize(source_text)
    if not key:
        return []
    exact = (TranslationMemoryEntry.objects
             .filter(source_language=source_language, target_language=target_language,
                     source_key=key).order_by("-created_at").first())
    matches = [MemoryMatch(EXACT, exact.source_text, exact.target_text)] if exact else []
    if candidates is None:
        candidates = memory_candidates(source_language=source_language,
                                       target_language=target_language)
    keys = [candidate[0] for candidate in candidates]
    for _choice, score, position in process.extract(
            key, keys, scorer=fuzz.ratio, limit=limit + 1,
            score_cutoff=settings.TM_FUZZY_THRESHOLD):
        candidate_key, source, target = candidates[position]
        if candidate_key == key:
            continue
        matches.append(MemoryMatch(int(score), source, target))
    return matches[:limit]


def memory_candidates(*, source_language: str, target_language: str) -> list[tuple]:
    """Every entry of a language pair, loaded once per track rather than once per cue."""
    return list(TranslationMemoryEntry.objects
                .filter(source_language=source_language, target_language=target_language)
                .values_list("source_key", "source_text", "target_text"))


def memory_add(*, source_text: str, target_text: str, target_language: str,
               source_language: str = "ko", title=None, user=None,
               origin: str = "approved_cue") -> TranslationMemoryEntry | None:
    key = normalize(source_text)
    if not key or not target_text.strip():
        return None
    entry, _created = TranslationMemoryEntry.objects.get_or_create(
        source_language=source_language, target_language=target_language, source_key=key,
        target_text=target_text.strip(),
        defaults={"source_text": source_text.strip(), "title": title, "created_by": user,
                  "origin": origin})
    return entry


def memory_export_tmx(*, target_language: str | None = None) -> bytes:
    """TMX 1.4, one translation unit per entry (Translate Toolkit writes the XML)."""
    from translate.storage import tmx

    entries = TranslationMemoryEntry.objects.order_by("id")
    if target_language:
        entries = entries.filter(target_language=target_language)
    store = tmx.tmxfile(sourcelanguage="ko")
    for entry in entries:
        store.addtranslation(entry.source_text, entry.source_language, entry.target_text,
                             entry.target_language)
    return bytes(store)


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def memory_import_tmx(*, data: bytes, user=None, source_language: str = "ko") -> int:
    """Add every unit that has the source language and one of the target languages;
    returns how many pairs were added. A file that is not TMX is refused whole."""
    if user is not None:
        check_can_edit_memory(user)
    from translate.storage import tmx

    try:
        store = tmx.tmxfile.parsestring(data)
    except Exception as error:  # the toolkit raises lxml and ValueError variants
        raise ValidationError(_("This is not a TMX file: %(error)s") % {"error": error}) \
            from None
    added = 0
    with transaction.atomic():
        for unit in store.units:
            variants = {}
            for tuv in unit.xmlelement.iter("tuv", "{*}tuv"):
                language = tuv.get(XML_LANG) or tuv.get("lang") or ""
                segment = tuv.find("seg")
                if segment is not None:
                    variants[_language_code(language)] = "".join(segment.itertext())
            source = variants.get(source_language)
            if not source:
                continue
            for language, text in variants.items():
                if language != source_language and memory_add(
                        source_text=source, target_text=text, target_language=language,
                        source_language=source_language, user=user, origin="tmx_import"):
                    added += 1
    return added


def _language_code(tag: str) -> str:
    """TMX files write zh-CN, ja-JP, ko-KR...: map them to the platform's codes."""
    lowered = tag.replace("_", "-").lower()
    if lowered.startswith("zh"):
        return "zh-Hans" if ("hant" not in lowered and not lowered.endswith(("tw", "hk")))\
            else "zh-Hant"
    return lowered.split("-")[0]
