"""Upload size limits enforced while the body arrives, and refusals that say the sizes.

``SizeLimitUploadHandler`` (first in FILE_UPLOAD_HANDLERS) knows the limit of the page
being posted to (UPLOAD_LIMITS, by URL name; MAX_UPLOAD_SIZE elsewhere). It refuses a
request whose announced length is already too large as soon as its first file starts,
and any file the moment its bytes pass the limit, without reading the rest of the body:
a 60 MB document for a 25 MB limit is refused after 25 MB, not after 60. The form
fields before the file (the CSRF token among them) are kept, nothing is stored, and
``UploadLimitMiddleware`` answers 413 with the sizes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from coprod.api.problems import is_api_request, problem_response

# Room for the form's other fields and the multipart boundaries around one file.
FORM_OVERHEAD = 64 * 1024


def size_text(size: int, *, exact: bool = False) -> str:
    """A file size for people (``1.5 MiB``), or in bytes when ``exact``."""
    if exact:
        return _("%(bytes)s bytes") % {"bytes": f"{size:,}"}
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def too_large_message(size: int, limit: int, *, at_least: bool = False) -> str:
    """"The file is 26.2 MiB; the largest accepted here is 25.0 MiB.", in bytes when
    rounding would make the two look alike."""
    exact = size_text(size) == size_text(limit)
    values = {"size": size_text(size, exact=exact), "limit": size_text(limit, exact=exact)}
    if at_least:
        return _("The file is more than %(size)s; the largest accepted here is %(limit)s.") \
            % values
    return _("The file is %(size)s; the largest accepted here is %(limit)s.") % values


def upload_limit(request) -> int:
    """The largest file the page being posted to accepts, in bytes."""
    try:
        name = resolve(request.path_info).view_name
    except Resolver404:
        name = ""
    setting = settings.UPLOAD_LIMITS.get(name)
    limit = getattr(settings, setting) if setting else settings.MAX_UPLOAD_SIZE
    return min(limit, settings.MAX_UPLOAD_SIZE)


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading the body at the page's limit (see the module's docstring)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limit = upload_limit(self.request)
        self.body_length = content_length or 0
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        if self.body_length > self.limit + FORM_OVERHEAD:
            self._refuse(too_large_message(self.body_length - FORM_OVERHEAD, self.limit,
                                           at_least=True))

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse(too_large_message(self.received, self.limit, at_least=True))
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self, message: str):
        self.request.upload_refused = message
        raise StopUpload(connection_reset=True)


class UploadLimitMiddleware:
    """Answer 413 with the sizes when the upload handler stopped an upload (placed before
    the CSRF middleware, whose token check is what first reads the body): a page, or under
    /api/ a problem (``payload-too-large``) like every API error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        refused = getattr(request, "upload_refused", "")
        if refused and is_api_request(request):
            response = problem_response(request, "payload-too-large", detail=refused)
        elif refused:
            response = render(request, "413.html", {"reason": refused}, status=413)
        return response
