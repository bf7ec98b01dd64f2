"""Serving stored media with HTTP Range support, and reading numbers from query strings."""

import re

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from coprod.core.storage import stored_chunks

RANGE_CHUNK = 1024 * 1024
# Digits of the largest whole number a query parameter may carry (PostgreSQL bigint).
BIGINT_DIGITS = 18
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def query_whole_number(value: str | None, default: int | None = None, *,
                       max_digits: int = BIGINT_DIGITS) -> int | None:
    """A whole number from a query parameter, or ``default`` for anything else: only ASCII
    digits count (``"²".isdigit()`` is true, but ``int("²")`` fails), and at most
    ``max_digits`` of them, so the number fits the column it is compared with."""
    if value and value.isascii() and value.isdigit() and len(value) <= max_digits:
        return int(value)
    return default


def ranged_file_response(request, storage_file, content_type: str,
                         *, filename: str = "", as_attachment: bool = False):
    """Serve a file from Django storage, answering HTTP Range requests with 206 so that
    audio and video players can seek. The bytes stream from the storage as they are sent
    (on S3, one ranged GET per request): the caller has checked the permission, and no
    bucket address is ever handed out."""
    size = storage_file.size
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if match and (match.group(1) or match.group(2)):
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:  # "bytes=-500": the last 500 bytes
            start, end = max(size - int(last), 0), size - 1
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        response = StreamingHttpResponse(_read_range(storage_file, start, end), status=206,
                                         content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = StreamingHttpResponse(_read_range(storage_file, 0, size - 1),
                                         content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    if filename:
        # Non-ASCII names (Korean titles, documents) go as RFC 6266 filename*.
        response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return response


def _read_range(storage_file, start: int, end: int):
    return stored_chunks(storage_file.storage, storage_file.name, start=start, end=end,
                         chunk_size=RANGE_CHUNK)
