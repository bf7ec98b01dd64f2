"""Subtitle tracks and their cues in the API: read a track, its cues and its file in every
subtitle format; edit and review cues with optimistic concurrency.

A cue answers ``ETag: "<revision>"``. A change (``PATCH`` of a cue, ``POST`` of its
review) must send that ETag back in ``If-Match``: without it the answer is 428
(``precondition-required``); with an ETag the cue no longer has (someone saved it in the
meantime) it is 412 (``precondition-failed``), with the cue as it is now, and nothing of
the change is saved. ``If-Match: *`` changes the cue whatever its revision.

Every check is the editor's (``localization.permissions``, called again by the review
services under the track's row lock): partner studios read and download the tracks they
see but never edit them (403); a locked (approved) track refuses edits and reviews with
409 until a reviewer reopens it. Approving a track's last cue approves and locks the track,
which sends the ``track.approved`` webhook.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from coprod.api.idempotency import idempotent
from coprod.api.problems import PROBLEM_CONTENT_TYPE, Conflict, problem_response
from coprod.api.serializers import ProblemSerializer
from localization import access
from localization.api import track_serializers as api
from localization.api.views import PipelineViewSet, binary_renderer, refusal
from localization.permissions import (
    EDITOR_ROLES,
    REVIEW_ROLES,
    check_can_download_track,
    check_can_edit_track,
    check_can_review_track,
)
from localization.qa import services as qa_services
from localization.review import services as review_services
from localization.subtitles import downloads
from localization.subtitles import selectors as subtitle_selectors
from localization.subtitles.cues import SubtitleExportError
from localization.subtitles.downloads import EXPORT_NOTES_HEADER
from localization.subtitles.formats import FORMATS
from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack

State = SubtitleCue.State
SUBTITLE_TYPES = {fmt: content_type for fmt, (_label, content_type, _ext) in FORMATS.items()}
REVIEWER_ACTIONS = (CueRevision.Action.APPROVE, CueRevision.Action.REJECT)

CUE_ID = OpenApiParameter("cue_id", int, OpenApiParameter.PATH, description="The cue's id")
FORMAT = OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FORMATS),
                          description="The subtitle format")
IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=True,
    description='The cue\'s ETag as read, quotes included (e.g. "3"), or * for whatever '
                "its revision")


def etag_header(*codes: int, required: bool = True, of: str = "cue") -> OpenApiParameter:
    return OpenApiParameter(
        "ETag", str, OpenApiParameter.HEADER, response=list(codes), required=required,
        description="The cue's ETag as it is now: send it in If-Match to change the cue"
        if of == "cue" else "The track's ETag: it changes with any change of the track or "
                            "of one of its cues")


def problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(ProblemSerializer, description=description)


CONFLICT = problem("The track is approved and locked (a reviewer reopens it), or the cue's "
                   "state does not allow this")
PRECONDITION_FAILED = OpenApiResponse(
    api.CuePreconditionFailedSerializer,
    description="The cue changed since its ETag was read: nothing was saved; the ETag "
                "header and `current` are the cue as it is now")
PRECONDITION_REQUIRED = problem("If-Match is missing: send the cue's ETag")


class PreconditionProblem(Exception):
    """An answer (412, 428) to give instead of going on."""

    def __init__(self, response: HttpResponse):
        super().__init__(response.status_code)
        self.response = response


def with_counts(tracks):
    """Each track with its number of cues, in all and per state."""
    return tracks.annotate(cue_count=Count("cues"), **{
        f"cues_{state}": Count("cues", filter=Q(cues__state=state)) for state in State.values})


def _refused(denial: PermissionDenied, *, user, track: SubtitleTrack, roles) -> Exception:
    """A check's denial as the API's answer: to someone whose role allows the change, a
    locked track is a conflict with its state (409); anything else stays a 403."""
    locked = SubtitleTrack.objects.filter(pk=track.pk, locked_at__isnull=False).exists()
    if locked and user.has_role(*roles):
        return Conflict(str(denial))
    return denial


def _check(check, roles, user, track: SubtitleTrack) -> None:
    try:
        check(user, track)
    except PermissionDenied as denial:
        raise _refused(denial, user=user, track=track, roles=roles) from None


@extend_schema(tags=["tracks"])
class TrackViewSet(PipelineViewSet):
    """Subtitle tracks: one language of a title, one version each, from speech recognition,
    an imported file or a translation. The venture's staff see every track; a partner
    studio the tracks of its own media and the approved tracks of the titles its
    agreements cover (download them in any format; it never edits them)."""

    model = SubtitleTrack
    serializer_class = api.TrackSerializer
    filterset_fields = ["title", "media", "language", "review_state", "source"]
    ordering_fields = ["id", "created_at", "language", "version"]

    def visible(self):
        return with_counts(access.tracks_visible_to(self.request.user)).select_related(
            "approved_by", "title")

    def filter_queryset(self, queryset):
        """Filters and ordering narrow the list only; a track's own addresses find it among
        all those the user sees."""
        if getattr(self, "action", None) != "list":
            return queryset
        return super().filter_queryset(queryset)

    def handle_exception(self, exc):
        if isinstance(exc, PreconditionProblem):
            return exc.response
        return super().handle_exception(exc)

    # --- helpers -------------------------------------------------------------------------

    def _track_answer(self, track: SubtitleTrack) -> Response:
        track = self.visible().get(pk=track.pk)
        response = Response(self.get_serializer(track).data)
        response["ETag"] = api.track_etag(track)
        return response

    def _cue(self, track: SubtitleTrack, cue_id) -> SubtitleCue:
        return get_object_or_404(track.cues.select_related("source_cue"), pk=cue_id)

    def _cue_data(self, cue: SubtitleCue) -> dict:
        return api.CueSerializer(cue, context=self.get_serializer_context()).data

    def _cue_answer(self, cue: SubtitleCue, data: dict | None = None) -> Response:
        response = Response(self._cue_data(cue) if data is None else data)
        response["ETag"] = api.cue_etag(cue)
        return response

    def _precondition_failed(self, cue: SubtitleCue) -> PreconditionProblem:
        current = SubtitleCue.objects.select_related("source_cue").filter(pk=cue.pk).first()
        if current is None:  # merged away in the meantime
            return PreconditionProblem(problem_response(
                self.request, "not-found", detail=_("This cue no longer exists (it was "
                                                    "merged with another).")))
        etag = api.cue_etag(current)
        response = problem_response(self.request, "precondition-failed", detail=_(
            "The cue changed since you read it: its ETag is now %(etag)s. Nothing of your "
            "change was saved; apply it to the cue as it is now (in `current`).")
            % {"etag": etag}, headers={"ETag": etag})
        body = json.loads(response.content)
        body["current"] = self._cue_data(current)
        response.content = json.dumps(body, cls=JSONEncoder, ensure_ascii=False)
        return PreconditionProblem(response)

    def _expected_revision(self, request, cue: SubtitleCue) -> int | None:
        """The revision ``If-Match`` names (None for ``*``), or the 428 or 412 answer."""
        header = request.headers.get("If-Match")
        if header is None:
            raise PreconditionProblem(problem_response(request, "precondition-required", detail=_(
                "Send If-Match with the cue's ETag (a GET of the cue answers it), so that "
                "you do not overwrite a change someone else saved in the meantime.")))
        etags = parse_etags(header)
        if etags == ["*"]:
            return None
        # Strong comparison (RFC 9110): a weak W/"3" never matches.
        if api.cue_etag(cue) in etags:
            return cue.revision
        raise self._precondition_failed(cue)

    # --- tracks ----------------------------------------------------------------------------

    @extend_schema(parameters=[etag_header(200, of="track")])
    def retrieve(self, request, *args, **kwargs):
        """A track: its review state, its cues' count in each state, and where to read its
        cues and download it."""
        return self._track_answer(self.get_object())

    @extend_schema(
        parameters=[FORMAT, OpenApiParameter(
            "force", bool, OpenApiParameter.QUERY, required=False,
            description="Export a translation even though QA errors remain in it (without "
                        "it, such a track answers 409 listing them, as the track page "
                        "refuses)"), OpenApiParameter(
            EXPORT_NOTES_HEADER, str, OpenApiParameter.HEADER, response=[200],
            description="What the format could not carry of the track (a JSON list of "
                        "sentences); absent when nothing is lost")],
        responses={**{(200, media_type): OpenApiResponse(
            OpenApiTypes.BINARY, description=f"The track as {FORMATS[fmt][0]}, UTF-8")
            for fmt, media_type in SUBTITLE_TYPES.items()},
            (409, PROBLEM_CONTENT_TYPE): problem("The format cannot hold the track (e.g. ASS "
                                                 "past 9:59:59.99), or QA errors remain in a "
                                                 "translation (`errors` lists them; "
                                                 "`force=true` exports anyway); `detail` "
                                                 "says why")},
        filters=False)
    @action(detail=True, methods=["get"], url_path=rf"export/(?P<fmt>{'|'.join(FORMATS)})",
            renderer_classes=[*(binary_renderer(t) for t in SUBTITLE_TYPES.values()),
                              JSONRenderer])
    def export(self, request, pk=None, fmt: str = "srt"):
        """The track as a subtitle file: SubRip, WebVTT, TTML (IMSC 1.1), ASS or SAMI, as
        the track page downloads it, behind the same QA gate."""
        track = self.get_object()
        check_can_download_track(request.user, track)
        force = request.query_params.get("force", "").lower() in ("true", "1")
        if not force and (blockers := qa_services.export_blockers(track=track)):
            return problem_response(
                request, "conflict",
                detail=_("%(count)d QA errors remain in this track; fix them, or export "
                         "anyway with force=true.") % {"count": len(blockers)},
                errors=[{"detail": downloads.blocker_sentence(issue)} for issue in blockers])
        try:
            return downloads.track_file_response(track=track, fmt=fmt)
        except LookupError:
            raise Http404(_("Unknown subtitle format.")) from None
        except SubtitleExportError as error:
            raise Conflict(str(error)) from None

    @extend_schema(responses=api.ExportLossesSerializer, filters=False)
    @action(detail=True, methods=["get"], url_path="export-losses")
    def export_losses(self, request, pk=None):
        """What each format would leave out of the track (speakers in SRT, vertical text in
        ASS…), before downloading it."""
        track = self.get_object()
        check_can_download_track(request.user, track)
        return Response(subtitle_selectors.track_export_losses(track=track))

    @extend_schema(request=api.TrackReopenSerializer, responses=api.TrackSerializer,
                   parameters=[etag_header(200, required=False, of="track")], filters=False)
    @action(detail=True, methods=["post"])
    @idempotent
    def reopen(self, request, pk=None):
        """Unlock an approved track for editing (reviewers, rights managers,
        administrators); its cues stay approved until edited."""
        track = self.get_object()
        asked = api.TrackReopenSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            track = review_services.track_reopen(track=track, actor=request.user,
                                                 reason=asked.validated_data["reason"])
        except review_services.WorkflowError as error:
            raise Conflict(" ".join(error.messages)) from None
        return self._track_answer(track)

    # --- cues ------------------------------------------------------------------------------

    @extend_schema(responses=api.CueSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"])
    def cues(self, request, pk=None):
        """The track's cues, in order, a page at a time; each with its ETag."""
        track = self.get_object()
        page = self.paginate_queryset(track.cues.select_related("source_cue").order_by("index"))
        return self.get_paginated_response(api.CueSerializer(
            page, many=True, context=self.get_serializer_context()).data)

    @extend_schema(parameters=[CUE_ID, etag_header(200)], responses=api.CueSerializer,
                   filters=False)
    @action(detail=True, methods=["get"], url_path=r"cues/(?P<cue_id>[0-9]+)", url_name="cue")
    def cue(self, request, pk=None, cue_id=None):
        """One cue, with its ETag."""
        return self._cue_answer(self._cue(self.get_object(), cue_id))

    @cue.mapping.patch
    @extend_schema(
        parameters=[CUE_ID, IF_MATCH, etag_header(200, 412)], request=api.CueUpdateSerializer,
        responses={200: api.CueSerializer, (409, PROBLEM_CONTENT_TYPE): CONFLICT,
                   (412, PROBLEM_CONTENT_TYPE): PRECONDITION_FAILED,
                   (428, PROBLEM_CONTENT_TYPE): PRECONDITION_REQUIRED},
        filters=False)
    def cue_update(self, request, pk=None, cue_id=None):
        """Edit a cue's text or times (translators, reviewers, rights managers,
        administrators, as in the editor), with ``If-Match``. An edited approved cue needs
        approving again; a translator edits only the tracks assigned to them."""
        track = self.get_object()
        cue = self._cue(track, cue_id)
        user = request.user
        _check(check_can_edit_track, EDITOR_ROLES, user, track)
        expected = self._expected_revision(request, cue)
        asked = api.CueUpdateSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        try:
            cue = review_services.cue_save(
                cue=cue, text=data.get("text", cue.text),
                start_ms=data.get("start_ms", cue.start_ms), end_ms=data.get("end_ms", cue.end_ms),
                expected_revision=expected, actor=user)
        except review_services.CueConflict:
            raise self._precondition_failed(cue) from None
        except PermissionDenied as denial:  # the track was locked in the meantime
            raise _refused(denial, user=user, track=track, roles=EDITOR_ROLES) from None
        except DjangoValidationError as error:
            raise refusal(error) from None
        return self._cue_answer(self._cue(track, cue.pk))

    @extend_schema(
        parameters=[CUE_ID, IF_MATCH, etag_header(200, 412, required=False)],
        request=api.CueReviewSerializer,
        responses={200: api.CueReviewResultSerializer, (409, PROBLEM_CONTENT_TYPE): CONFLICT,
                   (412, PROBLEM_CONTENT_TYPE): PRECONDITION_FAILED,
                   (428, PROBLEM_CONTENT_TYPE): PRECONDITION_REQUIRED},
        filters=False)
    @action(detail=True, methods=["post"], url_path=r"cues/(?P<cue_id>[0-9]+)/review",
            url_name="cue-review")
    @idempotent
    def cue_review(self, request, pk=None, cue_id=None):
        """Move a cue through the review workflow, with ``If-Match``: ``approve`` or
        ``reject`` (reviewers, rights managers, administrators; a rejection says why and
        sends the cue back for review), ``translated`` or ``needs_review`` (translators).
        Approving the last cue approves and locks the track (the ``track.approved``
        webhook)."""
        track = self.get_object()
        cue = self._cue(track, cue_id)
        user = request.user
        asked = api.CueReviewSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        wanted = asked.validated_data["action"]
        if wanted in REVIEWER_ACTIONS:
            _check(check_can_review_track, REVIEW_ROLES, user, track)
        else:
            _check(check_can_edit_track, EDITOR_ROLES, user, track)
        expected = self._expected_revision(request, cue)
        try:
            cue = review_services.cue_set_state(
                cue=cue, action=wanted, actor=user, expected_revision=expected,
                comment=asked.validated_data["comment"])
        except review_services.CueConflict:
            raise self._precondition_failed(cue) from None
        except PermissionDenied as denial:
            raise _refused(denial, user=user, track=track,
                           roles=REVIEW_ROLES if wanted in REVIEWER_ACTIONS else EDITOR_ROLES
                           ) from None
        except review_services.WorkflowError as error:
            # The cue's state does not allow the move (approving an approved cue…).
            raise Conflict(" ".join(error.messages)) from None
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        cue = self._cue(track, cue.pk)
        track = SubtitleTrack.objects.select_related("approved_by").get(pk=track.pk)
        return self._cue_answer(cue, api.CueReviewResultSerializer(
            {"cue": cue, "track": track}, context=self.get_serializer_context()).data)


def register(router) -> None:
    """Add the tracks' and cues' resources to the pipeline's router."""
    router.register("tracks", TrackViewSet, basename="track")
