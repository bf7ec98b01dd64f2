"""The pipeline's resources in the API: media files, transcription jobs, translations,
dubs and delivery packages (uploads are in ``uploads``, tracks and cues in ``tracks``).

Thin, like the business side's (``coprod.api.views``): each queryset comes from
``localization.access`` (another company's object is not found, like a missing one), and
every write goes through the step's services, which make the same permission checks as
the pages. A POST that starts work honours ``Idempotency-Key``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from coprod.accounts.models import Company
from coprod.accounts.permissions import LOCALIZATION_ROLES, PARTNER_PORTAL_ROLES
from coprod.api.idempotency import idempotent
from coprod.api.problems import Conflict
from coprod.api.serializers import next_day
from coprod.catalog.permissions import titles_visible_to
from coprod.core.http import ranged_file_response
from localization import access, background
from localization.api import serializers as api
from localization.delivery import services as delivery_services
from localization.delivery.models import DeliveryPackage
from localization.dubbing import services as dubbing_services
from localization.dubbing.models import DubTrack
from localization.media.models import MediaAsset
from localization.permissions import (
    check_can_download_package,
    check_can_listen_to_dub,
    check_can_upload_media,
)
from localization.runs import services as run_services
from localization.runs.models import TrackRun
from localization.runs.registry import RUN_KINDS
from localization.transcription import services as transcription_services
from localization.transcription.models import LocalizationJob
from localization.translation import services as translation_services

# The venture's localization staff, and partner studios for their own work (the
# querysets and the services' checks narrow it to their company's).
PIPELINE_ROLES = LOCALIZATION_ROLES | PARTNER_PORTAL_ROLES


def refusal(error: DjangoValidationError) -> Exception:
    """A service's refusal as the API's answer: an illegal state change is a conflict
    (409), anything else a request that is not valid (400)."""
    if isinstance(error, background.InvalidTransition):
        return Conflict(" ".join(error.messages))
    return serializers.ValidationError(error.messages)


class BinaryRenderer(BaseRenderer):
    """Lets a download answer the media types it streams (the view returns the file)."""

    media_type = "application/octet-stream"
    format = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b""


def binary_renderer(media_type: str) -> type[BaseRenderer]:
    return type(f"Renderer{media_type.replace('/', '_')}", (BinaryRenderer,),
                {"media_type": media_type, "format": media_type.rsplit("/", 1)[-1]})


class PipelineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    read_roles = PIPELINE_ROLES
    write_roles = PIPELINE_ROLES
    ordering_fields = ["id", "created_at"]
    ordering = ["-created_at", "-id"]
    model = None

    def visible(self):  # pragma: no cover - each resource says what its users see
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's pass
            return self.model.objects.none()
        return self.visible()


class RunActionsMixin:
    """``cancel`` and ``retry`` of a background run, through the runs' services (the
    pages' permission checks; an illegal move answers 409)."""

    run_kind_key = ""

    def _run_action(self, request, change):
        run = self.get_object()
        try:
            change(kind=RUN_KINDS[self.run_kind_key], run=run, user=request.user)
        except DjangoValidationError as error:
            raise refusal(error) from None
        run = self.get_queryset().get(pk=run.pk)
        return Response(self.get_serializer(run).data)

    @extend_schema(request=None, filters=False)
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, pk=None):
        """Stop the run: a queued one never starts, a running one stops at its next
        progress report."""
        return self._run_action(request, run_services.run_cancel)

    @extend_schema(request=None, filters=False)
    @action(detail=True, methods=["post"])
    @idempotent
    def retry(self, request, pk=None):
        """Queue a failed or cancelled run again (or a running one whose worker stopped
        reporting)."""
        return self._run_action(request, run_services.run_retry)


# --- media and transcription jobs -------------------------------------------------------------


@extend_schema(tags=["media"])
class MediaViewSet(PipelineViewSet):
    """Media files taken in (uploaded through ``/api/v1/uploads/`` or the pages), with
    what probing found and the jobs run over them."""

    model = MediaAsset
    serializer_class = api.MediaSerializer
    filterset_fields = ["title"]

    def visible(self):
        return access.media_visible_to(self.request.user).prefetch_related("jobs")


@extend_schema(tags=["jobs"])
class JobViewSet(RunActionsMixin, PipelineViewSet):
    """Transcription jobs: Whisper over a media file, then subtitles cut to the
    language's rules. ``progress`` is a percentage; once ``done``, ``track`` is the
    transcript. A finished or failed job is also announced by the ``job.finished`` and
    ``job.failed`` webhooks."""

    model = LocalizationJob
    serializer_class = api.JobSerializer
    filterset_fields = ["media", "state", "language"]
    run_kind_key = "transcription"

    def visible(self):
        return (access.jobs_visible_to(self.request.user).select_related("media", "track")
                .prefetch_related("chunks"))

    @extend_schema(request=api.JobCreateSerializer, responses={201: api.JobSerializer})
    @idempotent
    def create(self, request):
        """Transcribe a media file (again, or in another spoken language)."""
        asked = api.JobCreateSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        media = access.media_visible_to(request.user).filter(
            pk=asked.validated_data["media"]).first()
        if media is None:
            raise serializers.ValidationError({"media": [_("No such media file among "
                                                           "yours.")]})
        check_can_upload_media(request.user, media.title)
        job = transcription_services.job_create(
            media=media, user=request.user, language=asked.validated_data["language"],
            speakers_requested=asked.validated_data.get("speakers"))
        response = Response(self.get_serializer(self.visible().get(pk=job.pk)).data,
                            status=status.HTTP_201_CREATED)
        response["Location"] = api.api_url(self.get_serializer_context(), "job-detail",
                                           job.pk)
        return response


# --- translations ---------------------------------------------------------------------------


@extend_schema(tags=["translations"])
class TranslationViewSet(RunActionsMixin, PipelineViewSet):
    """Translation runs: each fills one new target track (Japanese, Simplified Chinese,
    Thai, ...) from a Korean track with the approved translation engine, the title's
    glossary and the translation memory. People then revise and approve it."""

    model = TrackRun
    serializer_class = api.TranslationSerializer
    filterset_fields = ["state"]
    run_kind_key = "translation"

    def visible(self):
        return (access.track_runs_visible_to(self.request.user)
                .filter(kind=TrackRun.Kind.TRANSLATION).select_related("track"))

    @extend_schema(request=api.TranslationCreateSerializer,
                   responses={201: api.TranslationSerializer(many=True)})
    @idempotent
    def create(self, request):
        """Translate a Korean track into each language asked: one target track and one
        run per language."""
        asked = api.TranslationCreateSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        track = access.tracks_visible_to(request.user).filter(
            pk=asked.validated_data["track"]).first()
        if track is None:
            raise serializers.ValidationError({"track": [_("No such track among yours.")]})
        try:
            targets = translation_services.track_translate(
                source_track=track, languages=asked.validated_data.get("languages"),
                user=request.user)
        except DjangoValidationError as error:
            raise refusal(error) from None
        runs = self.visible().filter(track__in=targets).order_by("id")
        return Response(self.get_serializer(runs, many=True).data,
                        status=status.HTTP_201_CREATED)


# --- dubs -----------------------------------------------------------------------------------

AUDIO_TYPES = {"wav": "audio/wav", "aac": "audio/mp4"}
# Downloads stream from storage and answer a Range request with part of the file (206), so
# that a broken download of a large file resumes.
RANGED_CODES = (200, 206)


@extend_schema(tags=["dubs"])
class DubViewSet(RunActionsMixin, PipelineViewSet):
    """Dub tracks: an approved subtitle track spoken by the voices its speakers are cast
    to (licensed models and consenting voices only), fitted to the cues and mixed over
    the original audio."""

    model = DubTrack
    serializer_class = api.DubSerializer
    filterset_fields = ["track", "state"]
    run_kind_key = "dub"

    def visible(self):
        return access.dubs_visible_to(self.request.user).select_related("track")

    @extend_schema(request=api.DubCreateSerializer, responses={201: api.DubSerializer})
    @idempotent
    def create(self, request):
        """Dub an approved track."""
        asked = api.DubCreateSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        track = access.tracks_visible_to(request.user).filter(pk=data["track"]).first()
        if track is None:
            raise serializers.ValidationError({"track": [_("No such track among yours.")]})
        try:
            dub = dubbing_services.dub_create(track=track, actor=request.user,
                                              max_speedup=data.get("max_speedup"),
                                              duck_original=data["duck_original"])
        except DjangoValidationError as error:
            raise refusal(error) from None
        response = Response(self.get_serializer(self.visible().get(pk=dub.pk)).data,
                            status=status.HTTP_201_CREATED)
        response["Location"] = api.api_url(self.get_serializer_context(), "dub-detail", dub.pk)
        return response

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=["wav", "aac"])],
        responses={(code, media_type): OpenApiResponse(OpenApiTypes.BINARY)
                   for media_type in AUDIO_TYPES.values() for code in RANGED_CODES},
        filters=False)
    @action(detail=True, methods=["get"], url_path=r"audio/(?P<kind>wav|aac)",
            renderer_classes=[*(binary_renderer(t) for t in AUDIO_TYPES.values()),
                              JSONRenderer])
    def audio(self, request, pk=None, kind: str = "wav"):
        """The finished dub's audio: WAV (PCM) or AAC (M4A)."""
        dub = self.get_object()
        check_can_listen_to_dub(request.user, dub)
        field = {"wav": dub.wav, "aac": dub.aac}[kind]
        if dub.state != DubTrack.State.DONE or not field:
            raise Http404(_("This dub has no %(kind)s audio yet.") % {"kind": kind.upper()})
        return ranged_file_response(request, field, AUDIO_TYPES[kind], as_attachment=True,
                                    filename=field.name.rsplit("/", 1)[-1])


# --- delivery packages ----------------------------------------------------------------------


@extend_schema(tags=["packages"])
class PackageViewSet(RunActionsMixin, PipelineViewSet):
    """Delivery packages: the approved subtitles (in the language's delivery formats)
    and dub of a title, with a manifest of where every file came from, built only when
    the venture holds and has granted the licensee the rights asked. A partner studio
    requests and downloads the packages licensed to its own company."""

    model = DeliveryPackage
    serializer_class = api.PackageSerializer
    filterset_fields = ["title", "language", "state"]
    run_kind_key = "package"
    read_roles = access.DELIVERY_ROLES | PARTNER_PORTAL_ROLES
    write_roles = access.DELIVERY_ROLES | PARTNER_PORTAL_ROLES

    def visible(self):
        return access.packages_visible_to(self.request.user).select_related("licensee")

    @extend_schema(request=api.PackageCreateSerializer, responses={201: api.PackageSerializer})
    @idempotent
    def create(self, request):
        """Request a package; the rights are checked now, and a refusal lists each
        country, medium and language that is not held or not granted."""
        asked = api.PackageCreateSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        user = request.user
        title = titles_visible_to(user).filter(pk=data["title"]).first()
        if title is None:
            raise serializers.ValidationError({"title": [_("No such title among yours.")]})
        licensee_id = data.get("licensee") or access.partner_company_id(user)
        licensee = Company.objects.filter(pk=licensee_id).first() if licensee_id else None
        if licensee is None:
            raise serializers.ValidationError({"licensee": [_("Name the licensee company.")]})
        try:
            package = delivery_services.package_create(
                title=title, language=data["language"], licensee=licensee,
                territory=data["territory"], media=data["media"], start=data["start"],
                end=next_day(data.get("last_day")),
                include_subtitles=data["include_subtitles"], include_dub=data["include_dub"],
                actor=user)
        except DjangoValidationError as error:
            raise refusal(error) from None
        response = Response(self.get_serializer(self.visible().get(pk=package.pk)).data,
                            status=status.HTTP_201_CREATED)
        response["Location"] = api.api_url(self.get_serializer_context(), "package-detail",
                                           package.pk)
        return response

    @extend_schema(responses={(code, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)
                              for code in RANGED_CODES}, filters=False)
    @action(detail=True, methods=["get"],
            renderer_classes=[binary_renderer("application/zip"), JSONRenderer])
    def download(self, request, pk=None):
        """The finished package's ZIP, streamed."""
        package = self.get_object()
        check_can_download_package(request.user, package)
        if package.state != DeliveryPackage.State.DONE or not package.file:
            raise Http404(_("This package is not built yet."))
        return ranged_file_response(request, package.file, "application/zip",
                                    as_attachment=True,
                                    filename=package.file.name.rsplit("/", 1)[-1])

    @extend_schema(responses={(code, "application/c2pa"): OpenApiResponse(OpenApiTypes.BINARY)
                              for code in RANGED_CODES}, filters=False)
    @action(detail=True, methods=["get"],
            renderer_classes=[binary_renderer("application/c2pa"), JSONRenderer])
    def credentials(self, request, pk=None):
        """The ZIP's Content Credentials (a C2PA manifest store to keep beside it): verify
        the package with any C2PA tool."""
        package = self.get_object()
        check_can_download_package(request.user, package)
        if package.state != DeliveryPackage.State.DONE or not package.credentials_file:
            raise Http404(_("This package has no Content Credentials."))
        return ranged_file_response(request, package.credentials_file, "application/c2pa",
                                    as_attachment=True,
                                    filename=package.credentials_file.name.rsplit("/", 1)[-1])
