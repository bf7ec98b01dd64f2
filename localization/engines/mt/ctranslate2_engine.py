"""Machine translation with CTranslate2 and SentencePiece: a thin adapter.

The model directory is an operator's conversion (``ct2-transformers-converter`` or
``ct2-opus-mt-converter`` on a connected machine) of one of three families:

- NLLB-200: ``sentencepiece.bpe.model``; a source is ``[kor_Hang, pieces…, </s>]`` and
  the target language code is forced as the first target token.
- M2M100: the same with ``__ko__``/``__ja__`` tokens.
- OPUS-MT: ``source.spm`` and ``target.spm``; a multi-target model takes the target
  language as a ``>>jpn<<`` token at the start of the source.

The family is read from an optional ``platform.json`` in the directory
(``{"family": "nllb" | "m2m100" | "opus-mt", "name": "…"}``), else guessed from the
language tokens in the vocabulary, else from the OPUS-MT SentencePiece files.

The translator is loaded once per process (module-level cache) and the checksum of
``model.bin`` is computed once per file version (path, size, modification time).

Glossary renderings are NOT enforced by this engine. Placeholder tricks (swap the term
for a token, translate, swap the rendering back in) are not robust with these models:
NLLB and M2M100 drop, duplicate or transliterate unknown placeholders, and a Korean
noun carries its particle, so the sentence around a placeholder degrades. The QA step
flags cues where a glossary rendering is missing; a reviewer fixes them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from django.utils.translation import gettext as _

import localization.engines.mt.languages as languages
from localization.checksums import cached_file_sha256
from localization.engines.mt.base import (
    CTRANSLATE2,
    EngineIdentity,
    GlossaryHint,
    MachineTranslation,
    SourceCue,
    TranslationEngineError,
)

NLLB, M2M100, OPUS_MT = "nllb", "m2m100", "opus-mt"
FAMILIES = (NLLB, M2M100, OPUS_MT)
# Where each layout keeps its SentencePiece model(s): (source, target).
SENTENCEPIECE_FILES = (
    ("sentencepiece.bpe.model", "sentencepiece.bpe.model"),  # NLLB-200, M2M100
    ("source.spm", "target.spm"),  # OPUS-MT
    ("spm.model", "spm.model"),
)
VOCABULARY_FILES = ("shared_vocabulary.json", "shared_vocabulary.txt",
                    "target_vocabulary.json", "target_vocabulary.txt")
# A subtitle cue is a sentence or two; a cap stops a degenerate model from decoding
# for ever, and a length relative to the source keeps a batch from decoding to the cap.
MAX_DECODING_LENGTH = 256
SPECIAL_TOKENS = frozenset({"<s>", "</s>", "<pad>", "<unk>", "<blank>"})
LANGUAGE_TOKEN = re.compile(r"^(?:[a-z]{3}_[A-Z][a-z]{3}|__[a-z]{2,3}__|>>[^<>]+<<)$")


@dataclass(frozen=True)
class ModelLayout:
    family: str
    source_sentencepiece: Path
    target_sentencepiece: Path
    adds_source_eos: bool  # the model's config.json appends </s> itself
    vocabulary: frozenset[str]

    def source_affixes(self, source_language: str, target_language: str
                       ) -> tuple[list[str], list[str], list[str] | None]:
        """Tokens before and after the source pieces, and the target prefix."""
        eos = [] if self.adds_source_eos else ["</s>"]
        if self.family in (NLLB, M2M100):
            code = languages.nllb_code if self.family == NLLB else languages.m2m100_token
            source_token, target_token = code(source_language), code(target_language)
            for token, language in ((source_token, source_language),
                                    (target_token, target_language)):
                if token not in self.vocabulary:
                    raise TranslationEngineError(
                        _("The %(family)s model has no token %(token)s for the language "
                          "%(language)s.")
                        % {"family": self.family, "token": token, "language": language})
            return [source_token], eos, [target_token]
        # OPUS-MT: a pair model needs nothing; a multi-target one wants >>xxx<< first.
        languages.platform_code(source_language)
        for token in languages.opus_mt_tokens(target_language):
            if token in self.vocabulary:
                return [token], eos, None
        return [], eos, None


def _read_vocabulary(directory: Path) -> frozenset[str]:
    for name in VOCABULARY_FILES:
        path = directory / name
        if path.is_file():
            if name.endswith(".json"):
                return frozenset(json.loads(path.read_text(encoding="utf-8")))
            return frozenset(path.read_text(encoding="utf-8").splitlines())
    return frozenset()


def _platform_declaration(directory: Path) -> dict:
    path = directory / "platform.json"
    if not path.is_file():
        return {}
    try:
        declaration = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise TranslationEngineError(
            _("%(path)s is not valid JSON: %(error)s") % {"path": path, "error": error}
        ) from error
    if not isinstance(declaration, dict):
        raise TranslationEngineError(_("%(path)s must hold a JSON object.") % {"path": path})
    return declaration


def check_model_directory(directory: Path) -> None:
    """Raise a clear error unless ``directory`` looks like a converted model."""
    if not directory.is_dir():
        raise TranslationEngineError(
            _("The translation model directory %(path)s does not exist.") % {"path": directory})
    missing = [name for name in ("model.bin", "config.json") if not (directory / name).is_file()]
    if missing:
        raise TranslationEngineError(
            _("%(path)s is not a CTranslate2 model directory: %(missing)s missing. Convert "
              "the model with CTranslate2's converter and point MT_MODEL_PATH at its output.")
            % {"path": directory, "missing": ", ".join(missing)})
    if not any((directory / source).is_file() for source, _target in SENTENCEPIECE_FILES):
        raise TranslationEngineError(
            _("%(path)s has no SentencePiece model (sentencepiece.bpe.model, source.spm or "
              "spm.model); copy it in beside model.bin.") % {"path": directory})


def inspect_model_directory(directory: Path) -> ModelLayout:
    """The family, tokenizer files and source conventions of a converted model."""
    directory = Path(directory)
    check_model_directory(directory)
    declaration = _platform_declaration(directory)
    vocabulary = _read_vocabulary(directory)
    family = declaration.get("family")
    if family is None:
        if "kor_Hang" in vocabulary or "jpn_Jpan" in vocabulary:
            family = NLLB
        elif "__ko__" in vocabulary or "__ja__" in vocabulary:
            family = M2M100
        elif (directory / "source.spm").is_file():
            family = OPUS_MT
        else:
            raise TranslationEngineError(
                _("Cannot tell which model family %(path)s holds; add a platform.json with "
                  '{"family": "nllb"}, "m2m100" or "opus-mt".') % {"path": directory})
    if family not in FAMILIES:
        raise TranslationEngineError(
            _("Unknown model family %(family)r in %(path)s/platform.json; use one of %(known)s.")
            % {"family": family, "path": directory, "known": ", ".join(FAMILIES)})
    for source, target in SENTENCEPIECE_FILES:
        if (directory / source).is_file() and (directory / target).is_file():
            break
    else:
        raise TranslationEngineError(
            _("%(path)s has an incomplete SentencePiece pair (source.spm needs target.spm).")
            % {"path": directory})
    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    return ModelLayout(family=family, source_sentencepiece=directory / source,
                       target_sentencepiece=directory / target,
                       adds_source_eos=bool(config.get("add_source_eos", False)),
                       vocabulary=vocabulary)


def cuda_available() -> bool:
    import ctranslate2

    try:
        return ctranslate2.get_cuda_device_count() > 0
    except Exception:  # a CPU-only build may raise instead of answering 0
        return False


def resolve_device(device: str) -> tuple[str, str]:
    """(device, compute_type): int8 on CPU; on CUDA the type the model was saved in."""
    if device == "auto":
        device = "cuda" if cuda_available() else "cpu"
    if device not in ("cpu", "cuda"):
        raise TranslationEngineError(
            _("Unknown MT_DEVICE %(device)r; use auto, cpu or cuda.") % {"device": device})
    return device, ("int8" if device == "cpu" else "default")


@dataclass
class LoadedModel:
    translator: object  # ctranslate2.Translator
    layout: ModelLayout
    source_tokenizer: object  # sentencepiece.SentencePieceProcessor
    target_tokenizer: object

    def detokenize(self, tokens: Sequence[str]) -> str:
        tokenizer = self.target_tokenizer
        unknown_id = tokenizer.unk_id()
        pieces = [token for token in tokens
                  if token not in SPECIAL_TOKENS and not LANGUAGE_TOKEN.match(token)
                  and tokenizer.piece_to_id(token) != unknown_id]
        return tokenizer.decode_pieces(pieces).strip()


_models: dict[tuple[str, str, str], LoadedModel] = {}
_lock = threading.Lock()


def load_model(model_path: str | Path, *, device: str = "auto") -> LoadedModel:
    """The translator and tokenizers for ``model_path``, loaded on first use in this process."""
    import ctranslate2
    import sentencepiece

    directory = Path(model_path).resolve()
    device, compute_type = resolve_device(device)
    key = (str(directory), device, compute_type)
    with _lock:
        if key not in _models:
            layout = inspect_model_directory(directory)
            try:
                translator = ctranslate2.Translator(str(directory), device=device,
                                                    compute_type=compute_type)
                source_tokenizer = sentencepiece.SentencePieceProcessor(
                    model_file=str(layout.source_sentencepiece))
                target_tokenizer = sentencepiece.SentencePieceProcessor(
                    model_file=str(layout.target_sentencepiece))
            except (RuntimeError, ValueError, OSError) as error:
                raise TranslationEngineError(
                    _("Could not load the translation model in %(path)s: %(error)s")
                    % {"path": directory, "error": error}) from error
            _models[key] = LoadedModel(translator, layout, source_tokenizer, target_tokenizer)
        return _models[key]


def loaded_model_count() -> int:
    return len(_models)


def forget_loaded_models() -> None:
    """Drop the cached translators (tests; a worker never needs to)."""
    with _lock:
        _models.clear()


def model_file_sha256(model_path: str | Path) -> str:
    """SHA-256 of the directory's ``model.bin``: what the AI registry knows the model by.
    Computed once per file version in this process."""
    path = (Path(model_path) / "model.bin").resolve()
    try:
        return cached_file_sha256(path)
    except OSError as error:
        raise TranslationEngineError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}) from error


def _one_line(text: str) -> str:
    # Line breaks inside a cue are layout, not meaning; the tokenizers would turn them
    # into spaces anyway. The caller re-breaks the translation for the target language.
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


class CTranslate2Engine:
    """Translates with a local CTranslate2 model directory."""

    def __init__(self, model_path: str | Path, *, device: str = "auto", beam_size: int = 4,
                 batch_size: int = 16) -> None:
        self.model_path = Path(model_path)
        check_model_directory(self.model_path)
        self.device = device
        self.beam_size = max(1, beam_size)
        self.batch_size = max(1, batch_size)

    @property
    def model_name(self) -> str:
        declared = _platform_declaration(self.model_path).get("name")
        return str(declared) if declared else self.model_path.resolve().name

    @cached_property
    def identity(self) -> EngineIdentity:
        return EngineIdentity(engine=CTRANSLATE2, model_name=self.model_name,
                              model_sha256=model_file_sha256(self.model_path))

    def describe(self) -> str:
        return _("CTranslate2 model %(name)s at %(path)s") % {
            "name": self.model_name, "path": self.model_path}

    def translate(self, cues: Sequence[SourceCue], *, source_language: str,
                  target_language: str, glossary: Sequence[GlossaryHint] = ()
                  ) -> list[MachineTranslation | None]:
        # ``glossary`` is accepted for the common interface and not enforced; see the
        # module docstring.
        results: list[MachineTranslation | None] = [None] * len(cues)
        texts = [_one_line(cue.text) for cue in cues]
        pending = [position for position, text in enumerate(texts) if text]
        if not pending:
            return results
        model = load_model(self.model_path, device=self.device)
        before, after, target_prefix = model.layout.source_affixes(source_language,
                                                                   target_language)
        tokenized = {position: before + model.source_tokenizer.encode(texts[position],
                                                                      out_type=str) + after
                     for position in pending}
        # Similar lengths together: less padding, and a tighter decoding cap per batch.
        pending.sort(key=lambda position: len(tokenized[position]))
        for start in range(0, len(pending), self.batch_size):
            positions = pending[start:start + self.batch_size]
            batch = [tokenized[position] for position in positions]
            longest = max(len(tokens) for tokens in batch)
            try:
                outputs = model.translator.translate_batch(
                    batch, target_prefix=[target_prefix] * len(batch) if target_prefix else None,
                    beam_size=self.beam_size, max_batch_size=self.batch_size,
                    max_decoding_length=min(MAX_DECODING_LENGTH, 3 * longest + 16))
            except RuntimeError as error:
                raise TranslationEngineError(
                    _("The translation model in %(path)s failed: %(error)s")
                    % {"path": self.model_path, "error": error}) from error
            for position, output in zip(positions, outputs, strict=True):
                text = model.detokenize(output.hypotheses[0])
                if text:
                    results[position] = MachineTranslation(index=cues[position].index, text=text)
        return results

