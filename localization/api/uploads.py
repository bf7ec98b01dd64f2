"""Resumable media uploads under ``/api/v1/uploads/``: the tus 1.0.0 protocol
(https://tus.io/protocols/resumable-upload) with its creation, checksum, termination and
expiration extensions, for files of several gigabytes sent in pieces.

- ``POST /uploads/`` with ``Upload-Length`` and ``Upload-Metadata`` (base64 values:
  ``filename``, ``title`` (its id), ``language`` (``ko`` by default), ``episode``,
  ``sha256`` of the whole file) starts an upload; ``Location`` is its address.
- ``HEAD`` answers how many bytes the server has (``Upload-Offset``); ``PATCH`` with
  ``Upload-Offset`` and an ``application/offset+octet-stream`` body appends a piece,
  checked against ``Upload-Checksum`` when given; ``DELETE`` abandons the upload.
- When the last byte is in, the file is taken in as a page upload is (limits, probe,
  storage) and its transcription queued; ``GET`` answers the upload's state, its media file
  and its job. ``OPTIONS`` describes what the server supports.

The protocol's rules are ``localization.media.uploads``'s; this module reads and writes
the headers. Errors are problem details like the rest of the API (tus clients read the
status only), and every answer carries ``Tus-Resumable``. Only the user who started an
upload sees it: anyone else gets 404, before any header is looked at.
"""

from __future__ import annotations

import base64
import binascii
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.urls import path
from django.utils.http import http_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from coprod.api.problems import PROBLEM_CONTENT_TYPE, problem_response
from coprod.api.serializers import ProblemSerializer
from coprod.catalog.models import Title
from coprod.catalog.permissions import titles_visible_to
from localization import access
from localization.api.serializers import api_url
from localization.api.views import PIPELINE_ROLES
from localization.media import uploads as upload_services
from localization.media.models import ResumableUpload
from localization.media.services import media_max_upload_size

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,checksum,termination"
OFFSET_OCTET_STREAM = "application/offset+octet-stream"
# Header numbers: ASCII digits only (int() would take "+1", " 1", "1_000" and other scripts).
NUMBER = re.compile(r"[0-9]{1,19}")
METADATA_KEY = re.compile(r"[!-+\--~]+")  # printable ASCII but space and comma
LARGEST = 2**63 - 1

# Each refusal of the service (its ``code``) as a problem type.
REFUSALS = {
    "too_large": "payload-too-large",
    "offset_mismatch": "upload-offset-mismatch",
    "busy": "conflict",
    "finished": "conflict",
    "expired": "upload-expired",
    "gone": "not-found",
    "checksum_unsupported": "malformed-request",
    "checksum_mismatch": "checksum-mismatch",
    "incomplete": "malformed-request",
}


class TusProblem(Exception):
    """A refusal answered as the problem ``slug`` (raised by the header readers)."""

    def __init__(self, slug: str, detail: str = "", *, headers: dict | None = None,
                 errors: list[dict] | None = None):
        super().__init__(detail)
        self.slug, self.detail, self.headers, self.errors = slug, detail, headers or {}, errors


def _metadata_problem(message: str) -> TusProblem:
    return TusProblem("validation", message,
                      errors=[{"detail": message, "parameter": "Upload-Metadata"}])


def _number(request, header: str, *, required: bool = True) -> int | None:
    value = request.headers.get(header)
    if value is None:
        if required:
            raise TusProblem("malformed-request", _("Send the %(header)s header.") % {
                "header": header})
        return None
    if not NUMBER.fullmatch(value) or int(value) > LARGEST:
        raise TusProblem("malformed-request", _(
            "%(header)s is a number of bytes: digits only, from 0.") % {"header": header})
    return int(value)


def _metadata(request) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64-value`` pairs (the value may be
    left out), as text."""
    found: dict[str, str] = {}
    header = request.headers.get("Upload-Metadata", "")
    for pair in header.split(",") if header.strip() else []:
        key, _space, encoded = pair.strip().partition(" ")
        if not METADATA_KEY.fullmatch(key) or key in found or " " in encoded:
            raise _metadata_problem(_("Upload-Metadata is a list of “key base64-value” "
                                      "pairs, each key once, separated by commas."))
        try:
            found[key] = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise _metadata_problem(_("The value of “%(key)s” in Upload-Metadata is not "
                                      "base64-encoded UTF-8 text.") % {"key": key}) from None
    return found


def _encoded_metadata(upload: ResumableUpload) -> str:
    values = {"filename": upload.filename, "title": str(upload.title_id),
              "language": upload.language, "episode": upload.episode_label,
              "sha256": upload.sha256}
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode('ascii')}"
                    for key, value in values.items() if value)


def _uploadable_title(user, value: str) -> Title:
    """The title named in the metadata, among those the user could upload media for: a
    partner's are its company's (another's are not found, like missing ones)."""
    if not value:
        raise _metadata_problem(_("Name the title the file belongs to: “title” in "
                                  "Upload-Metadata, its id."))
    titles = (titles_visible_to(user) if access.partner_company_id(user) is not None
              else Title.objects.all())
    title = titles.filter(pk=int(value)).first() if NUMBER.fullmatch(value) \
        and int(value) <= LARGEST else None
    if title is None:
        raise _metadata_problem(_("No such title among yours: %(title)s.") % {
            "title": value[:40]})
    return title


def _refusal(error: DjangoValidationError, upload: ResumableUpload | None = None) -> TusProblem:
    slug = REFUSALS.get(getattr(error, "code", None) or "", "validation")
    message = " ".join(error.messages)
    headers = {"Upload-Offset": str(upload.offset)} if upload is not None and slug in (
        "upload-offset-mismatch", "checksum-mismatch") else {}
    errors = [{"detail": message}] if slug == "validation" else None
    return TusProblem(slug, message, headers=headers, errors=errors)


def _expires(upload: ResumableUpload) -> dict[str, str]:
    if upload.state != ResumableUpload.State.RECEIVING:
        return {}
    return {"Upload-Expires": http_date(upload.expires_at.timestamp())}


# --- the upload's status -----------------------------------------------------------------

class UploadSerializer(serializers.ModelSerializer):
    """A resumable upload: how far it is, and once complete the media file and the
    transcription job made from it (failed: why)."""

    title = serializers.PrimaryKeyRelatedField(read_only=True)
    episode = serializers.CharField(source="episode_label", read_only=True)
    sha256 = serializers.CharField(read_only=True,
                                   help_text="The whole file's SHA-256, if announced")
    media = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True,
                                               help_text="Once complete: the media file")
    job = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True,
                                             help_text="Once complete: its transcription job")
    job_url = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField(
        read_only=True, help_text="Unless it receives bytes before then, the upload is "
                                  "deleted at this time")

    class Meta:
        model = ResumableUpload
        fields = ("id", "title", "episode", "language", "filename", "length", "offset",
                  "sha256", "state", "error", "media", "job", "job_url", "created_at",
                  "expires_at")
        read_only_fields = fields

    def get_job_url(self, upload) -> str | None:
        return api_url(self.context, "job-detail", upload.job_id)


# --- the schema's descriptions of the headers ---------------------------------------------

def _header(name: str, description: str, *, required: bool = False, schema=str, enum=None,
            response=False, **more) -> OpenApiParameter:
    return OpenApiParameter(name, schema, OpenApiParameter.HEADER, required=required,
                            description=description, enum=enum, response=response, **more)


TUS_RESUMABLE = _header("Tus-Resumable", "The tus protocol's version: 1.0.0", required=True,
                        enum=[TUS_VERSION])
SIZE = {"type": "integer", "minimum": 0, "maximum": LARGEST}


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(ProblemSerializer, description=description)


def _problems(*codes: int) -> dict:
    described = {
        400: "A header is missing or malformed (a number, Upload-Metadata, Upload-Checksum), "
             "or the metadata is not valid (title, file name, language, SHA-256)",
        409: "Upload-Offset is not the upload's offset (the answer's Upload-Offset is), "
             "another request is writing to it, or it is complete or failed",
        410: "The upload expired: start a new one",
        412: "Tus-Resumable is missing or names a version this server does not speak",
        413: "The file is larger than accepted, or the piece passes the upload's length",
        415: "The body is not application/offset+octet-stream",
        422: "The last piece arrived but the file was refused (not media, no sound, not the "
             "SHA-256 announced): the upload is failed, nothing was stored",
        460: "The piece does not match its Upload-Checksum; none of it was kept",
    }
    return {(code, PROBLEM_CONTENT_TYPE): _problem(described[code]) for code in codes}


OFFSET_ANSWER = _header("Upload-Offset", "The bytes the server has", schema=SIZE,
                        response=[200, 204, 409, 460])
EXPIRES_ANSWER = _header("Upload-Expires", "When the upload is deleted unless it receives "
                         "bytes (an HTTP date); absent once it is complete or failed",
                         response=[200, 201, 204])
TUS_ANSWER = _header("Tus-Resumable", "1.0.0, on every answer", response=True)
TUS_VERSION_ANSWER = _header("Tus-Version", "The tus versions spoken: 1.0.0",
                             response=[412])


# --- the views ---------------------------------------------------------------------------

class TusView(APIView):
    """What every upload address shares: the API's authentication and roles, the
    ``Tus-Resumable`` header on every answer, the tus refusals as problems, and the
    server's capabilities for OPTIONS."""

    read_roles = PIPELINE_ROLES
    write_roles = PIPELINE_ROLES
    schema_extra_methods = ("OPTIONS",)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = TUS_VERSION
        return response

    def handle_exception(self, exc):
        if isinstance(exc, TusProblem):
            return problem_response(self.request, exc.slug, detail=exc.detail,
                                    headers=exc.headers, errors=exc.errors)
        return super().handle_exception(exc)

    @staticmethod
    def check_tus_version(request) -> None:
        if request.headers.get("Tus-Resumable") != TUS_VERSION:
            raise TusProblem("unsupported-tus-version", _(
                "Send Tus-Resumable: %(version)s (this server speaks tus %(version)s).") % {
                "version": TUS_VERSION}, headers={"Tus-Version": TUS_VERSION})

    def capabilities(self) -> HttpResponse:
        """The answer to OPTIONS: the tus version and extensions, the largest upload
        accepted and the checksum algorithms."""
        response = HttpResponse(status=status.HTTP_204_NO_CONTENT)
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = TUS_EXTENSIONS
        response["Tus-Max-Size"] = str(media_max_upload_size())
        response["Tus-Checksum-Algorithm"] = ",".join(upload_services.CHECKSUM_ALGORITHMS)
        return response


def _options_schema(operation_id: str):
    return extend_schema(
        operation_id=operation_id, tags=["uploads"], request=None, filters=False,
        responses={204: OpenApiResponse(description="What the server supports, in the "
                                                    "headers")},
        parameters=[TUS_ANSWER,
                    _header("Tus-Version", "The tus versions spoken: 1.0.0", response=[204]),
                    _header("Tus-Extension", TUS_EXTENSIONS, response=[204]),
                    _header("Tus-Max-Size", "The largest upload accepted, in bytes",
                            schema=SIZE, response=[204]),
                    _header("Tus-Checksum-Algorithm", "sha1,sha256,md5", response=[204])])


class UploadListView(TusView):
    """Start a resumable upload (tus creation)."""

    @_options_schema("uploads_capabilities")
    def options(self, request, *args, **kwargs):
        """What the server supports: the tus version and extensions, the largest upload
        accepted (``Tus-Max-Size``) and the checksum algorithms."""
        return self.capabilities()

    @extend_schema(
        operation_id="uploads_create", tags=["uploads"], request=None, filters=False,
        parameters=[
            TUS_RESUMABLE,
            _header("Upload-Length", "The whole file's size in bytes", required=True,
                    schema=SIZE),
            _header("Upload-Metadata", "Comma-separated `key base64(value)` pairs: "
                    "`filename` and `title` (the title's id) are needed; `language` (the "
                    "language spoken, `ko` by default), `episode` (e.g. S01E03) and "
                    "`sha256` (the whole file's, 64 hex digits: checked once it is all "
                    "in) may follow", required=True),
            _header("Location", "The new upload's address", response=[201]),
            EXPIRES_ANSWER, TUS_ANSWER, TUS_VERSION_ANSWER],
        responses={201: UploadSerializer, **_problems(400, 412, 413)})
    def post(self, request):
        """Start an upload of a media file for a title: the same permission and size
        limit as the media page, checked now. Send the bytes with PATCH to
        ``Location``."""
        self.check_tus_version(request)
        if "Upload-Defer-Length" in request.headers:
            raise TusProblem("malformed-request", _(
                "Give the file's size in Upload-Length: this server does not take uploads "
                "of a size told later."))
        length = _number(request, "Upload-Length")
        metadata = _metadata(request)
        title = _uploadable_title(request.user, metadata.get("title", ""))
        try:
            upload = upload_services.upload_create(
                user=request.user, title=title, length=length,
                filename=metadata.get("filename") or metadata.get("name", ""),
                language=metadata.get("language") or "ko",
                episode_label=metadata.get("episode", ""), sha256=metadata.get("sha256", ""))
        except DjangoValidationError as error:
            raise _refusal(error) from None
        response = Response(UploadSerializer(upload, context={"request": request}).data,
                            status=status.HTTP_201_CREATED,
                            headers=_expires(upload))
        response["Location"] = reverse("api:v1:upload-detail", args=[upload.pk],
                                       request=request)
        return response


class UploadDetailView(TusView):
    """One resumable upload: its offset, the next piece, its status, its abandonment."""

    schema_extra_methods = ("HEAD", "OPTIONS")
    # Pieces are many small writes: counted against API_UPLOAD_RATE, not API_WRITE_RATE.
    throttle_write_scope = "upload"

    def get_upload(self, request, pk) -> ResumableUpload:
        upload = upload_services.uploads_of(request.user).filter(pk=pk).first()
        if upload is None:
            raise NotFound(_("No such upload among yours."))
        return upload

    @_options_schema("uploads_detail_capabilities")
    def options(self, request, *args, **kwargs):
        """What the server supports, as at ``/uploads/``."""
        return self.capabilities()

    @extend_schema(
        operation_id="uploads_offset", tags=["uploads"], request=None, filters=False,
        parameters=[
            TUS_RESUMABLE, _header("Upload-Length", "The whole file's size", schema=SIZE,
                                   response=[200]),
            _header("Upload-Metadata", "The metadata given at creation", response=[200]),
            _header("Cache-Control", "no-store", response=[200]),
            OFFSET_ANSWER, EXPIRES_ANSWER, TUS_ANSWER, TUS_VERSION_ANSWER],
        responses={200: OpenApiResponse(description="The offset, in the headers"),
                   **_problems(410, 412)})
    def head(self, request, pk):
        """How many bytes the server has: resume from ``Upload-Offset``."""
        upload = self.get_upload(request, pk)
        self.check_tus_version(request)
        if upload_services.upload_is_expired(upload):
            raise _refusal(DjangoValidationError(_("This upload expired; start a new one."),
                                                 code="expired"))
        response = HttpResponse(status=status.HTTP_200_OK)
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Length"] = str(upload.length)
        response["Upload-Metadata"] = _encoded_metadata(upload)
        response["Cache-Control"] = "no-store"
        for name, value in _expires(upload).items():
            response[name] = value
        return response

    @extend_schema(operation_id="uploads_retrieve", tags=["uploads"], filters=False,
                   parameters=[TUS_ANSWER], responses={200: UploadSerializer})
    def get(self, request, pk):
        """The upload's status: its offset, and once complete the media file and its
        transcription job (failed: why)."""
        upload = self.get_upload(request, pk)
        return Response(UploadSerializer(upload, context={"request": request}).data)

    @extend_schema(
        operation_id="uploads_append", tags=["uploads"], filters=False,
        request={OFFSET_OCTET_STREAM: OpenApiTypes.BINARY},
        parameters=[
            TUS_RESUMABLE,
            _header("Upload-Offset", "Where this piece starts: the upload's offset",
                    required=True, schema=SIZE),
            _header("Upload-Checksum", "`sha1`, `sha256` or `md5`, a space and the base64 "
                    "digest of this piece's bytes"),
            OFFSET_ANSWER, EXPIRES_ANSWER, TUS_ANSWER, TUS_VERSION_ANSWER],
        responses={204: OpenApiResponse(description="The piece was kept; Upload-Offset is "
                                                    "the new offset"),
                   **_problems(400, 409, 410, 412, 413, 415, 422, 460)})
    def patch(self, request, pk):
        """Append a piece at ``Upload-Offset``. The last piece completes the upload: the
        file is checked (its SHA-256, if announced), taken in and its transcription
        queued; if it is refused, the answer is 422 and the upload failed."""
        upload = self.get_upload(request, pk)
        self.check_tus_version(request)
        content_type = request.content_type.split(";")[0].strip().lower()
        if content_type != OFFSET_OCTET_STREAM:
            raise TusProblem("unsupported-media-type", _(
                "Send the bytes as %(type)s.") % {"type": OFFSET_OCTET_STREAM})
        offset = _number(request, "Upload-Offset")
        length = _number(request, "Content-Length", required=False)
        if length is None and "Transfer-Encoding" in request.headers:
            raise TusProblem("malformed-request", _(
                "Send each piece with its Content-Length (not in chunked encoding)."))
        try:
            upload = upload_services.upload_append(
                upload=upload, offset=offset, stream=request.stream or _Empty(),
                length=length or 0, checksum=request.headers.get("Upload-Checksum", ""))
        except DjangoValidationError as error:
            raise _refusal(error, upload) from None
        headers = {"Upload-Offset": str(upload.offset), **_expires(upload)}
        if upload.state == ResumableUpload.State.FAILED:
            raise TusProblem("upload-refused", upload.error, headers=headers)
        response = HttpResponse(status=status.HTTP_204_NO_CONTENT)
        for name, value in headers.items():
            response[name] = value
        return response

    @extend_schema(operation_id="uploads_destroy", tags=["uploads"], filters=False,
                   parameters=[TUS_RESUMABLE, TUS_ANSWER, TUS_VERSION_ANSWER],
                   responses={204: OpenApiResponse(description="The upload and its bytes "
                                                               "are deleted"),
                              **_problems(409, 412)})
    def delete(self, request, pk):
        """Abandon the upload (tus termination): its bytes are deleted. A complete
        upload's media file and job stay."""
        upload = self.get_upload(request, pk)
        self.check_tus_version(request)
        try:
            upload_services.upload_terminate(upload=upload)
        except DjangoValidationError as error:
            raise _refusal(error, upload) from None
        return HttpResponse(status=status.HTTP_204_NO_CONTENT)


class _Empty:
    """The body of a request without one."""

    @staticmethod
    def read(size: int = -1) -> bytes:
        return b""


urlpatterns = [
    path("uploads/", UploadListView.as_view(), name="upload-list"),
    path("uploads/<uuid:pk>/", UploadDetailView.as_view(), name="upload-detail"),
]
