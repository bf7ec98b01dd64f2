"""Uploads stop at the page's limit while the body arrives, and the refusal says the
sizes; nothing is stored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.agreements.models import AgreementDocument
from coprod.core import uploads
from coprod.core.uploads import too_large_message
from localization.media.models import MediaAsset
from tests.coprod.agreement_helpers import fifty_fifty
from tests.factories import TitleFactory

MiB = 1024**2


def test_the_message_shows_bytes_when_rounding_would_hide_the_difference():
    assert too_large_message(MiB + 1, MiB) == (
        "The file is 1,048,577 bytes; the largest accepted here is 1,048,576 bytes.")
    assert too_large_message(26 * MiB, 25 * MiB) == (
        "The file is 26.0 MiB; the largest accepted here is 25.0 MiB.")


class CountingStream(io.BytesIO):
    """A request body that counts how much of it the server read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


def posted(path: str, body: bytes) -> tuple[WSGIRequest, CountingStream]:
    stream = CountingStream(body)
    environ = RequestFactory()._base_environ(
        PATH_INFO=path, REQUEST_METHOD="POST", CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(len(body)))
    environ["wsgi.input"] = stream
    request = WSGIRequest(environ)
    request.POST  # noqa: B018 - parsing the body is the point
    return request, stream


def multipart(size: int) -> bytes:
    return encode_multipart(BOUNDARY, {"csrfmiddlewaretoken": "token", "file":
                                       SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * size)})


@pytest.mark.django_db
def test_reading_stops_at_the_limit_of_the_page(settings, monkeypatch):
    settings.MAX_DOCUMENT_SIZE = 1 * MiB
    path = reverse("agreements:add", args=[1, "document"])
    body = multipart(20 * MiB)
    # The length is announced: refused as the file starts, before its bytes are read.
    request, stream = posted(path, body)
    assert request.upload_refused.startswith("The file is more than 19.9 MiB")
    assert stream.taken < MiB and "file" not in request.FILES
    assert request.POST["csrfmiddlewaretoken"] == "token"  # the fields before it are kept
    # Past the announced length's check (as for a body that does not say its length):
    # the file's bytes are counted and reading stops at the limit.
    monkeypatch.setattr(uploads, "FORM_OVERHEAD", 100 * MiB)
    request, stream = posted(path, body)
    assert "largest accepted here is 1.0 MiB" in request.upload_refused
    assert stream.taken < 2 * MiB


@pytest.mark.django_db
def test_a_document_over_the_limit_gets_413_with_the_sizes_and_nothing_is_stored(client_for,
                                                                                 settings):
    settings.MAX_DOCUMENT_SIZE = 1 * MiB
    agreement, _sfr, _utopai = fifty_fifty(titles=[TitleFactory()])
    client, _user = client_for(Role.RIGHTS_MANAGER)
    response = client.post(reverse("agreements:add", args=[agreement.pk, "document"]), {
        "file": SimpleUploadedFile("scan.pdf", b"%PDF-" + b"x" * (3 * MiB))})
    assert response.status_code == 413
    assert "the largest accepted here is 1.0 MiB" in response.content.decode()
    assert not AgreementDocument.objects.exists()


@pytest.mark.django_db
def test_a_media_file_over_the_limit_gets_413(client_for, settings):
    settings.MEDIA_MAX_UPLOAD_SIZE = 1 * MiB
    title = TitleFactory()
    client, _user = client_for(Role.TRANSLATOR)
    response = client.post(reverse("localization:media-upload"), {
        "title": title.pk, "file": SimpleUploadedFile("film.mp4", b"\0" * (2 * MiB))})
    assert response.status_code == 413
    assert "File too large" in response.content.decode()
    assert not MediaAsset.objects.exists()
