"""What the API says about the pipeline's objects (media, jobs, translations, dubs,
packages) and what it accepts. Shapes only: the rules are the services'."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from coprod.api.serializers import last_day
from localization.delivery.models import DeliveryPackage
from localization.dubbing.models import DubTrack
from localization.media.models import MediaAsset
from localization.runs.models import TrackRun
from localization.runs.selectors import run_budget_hold
from localization.transcription.models import LocalizationJob, TranscriptionChunk

RUN_FIELDS = ("state", "progress", "error", "attempts", "created_at", "started_at",
              "finished_at", "budget_hold")


class BudgetHoldSerializer(serializers.Serializer):
    """Why a queued run waits: its estimated cost would take the title past an AI compute
    budget, and a rights manager has not yet released it."""

    estimate = serializers.DecimalField(max_digits=24, decimal_places=8)
    spent = serializers.DecimalField(max_digits=24, decimal_places=8)
    budget = serializers.DecimalField(max_digits=24, decimal_places=8)
    currency = serializers.CharField()
    agreement = serializers.CharField(source="agreement.reference")


class HeldRunMixin(serializers.Serializer):
    budget_hold = serializers.SerializerMethodField()

    @extend_schema_field(BudgetHoldSerializer(allow_null=True))
    def get_budget_hold(self, run) -> dict | None:
        hold = run_budget_hold(run)
        return BudgetHoldSerializer(hold).data if hold is not None else None


def api_url(context: dict, name: str, pk) -> str | None:
    """The absolute address of an object of the API, or None without a request."""
    request = context.get("request")
    if request is None or pk is None:
        return None
    return reverse(f"api:v1:{name}", args=[pk], request=request)


class MediaSerializer(serializers.ModelSerializer):
    title = serializers.PrimaryKeyRelatedField(read_only=True)
    jobs = serializers.SerializerMethodField()

    class Meta:
        model = MediaAsset
        fields = ("id", "title", "episode_label", "original_name", "size_bytes", "sha256",
                  "duration_ms", "container_format", "audio_codec", "video_codec",
                  "created_at", "jobs")
        read_only_fields = fields

    def get_jobs(self, media) -> list[int]:
        return [job.pk for job in media.jobs.all()]


class ChunkSerializer(serializers.ModelSerializer):
    """One stretch of a long job, recognized by a task of its own."""

    class Meta:
        model = TranscriptionChunk
        fields = ("index", "start_ms", "end_ms", "state", "progress", "attempts")
        read_only_fields = fields


class JobSerializer(HeldRunMixin, serializers.ModelSerializer):
    """A transcription job: its state and progress (for long media, the sum of its
    parallel chunks'); once done, the track it made."""

    media = serializers.PrimaryKeyRelatedField(read_only=True)
    title = serializers.IntegerField(source="media.title_id", read_only=True)
    track = serializers.SerializerMethodField()
    track_url = serializers.SerializerMethodField()
    chunks = ChunkSerializer(many=True, read_only=True)

    class Meta:
        model = LocalizationJob
        fields = ("id", "media", "title", "language", *RUN_FIELDS, "step_seconds", "track",
                  "track_url", "chunks", "speakers_requested", "speaker_count",
                  "diarization_note")
        read_only_fields = fields

    def get_track(self, job) -> int | None:
        try:
            return job.track.pk
        except LocalizationJob.track.RelatedObjectDoesNotExist:
            return None

    def get_track_url(self, job) -> str | None:
        return api_url(self.context, "track-detail", self.get_track(job))


class JobCreateSerializer(serializers.Serializer):
    media = serializers.IntegerField(help_text="The media file to transcribe")
    language = serializers.CharField(default="ko", max_length=16,
                                     help_text="The language spoken in it")
    speakers = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=30,
        help_text="How many people speak (for the diarization); omitted: estimated")


class TranslationSerializer(HeldRunMixin, serializers.ModelSerializer):
    """A translation run: it fills one target track from its Korean source."""

    track = serializers.PrimaryKeyRelatedField(read_only=True,
                                               help_text="The target track being filled")
    language = serializers.CharField(source="track.language", read_only=True)
    source_track = serializers.IntegerField(source="track.source_track_id", read_only=True)
    track_url = serializers.SerializerMethodField()

    class Meta:
        model = TrackRun
        fields = ("id", "track", "language", "source_track", *RUN_FIELDS, "result",
                  "track_url")
        read_only_fields = fields

    def get_track_url(self, run) -> str | None:
        return api_url(self.context, "track-detail", run.track_id)


class TranslationCreateSerializer(serializers.Serializer):
    track = serializers.IntegerField(help_text="The Korean track to translate")
    languages = serializers.ListField(
        child=serializers.CharField(max_length=16), min_length=1, max_length=10,
        required=False, help_text="Target languages (default: the platform's, "
                                  "e.g. ja, zh-Hans, th)")


class DubSerializer(HeldRunMixin, serializers.ModelSerializer):
    track = serializers.PrimaryKeyRelatedField(read_only=True)
    language = serializers.CharField(source="track.language", read_only=True)
    audio = serializers.SerializerMethodField(help_text="Download addresses, once done")

    class Meta:
        model = DubTrack
        fields = ("id", "track", "language", *RUN_FIELDS, "max_speedup", "duck_original",
                  "fit_flags", "clips_synthesized", "clips_reused", "voices", "audio",
                  "credentials")
        read_only_fields = fields

    def get_audio(self, dub) -> dict[str, str]:
        request = self.context.get("request")
        if request is None or dub.state != DubTrack.State.DONE:
            return {}
        return {kind: reverse("api:v1:dub-audio", args=[dub.pk, kind], request=request)
                for kind, field in (("wav", dub.wav), ("aac", dub.aac)) if field}


class DubCreateSerializer(serializers.Serializer):
    track = serializers.IntegerField(help_text="The approved track to speak")
    max_speedup = serializers.FloatField(required=False, min_value=1.0, max_value=2.0)
    duck_original = serializers.BooleanField(default=True)


class PackageSerializer(HeldRunMixin, serializers.ModelSerializer):
    title = serializers.PrimaryKeyRelatedField(read_only=True)
    track = serializers.PrimaryKeyRelatedField(read_only=True)
    dub = serializers.PrimaryKeyRelatedField(read_only=True)
    licensee = serializers.CharField(source="licensee.name", read_only=True)
    last_day = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    credentials_url = serializers.SerializerMethodField(
        help_text="The ZIP's Content Credentials: a C2PA manifest store (sidecar)")

    class Meta:
        model = DeliveryPackage
        fields = ("id", "title", "language", "track", "dub", "licensee",
                  "territory_expression", "countries", "media", "window_start", "last_day",
                  "include_subtitles", "include_dub", *RUN_FIELDS, "sha256", "download_url",
                  "credentials", "credentials_url")
        read_only_fields = fields

    def get_credentials_url(self, package) -> str | None:
        if package.state != DeliveryPackage.State.DONE or not package.credentials_file:
            return None
        return api_url(self.context, "package-credentials", package.pk)

    def get_last_day(self, package) -> str | None:
        day = last_day(package.window_end)
        return day.isoformat() if day else None

    def get_download_url(self, package) -> str | None:
        if package.state != DeliveryPackage.State.DONE or not package.file:
            return None
        return api_url(self.context, "package-download", package.pk)


class PackageCreateSerializer(serializers.Serializer):
    title = serializers.IntegerField()
    language = serializers.CharField(max_length=16, help_text="e.g. ja")
    licensee = serializers.IntegerField(
        required=False, help_text="The licensee company; a partner studio's own by default "
                                  "(and only its own)")
    territory = serializers.CharField(max_length=500, help_text="e.g. JP, or ASIA -CN")
    media = serializers.ListField(child=serializers.CharField(max_length=16), min_length=1,
                                  help_text="e.g. [\"svod\"]")
    start = serializers.DateField()
    last_day = serializers.DateField(required=False, allow_null=True,
                                     help_text="Last day of the window; empty: open-ended")
    include_subtitles = serializers.BooleanField(default=True)
    include_dub = serializers.BooleanField(default=True)

    def validate(self, data):
        last = data.get("last_day")
        if last is not None and last < data["start"]:
            raise serializers.ValidationError({"last_day": "The window ends before it starts."})
        return data
