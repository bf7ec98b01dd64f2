"""The engine interface: the offline default, choosing an engine from the settings, the
description for people, and the AI licensing gate."""

import pytest

from coprod.registry.gate import ModelNotApproved
from localization.engines.mt import (
    EngineIdentity,
    GlossaryHint,
    SourceCue,
    TranslationEngine,
    TranslationEngineError,
    describe_engine,
    engine_from_settings,
)
from localization.engines.mt.ctranslate2_engine import CTranslate2Engine
from localization.engines.mt.memory_engine import MemoryOnlyEngine
from localization.engines.mt.openai_engine import OpenAICompatibleEngine, remote_model_sha256
from localization.translation.services import engine_clearance
from tests.factories import TitleFactory
from tests.localization.mt_fixtures import build_tiny_model

MT_SETTINGS = ("MT_ENGINE", "MT_MODEL_PATH", "MT_DEVICE", "MT_BEAM_SIZE", "MT_BATCH_SIZE",
               "MT_OPENAI_BASE_URL", "MT_OPENAI_MODEL", "MT_OPENAI_API_KEY",
               "MT_OPENAI_TIMEOUT", "MT_CONTEXT_CUES")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("mt") / "tiny-nllb")


@pytest.fixture
def bare_settings(settings):
    """Settings without any MT_* value, as before the integrator adds them."""
    for name in MT_SETTINGS:
        if hasattr(settings, name):
            delattr(settings, name)
    return settings


def test_memory_only_translates_nothing_and_uses_no_model():
    engine = MemoryOnlyEngine()
    cues = [SourceCue(1, "안녕하세요"), SourceCue(2, "경찰")]

    assert engine.translate(cues, source_language="ko", target_language="ja",
                            glossary=[GlossaryHint("경찰", "警察")]) == [None, None]
    assert engine.translate([], source_language="ko", target_language="ja") == []
    assert engine.identity == EngineIdentity("memory_only", "", "")
    assert isinstance(engine, TranslationEngine)


def test_memory_only_is_the_default(bare_settings):
    engine = engine_from_settings()

    assert isinstance(engine, MemoryOnlyEngine)
    assert describe_engine(engine) == "Translation memory and glossary only (offline default)"


def test_ctranslate2_from_settings(bare_settings, tiny_model):
    bare_settings.MT_ENGINE = "ctranslate2"
    bare_settings.MT_MODEL_PATH = str(tiny_model)
    bare_settings.MT_DEVICE = "cpu"
    bare_settings.MT_BEAM_SIZE = 1
    bare_settings.MT_BATCH_SIZE = 3

    engine = engine_from_settings()

    assert isinstance(engine, CTranslate2Engine)
    assert isinstance(engine, TranslationEngine)
    assert (engine.model_path, engine.device, engine.beam_size, engine.batch_size) == (
        tiny_model, "cpu", 1, 3)
    assert describe_engine(engine) == f"CTranslate2 model tiny-nllb at {tiny_model}"
    results = engine.translate([SourceCue(4, "경찰")], source_language="ko",
                               target_language="ja")
    assert results[0].index == 4


def test_ctranslate2_without_a_model_path_is_a_clear_error(bare_settings):
    bare_settings.MT_ENGINE = "ctranslate2"

    with pytest.raises(TranslationEngineError, match="MT_MODEL_PATH"):
        engine_from_settings()


def test_openai_compatible_from_settings(bare_settings):
    bare_settings.MT_ENGINE = "openai_compatible"
    bare_settings.MT_OPENAI_BASE_URL = "http://gpu-box:8000/v1"
    bare_settings.MT_OPENAI_MODEL = "qwen2.5-14b-instruct"
    bare_settings.MT_OPENAI_API_KEY = "k"
    bare_settings.MT_OPENAI_TIMEOUT = 30
    bare_settings.MT_CONTEXT_CUES = 3

    engine = engine_from_settings()

    assert isinstance(engine, OpenAICompatibleEngine)
    assert (engine.url, engine.model, engine.api_key, engine.timeout, engine.context_cues) == (
        "http://gpu-box:8000/v1/chat/completions", "qwen2.5-14b-instruct", "k", 30.0, 3)
    assert describe_engine(engine) == ("OpenAI-compatible endpoint http://gpu-box:8000/v1/chat/"
                                       "completions, model qwen2.5-14b-instruct")


def test_openai_compatible_needs_an_endpoint_and_a_model(bare_settings):
    bare_settings.MT_ENGINE = "openai_compatible"
    bare_settings.MT_OPENAI_BASE_URL = "http://gpu-box:8000"

    with pytest.raises(TranslationEngineError, match="MT_OPENAI_MODEL"):
        engine_from_settings()


def test_unknown_engine_is_a_clear_error(bare_settings):
    bare_settings.MT_ENGINE = "deepl"

    with pytest.raises(TranslationEngineError, match="Unknown translation engine 'deepl'"):
        engine_from_settings()


def register_and_approve(sha256: str, *, name: str, kind: str, title) -> None:
    from coprod.agreements import services as agreement_services
    from coprod.registry.models import AIModel
    from tests.coprod.agreement_helpers import execute, fifty_fifty

    model = AIModel.objects.create(name=name, version="1", kind=kind, licence="CC-BY-NC-4.0",
                                   source="operator", sha256=sha256)
    agreement, sfr, utopai = fifty_fifty(titles=[title])
    agreement_services.agreement_update(actor=None, agreement=agreement, data={},
                                        approved_models=[model])
    execute(agreement, sfr, utopai)


@pytest.mark.django_db
def test_clearance_asks_the_registry_for_the_model_checksum(tiny_model):
    engine = CTranslate2Engine(tiny_model, device="cpu")
    title, other_title = TitleFactory(), TitleFactory()
    register_and_approve(engine.identity.model_sha256, name="tiny-nllb", kind="mt", title=title)

    clearance = engine_clearance(engine, title=title)

    assert clearance.model.sha256 == engine.identity.model_sha256
    with pytest.raises(ModelNotApproved):
        engine_clearance(engine, title=other_title)


@pytest.mark.django_db
def test_clearance_of_a_served_model_uses_its_id_checksum():
    engine = OpenAICompatibleEngine(base_url="http://gpu-box:8000", model="qwen2.5-14b")
    title = TitleFactory()

    with pytest.raises(ModelNotApproved, match="not in the AI model registry"):
        engine_clearance(engine, title=title)

    register_and_approve(remote_model_sha256("qwen2.5-14b"), name="qwen2.5-14b", kind="llm",
                         title=title)
    assert engine_clearance(engine, title=title).model.name == "qwen2.5-14b"


def test_memory_only_needs_no_clearance():
    # No database: the gate is not even asked.
    assert engine_clearance(MemoryOnlyEngine(), title=None) is None
