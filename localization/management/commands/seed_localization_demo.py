"""Demo data for localization: the Korean demo clip uploaded for the first demo title.

Idempotent. The job is queued for the worker that `make run` starts.
"""

from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand

from coprod.catalog.models import Title
from localization.media.models import MediaAsset
from localization.transcription import services as transcription_services

DEMO_CLIP = Path(__file__).resolve().parents[2] / "demo_media" / "korean-demo.ogg"
DEMO_TITLE = "별빛 식당"


class Command(BaseCommand):
    help = "Upload the Korean demo clip for a demo title and queue its transcription."

    def handle(self, *args, **options):
        title = (Title.objects.filter(original_title=DEMO_TITLE).first()
                 or Title.objects.order_by("pk").first())
        if title is None:
            self.stdout.write("No titles yet; run seed_demo first.")
            return
        if MediaAsset.objects.filter(title=title, original_name=DEMO_CLIP.name).exists():
            self.stdout.write(f"Demo clip already uploaded for {title}.")
            return
        with DEMO_CLIP.open("rb") as handle:
            upload = UploadedFile(handle, name=DEMO_CLIP.name, size=DEMO_CLIP.stat().st_size)
            _asset, job = transcription_services.media_transcribe(title=title, uploaded_file=upload,
                                                episode_label="E01")
        self.stdout.write(f"Demo clip uploaded for {title}; transcription job {job.pk} queued.")
