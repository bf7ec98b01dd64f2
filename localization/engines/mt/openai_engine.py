"""Machine translation by an OpenAI-compatible chat-completions endpoint.

Any server that speaks ``POST /v1/chat/completions`` will do: vLLM, llama.cpp's
server, text-generation-inference and similar, on the operator's own machines.

Cues go in batches. Each request carries the batch, up to ``context_cues`` neighbouring
cues before and after it (marked as context, not to be translated), and the glossary
terms that occur in those texts with their required renderings. The model must answer
with JSON, ``{"translations": [{"index": n, "text": "…"}]}``; the answer is read
strictly and matched by index, so a missing, duplicated or malformed item leaves its
cue without a translation (None) and never moves a translation onto another cue.

Identity: the registry cannot checksum weights it cannot see, so a served model is
known by the SHA-256 of the UTF-8 string ``"openai-compatible:<model id>"``
(``remote_model_sha256``). Operators register that checksum in the AI model registry
for the model id the endpoint serves.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence

import httpx
from django.utils.translation import gettext as _

import localization.engines.mt.languages as languages
from localization.engines.mt.base import (
    OPENAI_COMPATIBLE,
    EngineIdentity,
    GlossaryHint,
    MachineTranslation,
    SourceCue,
    TranslationEngineError,
)

logger = logging.getLogger(__name__)

_FENCED = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL | re.IGNORECASE)
# Reasoning models (Qwen3, DeepSeek-R1 and the like) may think aloud before answering.
_THINKING = re.compile(r"^\s*<think>.*?</think>", re.DOTALL)


def remote_model_sha256(model_id: str) -> str:
    """The checksum the AI registry knows a served model by (see the module docstring)."""
    return hashlib.sha256(f"openai-compatible:{model_id}".encode()).hexdigest()


def chat_completions_url(base_url: str) -> str:
    """``http://host:8000``, ``…/v1`` and ``…/v1/chat/completions`` all name one endpoint."""
    base = base_url.strip().rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if base.endswith("/v1"):
        return f"{base}/chat/completions"
    return f"{base}/v1/chat/completions"


def system_prompt(*, source_language: str, target_language: str,
                  glossary: Sequence[GlossaryHint]) -> str:
    source = languages.english_name(source_language)
    target = languages.english_name(target_language)
    lines = [
        f"You translate {source} film subtitles into {target}.",
        'The user sends JSON. Translate every cue in "cues" on its own: exactly one '
        "translation per cue, with the same index; never merge, split or skip cues.",
        'The cues in "context_before" and "context_after" are neighbouring subtitles, given '
        "for context only: do not translate them and do not return them.",
        "Subtitles must be read quickly: keep lines short and natural, and use a line break "
        '("\\n") only where a cue needs two lines.',
    ]
    if glossary:
        lines.append(f"Use these glossary renderings exactly ({source} -> {target}):")
        lines += [f"- {hint.source_term} -> {hint.rendering}" for hint in glossary]
    lines.append('Answer with JSON only, in this form: {"translations": [{"index": <the cue\'s '
                 'index>, "text": "<the translation>"}]}')
    return "\n".join(lines)


def parse_translations(content: str, *, expected: set[int]) -> dict[int, str]:
    """The translations in a model's answer, by cue index; only well-formed items for
    expected indices, each index at most once. Anything else is left out."""
    text = _THINKING.sub("", content).strip()
    fenced = _FENCED.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        answer = json.loads(text)
    except ValueError:
        logger.warning("Translation answer is not JSON: %.200r", content)
        return {}
    items = answer.get("translations") if isinstance(answer, dict) else None
    if not isinstance(items, list):
        logger.warning("Translation answer has no list of translations: %.200r", content)
        return {}
    found: dict[int, str] = {}
    repeated: set[int] = set()
    for item in items:
        if not isinstance(item, dict):
            continue
        index, translation = item.get("index"), item.get("text")
        if (isinstance(index, bool) or not isinstance(index, int) or index not in expected
                or not isinstance(translation, str) or not translation.strip()):
            continue
        if index in found:
            repeated.add(index)  # two answers for one cue: trust neither
        found[index] = translation.strip()
    for index in repeated:
        del found[index]
    return found


class OpenAICompatibleEngine:
    """Translates with a model served behind an OpenAI-compatible chat endpoint."""

    def __init__(self, *, base_url: str, model: str, api_key: str = "", timeout: float = 120.0,
                 batch_size: int = 16, context_cues: int = 2) -> None:
        self.base_url = base_url
        self.url = chat_completions_url(base_url)
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.batch_size = max(1, batch_size)
        self.context_cues = max(0, context_cues)
        self.identity = EngineIdentity(engine=OPENAI_COMPATIBLE, model_name=model,
                                       model_sha256=remote_model_sha256(model))

    def describe(self) -> str:
        return _("OpenAI-compatible endpoint %(url)s, model %(model)s") % {
            "url": self.url, "model": self.model}

    def translate(self, cues: Sequence[SourceCue], *, source_language: str,
                  target_language: str, glossary: Sequence[GlossaryHint] = ()
                  ) -> list[MachineTranslation | None]:
        results: list[MachineTranslation | None] = [None] * len(cues)
        if not cues:
            return results
        indices = [cue.index for cue in cues]
        if len(set(indices)) != len(indices):
            raise TranslationEngineError(
                _("Cue indices must be unique to match translations to cues."))
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        with httpx.Client(timeout=self.timeout, headers=headers) as client:
            for start in range(0, len(cues), self.batch_size):
                end = min(start + self.batch_size, len(cues))
                batch = [cue for cue in cues[start:end] if cue.text.strip()]
                if not batch:
                    continue
                before = cues[max(0, start - self.context_cues):start]
                after = cues[end:end + self.context_cues]
                found = self._translate_batch(
                    client, batch, before=before, after=after, source_language=source_language,
                    target_language=target_language, glossary=glossary)
                for position in range(start, end):
                    text = found.get(cues[position].index)
                    if text is not None:
                        results[position] = MachineTranslation(index=cues[position].index,
                                                               text=text)
        return results

    def _translate_batch(self, client: httpx.Client, batch: Sequence[SourceCue], *,
                         before: Sequence[SourceCue], after: Sequence[SourceCue],
                         source_language: str, target_language: str,
                         glossary: Sequence[GlossaryHint]) -> dict[int, str]:
        seen = " ".join(cue.text for cue in (*before, *batch, *after))
        # Only the terms that occur: a long glossary would crowd out the subtitles.
        relevant = [hint for hint in glossary if hint.source_term and hint.source_term in seen]

        def listed(group: Sequence[SourceCue]) -> list[dict]:
            return [{"index": cue.index, "text": cue.text} for cue in group]

        payload = {"context_before": listed(before), "cues": listed(batch),
                   "context_after": listed(after)}
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system",
                 "content": system_prompt(source_language=source_language,
                                          target_language=target_language, glossary=relevant)},
                {"role": "user", "content": json.dumps(payload, ensure_ascii=False)},
            ],
        }
        content = self._post(client, body)
        return parse_translations(content, expected={cue.index for cue in batch})

    def _post(self, client: httpx.Client, body: dict) -> str:
        try:
            response = client.post(self.url, json=body)
            response.raise_for_status()
        except httpx.TimeoutException as error:
            raise TranslationEngineError(
                _("The translation endpoint %(url)s did not answer within %(seconds)s seconds.")
                % {"url": self.url, "seconds": self.timeout}) from error
        except httpx.HTTPStatusError as error:
            raise TranslationEngineError(
                _("The translation endpoint %(url)s answered HTTP %(status)s: %(detail)s")
                % {"url": self.url, "status": error.response.status_code,
                   "detail": error.response.text[:200]}) from error
        except httpx.HTTPError as error:
            raise TranslationEngineError(
                _("Could not reach the translation endpoint %(url)s: %(error)s")
                % {"url": self.url, "error": error}) from error
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise TranslationEngineError(
                _("The translation endpoint %(url)s did not answer with a chat completion.")
                % {"url": self.url}) from error
        if not isinstance(content, str):
            raise TranslationEngineError(
                _("The translation endpoint %(url)s did not answer with a chat completion.")
                % {"url": self.url})
        return content
