"""Run a transcription job from the command line, with a progress bar.

    manage.py transcribe FILE --title ID [--episode S01E01]   # upload, then run here
    manage.py transcribe --job ID                             # run (or re-run) a job here
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from coprod.catalog.models import Title
from localization.subtitles import selectors as subtitles_selectors
from localization.transcription import services as transcription_services
from localization.transcription.models import LocalizationJob


class Command(BaseCommand):
    help = "Transcribe a media file (or run an existing job) in this process, with progress."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="video or audio file to upload")
        parser.add_argument("--title", type=int, help="id of the title the file belongs to")
        parser.add_argument("--episode", default="", help="episode label, for a series")
        parser.add_argument("--language", default="ko")
        parser.add_argument("--job", type=int, help="run this existing job instead")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if options["job"]:
            job = LocalizationJob.objects.filter(pk=options["job"]).first()
            if job is None:
                raise CommandError(f"There is no job {options['job']}.")
            if job.can_retry:
                job = transcription_services.job_retry(job=job)
        else:
            job = self._upload(options)
        bar = tqdm(total=100, unit="%", disable=options["no_progress"],
                   bar_format="{desc:<18} {percentage:3.0f}%|{bar}| {elapsed}")

        def progress(state: str, percent: int) -> None:
            bar.set_description_str(str(LocalizationJob.State(state).label))
            bar.update(percent - bar.n)

        job = transcription_services.job_run(job_id=job.pk, worker="manage.py",
                                             on_progress=progress)
        if job.state == LocalizationJob.State.DONE:
            bar.update(100 - bar.n)
        bar.close()
        if job.state != LocalizationJob.State.DONE:
            raise CommandError(f"Job {job.pk} is {job.state}: {job.error}")
        track = job.track
        self.stdout.write(f"Job {job.pk} done: track {track.pk} ({track.language} "
                          f"v{track.version}, {track.cues.count()} cues) "
                          f"by {track.asr_model_name} sha256:{track.asr_model_sha256[:12]}")
        for cue in subtitles_selectors.track_cues(track=track)[:5]:
            self.stdout.write(f"  {cue.start_ms / 1000:7.2f} {cue.end_ms / 1000:7.2f}  "
                              + cue.text.replace("\n", " / "))

    def _upload(self, options) -> LocalizationJob:
        if not options["file"] or not options["title"]:
            raise CommandError("Give a FILE and --title ID, or --job ID.")
        title = Title.objects.filter(pk=options["title"]).first()
        if title is None:
            raise CommandError(f"There is no title {options['title']}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        with path.open("rb") as handle:
            upload = UploadedFile(handle, name=path.name, size=path.stat().st_size)
            try:
                _asset, job = transcription_services.media_transcribe(
                    title=title, uploaded_file=upload, episode_label=options["episode"],
                    language=options["language"], enqueue=False)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        return job
