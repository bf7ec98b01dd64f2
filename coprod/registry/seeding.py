"""The registry entries the platform ships (its Whisper model, voice activity detection,
the Kokoro and eSpeak NG voices, eSpeak's consent), written by data migrations and
written again after every migrate or flush, so that an emptied database (a test's, a
reset one) still lists what the platform runs. Existing entries are left as they are
(their approvals, notes)."""

from __future__ import annotations

import importlib

from django.apps import apps as django_apps

SEED_MIGRATIONS = ("coprod.migrations.0006_seed_ai_registry",
                   "coprod.migrations.0007_seed_voices",
                   "coprod.migrations.0018_consents_with_scope",
                   "coprod.migrations.0019_seed_diarization_models")


def seed_shipped_entries(sender, **kwargs) -> None:
    for module in SEED_MIGRATIONS:
        importlib.import_module(module).seed(django_apps, None)
