"""STORAGE_BACKEND=s3 and the S3_* variables: what the storage gets, and bad values
stopping start-up with one clear line."""

import sys

import pytest

from config.environment import ConfigurationError, s3_storage_options
from tests.test_configuration import MANAGE, PRODUCTION, assert_one_clear_line, run

S3 = {"STORAGE_BACKEND": "s3", "S3_BUCKET": "kip-media"}


def options(monkeypatch, **environment):
    for variable in ("S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID",
                     "S3_SECRET_ACCESS_KEY", "S3_ADDRESSING_STYLE", "S3_PREFIX",
                     "S3_MULTIPART_THRESHOLD_MB", "S3_MULTIPART_CHUNK_MB",
                     "S3_URL_EXPIRY_SECONDS"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in {**S3, **environment}.items():
        monkeypatch.setenv(variable, value)
    return s3_storage_options(spool_bytes=10 * 1024**2)


def test_files_are_private_never_overwritten_and_move_in_parts(monkeypatch):
    chosen = options(monkeypatch, S3_ENDPOINT_URL="http://minio:9000", S3_REGION="ap-northeast-2",
                     S3_ACCESS_KEY_ID="key", S3_SECRET_ACCESS_KEY="secret",
                     S3_ADDRESSING_STYLE="path", S3_PREFIX="/kip/",
                     S3_MULTIPART_THRESHOLD_MB="32", S3_MULTIPART_CHUNK_MB="8")
    transfer = chosen.pop("transfer_config")
    assert chosen == {
        "bucket_name": "kip-media", "location": "kip", "addressing_style": "path",
        "signature_version": "s3v4", "default_acl": None, "file_overwrite": False,
        "querystring_auth": True, "querystring_expire": 300, "max_memory_size": 10 * 1024**2,
        "endpoint_url": "http://minio:9000", "region_name": "ap-northeast-2",
        "access_key": "key", "secret_key": "secret"}
    assert (transfer.multipart_threshold, transfer.multipart_chunksize) == (32 * 1024**2,
                                                                            8 * 1024**2)


def test_unset_credentials_are_left_to_boto3(monkeypatch):
    chosen = options(monkeypatch)
    assert not {"endpoint_url", "region_name", "access_key", "secret_key"} & set(chosen)
    assert chosen["addressing_style"] is None  # botocore chooses
    assert chosen["transfer_config"].multipart_chunksize == 16 * 1024**2


@pytest.mark.parametrize(("environment", "fragment"), [
    ({"S3_BUCKET": ""}, "needs S3_BUCKET"),
    ({"S3_ADDRESSING_STYLE": "dns"}, "S3_ADDRESSING_STYLE 'dns' is unknown"),
    ({"S3_MULTIPART_CHUNK_MB": "4"}, "at least 5"),
    ({"S3_MULTIPART_THRESHOLD_MB": "lots"}, "S3_MULTIPART_THRESHOLD_MB 'lots'"),
])
def test_bad_values_are_explained(monkeypatch, environment, fragment):
    with pytest.raises(ConfigurationError, match=fragment):
        options(monkeypatch, **environment)


def test_bad_storage_settings_stop_manage_py():
    assert_one_clear_line(run(MANAGE, STORAGE_BACKEND="gcs"), "STORAGE_BACKEND 'gcs'")
    assert_one_clear_line(run(MANAGE, STORAGE_BACKEND="s3"), "S3_BUCKET")


def test_production_keeps_the_s3_storage():
    script = ("from django.conf import settings as s; d = s.STORAGES['default']; "
              "print(d['BACKEND'], d['OPTIONS']['bucket_name'])")
    result = run([sys.executable, "-c", f"import django; django.setup(); {script}"],
                 **PRODUCTION, **S3)
    assert result.stdout.split() == ["storages.backends.s3.S3Storage", "kip-media"], \
        result.stderr
