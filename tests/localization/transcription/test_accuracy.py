"""The character error rate that the recognition tests and bench/asr.py share."""

import ast

import pytest

from localization.transcription.accuracy import character_error_rate, normalized
from tests.localization.conftest import DEMO_CLIP, JAPANESE_CLIP, ROOT


def test_normalization_drops_punctuation_spaces_and_width():
    assert normalized("今日は、とても 良い天気です。\n") == "今日はとても良い天気です"
    assert normalized("ＡＢＣ１２３！") == "abc123"
    assert normalized("안녕하세요. 별빛 식당에 오신 것을!") == "안녕하세요별빛식당에오신것을"
    assert normalized("♪ «Hello», world… ") == "helloworld"
    # The long-vowel mark and the iteration mark are letters, not punctuation.
    assert normalized("コーヒー、時々") == "コーヒー時々"


def test_identical_texts_score_zero_whatever_their_punctuation():
    assert character_error_rate("駅はここから近いです。", "駅は ここから 近いです") == 0


def test_each_edit_costs_one_reference_character():
    reference = "今日はとても良い天気です"  # 12 characters
    assert character_error_rate(reference, "今日はとてもよい天気です") == pytest.approx(1 / 12)
    assert character_error_rate(reference, "今日はとても良い天気") == pytest.approx(2 / 12)
    assert character_error_rate(reference, "今日はとても良い良い天気です") == pytest.approx(2 / 12)


def test_a_dropped_sentence_shows():
    reference = "今日はとても良い天気です。私は毎朝コーヒーを飲みます。"
    assert character_error_rate(reference, "今日はとても良い天気です。") == pytest.approx(13 / 25)
    assert character_error_rate(reference, "") == 1


def test_extra_text_can_push_the_rate_above_one():
    assert character_error_rate("駅", "駅はここから近いです") == 9


def test_an_empty_reference_is_refused():
    with pytest.raises(ValueError, match="empty"):
        character_error_rate("。 ", "駅")


def _synthesized_sentences(script: str) -> list[str]:
    """SENTENCES as written in an infra/demo-media script (not importable: it needs the
    synthesizer)."""
    tree = ast.parse((ROOT / "infra" / "demo-media" / script).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SENTENCES":
            return ast.literal_eval(node.value)
    raise AssertionError(f"no SENTENCES in {script}")


@pytest.mark.parametrize(("clip", "script"), [(JAPANESE_CLIP, "make_japanese_clip.py"),
                                              (DEMO_CLIP, "make_korean_demo.py")])
def test_each_clip_has_the_script_it_was_synthesized_from_beside_it(clip, script):
    reference = clip.with_suffix(".txt").read_text(encoding="utf-8")
    assert reference.splitlines() == _synthesized_sentences(script)
