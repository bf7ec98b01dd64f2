"""A real S3-compatible server for the object-storage tests: moto's server mode in a
child process on 127.0.0.1, so that the bytes cross HTTP as they would to AWS S3, MinIO
or Ceph, and the test process's memory holds only what the platform itself holds."""

from __future__ import annotations

import contextlib
import select
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3

REGION = "us-east-1"
ACCESS_KEY = "kip-test-access-key"
SECRET_KEY = "kip-test-secret-key"
# The smallest part S3 takes: a 12 MiB file moves in three parts.
PART_MB = 5

# Prints the port the server took (0: any free one), then serves until stdin closes, so
# the server ends with the test run even when that run is killed.
_SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address=sys.argv[1], port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


@contextlib.contextmanager
def moto_server(log_path: Path, host: str = "127.0.0.1") -> Iterator[str]:
    """Start the server on ``host``; yield its endpoint URL."""
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-c", _SERVER, host],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
    try:
        started, _, _ = select.select([process.stdout], [], [], 120)
        port = process.stdout.readline().strip() if started else b""
        if not port.isdigit():
            raise RuntimeError(f"the S3 server did not start:\n{log_path.read_text()}")
        yield f"http://{host}:{int(port)}"
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Bucket:
    name: str
    endpoint: str

    @property
    def environment(self) -> dict[str, str]:
        """The variables that put a process's stored files in this bucket."""
        return {"STORAGE_BACKEND": "s3", "S3_BUCKET": self.name,
                "S3_ENDPOINT_URL": self.endpoint, "S3_REGION": REGION,
                "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY,
                "S3_ADDRESSING_STYLE": "path", "S3_MULTIPART_THRESHOLD_MB": str(PART_MB),
                "S3_MULTIPART_CHUNK_MB": str(PART_MB)}

    @property
    def client(self):
        return s3_client(self.endpoint)

    def object_keys(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(entry["Key"] for page in pages for entry in page.get("Contents", ()))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)


def new_bucket(endpoint: str) -> Bucket:
    bucket = Bucket(f"kip-test-{uuid.uuid4().hex[:12]}", endpoint)
    s3_client(endpoint).create_bucket(Bucket=bucket.name)
    return bucket


def use_bucket(bucket: Bucket, *, settings, monkeypatch, media_root: Path) -> None:
    """Store this process's files in ``bucket``, configured as a deployment would be
    (the S3_* variables read by the settings), with MEDIA_ROOT pointed at a folder that
    must stay empty."""
    from config.environment import s3_storage_options

    for variable, value in bucket.environment.items():
        monkeypatch.setenv(variable, value)
    settings.MEDIA_ROOT = str(media_root)
    # Sends setting_changed: Django drops its cached storages, default_storage included.
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_storage_options(spool_bytes=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)}}


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []
