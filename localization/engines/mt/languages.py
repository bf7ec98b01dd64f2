"""The platform's language codes and what each model family calls them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from localization.engines.mt.base import TranslationEngineError

# Platform code -> (English name for prompts, NLLB-200 code, M2M100 token,
# OPUS-MT target tokens to try, most specific first).
LANGUAGES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "ko": ("Korean", "kor_Hang", "__ko__", (">>kor<<", ">>ko<<")),
    "ja": ("Japanese", "jpn_Jpan", "__ja__", (">>jpn<<", ">>ja<<")),
    "zh-Hans": ("Simplified Chinese", "zho_Hans", "__zh__",
                (">>cmn_Hans<<", ">>zho_Hans<<", ">>cmn<<", ">>zho<<", ">>zh<<")),
    "th": ("Thai", "tha_Thai", "__th__", (">>tha<<", ">>th<<")),
}
_BY_LOWER = {code.lower(): code for code in LANGUAGES}


def platform_code(code: str) -> str:
    """``code`` as the platform spells it (``zh_hans`` -> ``zh-Hans``), or an error."""
    found = _BY_LOWER.get(code.strip().replace("_", "-").lower())
    if found is None:
        raise TranslationEngineError(
            _("The translation engines do not know the language %(code)r; they know %(known)s.")
            % {"code": code, "known": ", ".join(LANGUAGES)})
    return found


def english_name(code: str) -> str:
    return LANGUAGES[platform_code(code)][0]


def nllb_code(code: str) -> str:
    return LANGUAGES[platform_code(code)][1]


def m2m100_token(code: str) -> str:
    return LANGUAGES[platform_code(code)][2]


def opus_mt_tokens(code: str) -> tuple[str, ...]:
    return LANGUAGES[platform_code(code)][3]
