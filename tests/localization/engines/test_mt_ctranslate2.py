"""The CTranslate2 + SentencePiece engine on tiny models built by the tests themselves:
the real loading, tokenizing, decoding and detokenizing code runs (the output is
nonsense, as random weights must give)."""

import hashlib
import json
import shutil

import ctranslate2
import pytest

from localization import checksums
from localization.engines.mt import (
    EngineIdentity,
    GlossaryHint,
    MachineTranslation,
    SourceCue,
    TranslationEngineError,
)
from localization.engines.mt import ctranslate2_engine as engine_module
from localization.engines.mt.ctranslate2_engine import CTranslate2Engine, inspect_model_directory
from tests.localization.mt_fixtures import LANGUAGE_TOKENS, build_tiny_model

CUES = [
    SourceCue(1, "안녕하세요,\n만나서 반갑습니다."),
    SourceCue(2, "경찰"),
    SourceCue(5, "빨리 와! 시간이 없어. 오늘 밤에 서울로 떠나야 해요."),
]


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("mt-models")
    return {family: build_tiny_model(root / f"tiny-{family}", family=family)
            for family in ("nllb", "m2m100", "opus-mt")}


@pytest.fixture
def tiny_nllb(tiny_models):
    return tiny_models["nllb"]


@pytest.fixture(autouse=True)
def fresh_cache():
    engine_module.forget_loaded_models()
    yield
    engine_module.forget_loaded_models()


@pytest.mark.parametrize("family", ["nllb", "m2m100", "opus-mt"])
def test_translates_a_batch_one_result_per_cue_in_order(tiny_models, family):
    engine = CTranslate2Engine(tiny_models[family], device="cpu", beam_size=2)

    results = engine.translate(CUES, source_language="ko", target_language="ja")

    assert [type(result) for result in results] == [MachineTranslation] * 3
    assert [result.index for result in results] == [1, 2, 5]
    assert all(result.text.strip() for result in results)
    # Special and language tokens are stripped, unknown pieces never decoded.
    special = {"<s>", "</s>", "<unk>", "⁇", *LANGUAGE_TOKENS[family]}
    assert not any(token in result.text for result in results for token in special)
    # The engine sorts by length to batch; each result still lands on its own cue.
    reversed_results = engine.translate(CUES[::-1], source_language="ko",
                                        target_language="ja")
    assert reversed_results[::-1] == results
    assert len({result.text for result in results}) == 3


@pytest.mark.parametrize("family", ["nllb", "m2m100", "opus-mt"])
def test_target_language_token_steers_decoding(tiny_models, family):
    engine = CTranslate2Engine(tiny_models[family], device="cpu", beam_size=1)

    japanese = engine.translate(CUES, source_language="ko", target_language="ja")
    thai = engine.translate(CUES, source_language="ko", target_language="th")

    assert [result.text for result in japanese] != [result.text for result in thai]


def test_small_batches_give_one_result_per_cue(tiny_nllb):
    engine = CTranslate2Engine(tiny_nllb, device="cpu", beam_size=1, batch_size=2)
    cues = [SourceCue(index, f"오늘 밤에 서울로 {'떠나야 ' * (index % 4)}해요.")
            for index in range(7)]

    results = engine.translate(cues, source_language="ko", target_language="zh-Hans")

    assert [result.index for result in results] == list(range(7))


def test_empty_input_and_blank_cues_load_nothing(tiny_nllb):
    engine = CTranslate2Engine(tiny_nllb, device="cpu")

    assert engine.translate([], source_language="ko", target_language="ja") == []
    assert engine.translate([SourceCue(1, ""), SourceCue(2, " \n ")], source_language="ko",
                            target_language="ja") == [None, None]
    assert engine_module.loaded_model_count() == 0

    mixed = engine.translate([SourceCue(1, ""), SourceCue(2, "경찰")], source_language="ko",
                             target_language="ja")
    assert mixed[0] is None and mixed[1].index == 2


def test_translator_is_loaded_once_per_process(tiny_nllb, monkeypatch):
    loads = []
    real_translator = ctranslate2.Translator

    def counting_translator(*args, **kwargs):
        loads.append(args)
        return real_translator(*args, **kwargs)

    monkeypatch.setattr(ctranslate2, "Translator", counting_translator)
    for _attempt in range(2):
        engine = CTranslate2Engine(tiny_nllb, device="cpu")
        engine.translate(CUES, source_language="ko", target_language="ja")

    assert len(loads) == 1
    assert engine_module.loaded_model_count() == 1


def test_identity_is_the_checksum_of_model_bin(tiny_nllb):
    engine = CTranslate2Engine(tiny_nllb, device="cpu")

    expected = hashlib.sha256((tiny_nllb / "model.bin").read_bytes()).hexdigest()
    assert engine.identity == EngineIdentity("ctranslate2", "tiny-nllb", expected)


def test_checksum_is_computed_once_per_file_version(tiny_nllb, tmp_path, monkeypatch):
    model = shutil.copytree(tiny_nllb, tmp_path / "copy")
    digests = []
    real_sha256 = hashlib.sha256

    def counting_sha256(*args):
        digests.append(args)
        return real_sha256(*args)

    monkeypatch.setattr(checksums.hashlib, "sha256", counting_sha256)
    first = engine_module.model_file_sha256(model)
    assert engine_module.model_file_sha256(model) == first
    assert len(digests) == 1

    # A new model.bin in the same place (another size and time) is checksummed again.
    with (model / "model.bin").open("ab") as model_file:
        model_file.write(b"\0")
    assert engine_module.model_file_sha256(model) != first
    assert len(digests) == 2


def test_platform_json_names_the_model_and_declares_the_family(tiny_nllb, tmp_path):
    model = shutil.copytree(tiny_nllb, tmp_path / "operator-dir")
    (model / "platform.json").write_text(
        json.dumps({"family": "nllb", "name": "nllb-200-distilled-600M-ct2"}))

    engine = CTranslate2Engine(model, device="cpu")

    assert engine.identity.model_name == "nllb-200-distilled-600M-ct2"
    assert "nllb-200-distilled-600M-ct2" in engine.describe()
    assert str(model) in engine.describe()


@pytest.mark.parametrize("family", ["nllb", "m2m100", "opus-mt"])
def test_family_is_detected_from_the_files(tiny_models, family):
    layout = inspect_model_directory(tiny_models[family])

    assert layout.family == family
    before, after, target_prefix = layout.source_affixes("ko", "th")
    expected = {"nllb": (["kor_Hang"], ["</s>"], ["tha_Thai"]),
                "m2m100": (["__ko__"], ["</s>"], ["__th__"]),
                # The OPUS-MT config appends </s> itself; the target token leads the source.
                "opus-mt": ([">>tha<<"], [], None)}[family]
    assert (before, after, target_prefix) == expected


def test_a_declared_family_that_lacks_the_language_tokens_is_refused(tiny_nllb, tmp_path):
    model = shutil.copytree(tiny_nllb, tmp_path / "mislabelled")
    (model / "platform.json").write_text(json.dumps({"family": "m2m100"}))
    engine = CTranslate2Engine(model, device="cpu")

    with pytest.raises(TranslationEngineError, match="no token __ko__"):
        engine.translate(CUES, source_language="ko", target_language="ja")


def test_an_unknown_family_is_refused(tiny_nllb, tmp_path):
    model = shutil.copytree(tiny_nllb, tmp_path / "unknown")
    (model / "platform.json").write_text(json.dumps({"family": "marian-xl"}))

    with pytest.raises(TranslationEngineError, match="Unknown model family 'marian-xl'"):
        inspect_model_directory(model)


def test_a_directory_that_is_not_a_model_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("not a model")

    with pytest.raises(TranslationEngineError, match="not a CTranslate2 model directory"):
        CTranslate2Engine(tmp_path)
    with pytest.raises(TranslationEngineError, match="does not exist"):
        CTranslate2Engine(tmp_path / "missing")


def test_a_model_without_sentencepiece_is_refused(tiny_nllb, tmp_path):
    model = shutil.copytree(tiny_nllb, tmp_path / "no-spm")
    (model / "sentencepiece.bpe.model").unlink()

    with pytest.raises(TranslationEngineError, match="no SentencePiece model"):
        CTranslate2Engine(model)


def test_a_corrupt_model_file_is_a_clear_error(tiny_nllb, tmp_path):
    model = shutil.copytree(tiny_nllb, tmp_path / "corrupt")
    (model / "model.bin").write_bytes(b"this is not a model")
    engine = CTranslate2Engine(model, device="cpu")

    with pytest.raises(TranslationEngineError, match="Could not load the translation model"):
        engine.translate(CUES, source_language="ko", target_language="ja")


def test_unknown_language_and_device_are_clear_errors(tiny_nllb):
    with pytest.raises(TranslationEngineError, match="do not know the language 'fr'"):
        CTranslate2Engine(tiny_nllb, device="cpu").translate(
            CUES, source_language="ko", target_language="fr")
    with pytest.raises(TranslationEngineError, match="Unknown MT_DEVICE 'tpu'"):
        CTranslate2Engine(tiny_nllb, device="tpu").translate(
            CUES, source_language="ko", target_language="ja")


def test_glossary_is_accepted_but_not_forced(tiny_nllb):
    """Documented: this engine cannot force renderings; QA flags missing ones."""
    engine = CTranslate2Engine(tiny_nllb, device="cpu", beam_size=1)
    glossary = [GlossaryHint("경찰", "警察")]

    with_glossary = engine.translate(CUES, source_language="ko", target_language="ja",
                                     glossary=glossary)

    assert with_glossary == engine.translate(CUES, source_language="ko",
                                             target_language="ja")


def test_detokenizing_drops_special_language_and_unknown_tokens(tiny_nllb):
    model = engine_module.load_model(tiny_nllb, device="cpu")
    pieces = model.target_tokenizer.encode("경찰이 곧", out_type=str)

    tokens = ["jpn_Jpan", pieces[0], "madeupword0", *pieces[1:], "<unk>", "</s>"]

    # M2M100 vocabularies end with "madeupword" fillers the SentencePiece model lacks.
    assert model.detokenize(tokens) == "경찰이 곧"
