import pytest


@pytest.fixture
def shared_media_storage(settings, tmp_path):
    """The test and the workers store media in the same folder (PLATFORM_DATA_DIR/media)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage"}}
