import pytest

from tests.api.test_uploads import queued  # noqa: F401 (the tasks queued, none run)
from tests.storage.s3 import moto_server, new_bucket, use_bucket


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """One S3-compatible server for the session; each test gets its own bucket."""
    with moto_server(tmp_path_factory.mktemp("s3") / "server.log") as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch, tmp_path):
    """This test's files go to a new bucket on the S3 server; nothing under MEDIA_ROOT."""
    created = new_bucket(s3_endpoint)
    use_bucket(created, settings=settings, monkeypatch=monkeypatch,
               media_root=tmp_path / "media")
    return created
