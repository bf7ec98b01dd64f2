"""A tiny CTranslate2 translation model built on the spot, for tests and the benchmark.

No registry package ships Korean translation weights (see shared/offline-models.md), so
the tests make a model of their own: a SentencePiece model trained on a few sentences and
a two-layer Transformer with small random weights, saved in the layout of a converted
NLLB-200 model (``model.bin``, ``config.json``, ``shared_vocabulary``,
``sentencepiece.bpe.model``). It translates into nonsense, as random weights must, but
the engine's real loading, tokenizing, decoding and detokenizing code runs on it.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

SENTENCES = [
    "안녕하세요, 만나서 반갑습니다.",
    "오늘 밤에 서울로 떠나야 해요.",
    "그 사람은 아무것도 몰라요.",
    "빨리 와! 시간이 없어.",
    "우리 엄마가 김치찌개를 만들었어요.",
    "경찰이 곧 도착할 거예요.",
    "こんにちは、お会いできて嬉しいです。",
    "今夜ソウルへ発たなければなりません。",
    "早く来て!時間がない。",
    "警察がすぐに到着します。",
]
# The platform's languages as each family's vocabulary spells them.
LANGUAGE_TOKENS = {
    "nllb": ["kor_Hang", "jpn_Jpan", "zho_Hans", "tha_Thai"],
    "m2m100": ["__ko__", "__ja__", "__zh__", "__th__"],
    "opus-mt": [">>jpn<<", ">>cmn_Hans<<", ">>tha<<"],  # a multi-target OPUS-MT model
}
SPECIAL_TOKENS = ["<blank>", "<s>", "</s>", "<unk>"]
MODEL_WIDTH = 16
FEED_FORWARD_WIDTH = 32


def train_sentencepiece(vocab_size: int = 120) -> bytes:
    """A SentencePiece model (serialized) trained on ``SENTENCES``.

    Korean and Japanese need about 100 pieces for their characters alone; the vocabulary
    is only a limit (hard_vocab_limit=False), the trainer keeps what it finds."""
    import sentencepiece

    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(SENTENCES), model_writer=model, vocab_size=vocab_size,
        character_coverage=1.0, model_type="unigram", minloglevel=2,
        # The model's own <unk>, <s>, </s> take the usual ids; no padding piece.
        pad_id=-1, hard_vocab_limit=False)
    return model.getvalue()


def vocabulary(sentencepiece_model: bytes, family: str = "nllb") -> list[str]:
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(model_proto=sentencepiece_model)
    pieces = [processor.id_to_piece(index) for index in range(processor.get_piece_size())]
    tokens = list(SPECIAL_TOKENS)
    tokens += [piece for piece in pieces if piece not in tokens]
    return tokens + LANGUAGE_TOKENS[family]


def _random_weights(spec, vocabulary_size: int, random: np.random.Generator) -> None:
    """Give every required weight of ``spec`` (those still None) a small random array of
    the shape CTranslate2 expects; optional ones ("__optional") stay unset."""
    from ctranslate2.specs import model_spec

    width, feed_forward = MODEL_WIDTH, FEED_FORWARD_WIDTH

    def shape_of(name: str) -> tuple[int, ...]:
        parts = name.split("/")
        leaf, owner = parts[-1], parts[-2]
        if leaf in ("gamma", "beta"):
            return (width,)
        if owner.startswith("embeddings") or owner == "projection":
            return (vocabulary_size, width)
        layer_part = parts[-3] if len(parts) >= 3 else ""
        if layer_part == "ffn":
            return (feed_forward, width) if owner == "linear_0" else (width, feed_forward)
        if layer_part == "self_attention":  # fused queries, keys, values; then output
            return (3 * width, width) if owner == "linear_0" else (width, width)
        if layer_part == "attention":  # encoder-decoder: queries; fused keys, values; output
            return {"linear_0": (width, width), "linear_1": (2 * width, width),
                    "linear_2": (width, width)}[owner]
        raise ValueError(f"no shape known for {name}")

    def fill(layer, name: str, value) -> None:
        if value is not None:
            return
        shape = shape_of(name)
        if name.endswith("gamma"):
            array = np.ones(shape, dtype=np.float32)
        elif name.endswith("beta"):
            array = np.zeros(shape, dtype=np.float32)
        else:
            array = random.normal(0, 0.3, size=shape).astype(np.float32)
        setattr(layer, name.split("/")[-1], array)

    model_spec.visit_spec(spec, fill)


def build_tiny_model(directory: Path, *, family: str = "nllb", seed: int = 0,
                     declare_family: bool = False) -> Path:
    """Write a tiny CTranslate2 model into ``directory`` and return it.

    ``family`` picks the layout: "nllb" (NLLB language codes, ``sentencepiece.bpe.model``),
    "m2m100" (``__ko__`` tokens) or "opus-mt" (``source.spm`` and ``target.spm``,
    ``>>jpn<<`` target tokens). ``declare_family`` also writes the ``platform.json`` an
    operator may add to declare the family.
    """
    from ctranslate2 import specs

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    sentencepiece_model = train_sentencepiece()
    tokens = vocabulary(sentencepiece_model, family)
    spec = specs.TransformerSpec.from_config(2, 2)
    _random_weights(spec, len(tokens), np.random.default_rng(seed))
    spec.register_source_vocabulary(tokens)
    spec.register_target_vocabulary(tokens)
    # As CTranslate2's converters write these families: the decoder starts from </s>;
    # OPUS-MT (Marian) configs append </s> to the source themselves.
    spec.config.decoder_start_token = "</s>"
    spec.config.add_source_eos = family == "opus-mt"
    spec.validate()
    spec.save(str(directory))
    if family == "opus-mt":
        (directory / "source.spm").write_bytes(sentencepiece_model)
        (directory / "target.spm").write_bytes(sentencepiece_model)
    else:
        (directory / "sentencepiece.bpe.model").write_bytes(sentencepiece_model)
    if declare_family:
        (directory / "platform.json").write_text(json.dumps({"family": family}))
    return directory
