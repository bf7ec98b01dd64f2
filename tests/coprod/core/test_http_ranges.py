from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory

from coprod.core.http import ranged_file_response


class Stored:
    """A FieldFile-like object: name, size and storage."""

    def __init__(self, name: str, data: bytes):
        self.name = default_storage.save(name, ContentFile(data))
        self.storage = default_storage
        self.size = len(data)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_whole_file_and_ranges():
    stored = Stored("ranges/audio.bin", bytes(range(256)) * 10)
    factory = RequestFactory()
    whole = ranged_file_response(factory.get("/"), stored, "audio/wav")
    assert whole.status_code == 200 and body(whole) == bytes(range(256)) * 10
    assert whole["Accept-Ranges"] == "bytes"
    part = ranged_file_response(factory.get("/", HTTP_RANGE="bytes=10-19"), stored, "audio/wav")
    assert part.status_code == 206 and body(part) == bytes(range(10, 20))
    assert part["Content-Range"] == "bytes 10-19/2560"
    tail = ranged_file_response(factory.get("/", HTTP_RANGE="bytes=-6"), stored, "audio/wav")
    assert body(tail) == bytes(range(250, 256))
    beyond = ranged_file_response(factory.get("/", HTTP_RANGE="bytes=9999-"), stored,
                                  "audio/wav")
    assert beyond.status_code == 416 and beyond["Content-Range"] == "bytes */2560"
    named = ranged_file_response(factory.get("/"), stored, "audio/wav", filename="dub.wav",
                                 as_attachment=True)
    assert named["Content-Disposition"] == 'attachment; filename="dub.wav"'


def test_query_numbers_are_ascii_digits_that_fit_the_column():
    from coprod.core.http import query_whole_number

    assert query_whole_number("42") == 42
    assert query_whole_number("²") is None  # "²".isdigit() is true, int("²") fails
    assert query_whole_number("9" * 19, default=7) == 7  # past PostgreSQL bigint
    assert query_whole_number("1234567890", max_digits=9) is None
    assert query_whole_number("", default=3) == 3 and query_whole_number(None) is None
