"""The container's health check, cheap enough to run every minute.

    healthcheck.py web           GET /healthz on this container's gunicorn
    healthcheck.py worker NODE   ping the Celery worker NODE through the broker

web: the request carries what a TLS-terminating proxy would send, since the production
settings redirect plain HTTP to HTTPS and refuse a host outside ALLOWED_HOSTS (which
therefore lists ``localhost``: infra/k8s/config.yaml). The Kubernetes probes send the
same headers (infra/k8s/web.yaml).

worker: NODE is the worker's ``-n`` name from infra/Procfile.production, with ``%h``
for this host (``gpu@%h``), expanded as the worker expands it. Only Celery is imported,
not Django or the platform's tasks, so a check costs a fraction of
``celery -A config inspect ping``. The worker's main process answers while its pool runs
a task, so a four-hour transcription keeps it healthy; a consumer that stopped reading
the broker does not answer. A broker that cannot be reached counts as healthy: restarting
the worker would not bring the broker back and would end the task it is running, and
Celery reconnects by itself.

Exit status 0: healthy; 1: not (the reason on stderr).
"""

from __future__ import annotations

import http.client
import os
import sys

# Host: a name in ALLOWED_HOSTS; X-Forwarded-Proto: SECURE_PROXY_SSL_HEADER's default.
PROBE_HEADERS = {"Host": "localhost", "X-Forwarded-Proto": "https"}
PROBE_PATH = "/healthz"
TIMEOUT_SECONDS = 10.0


def web_answers(*, port: int, timeout: float = TIMEOUT_SECONDS) -> tuple[bool, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", PROBE_PATH, headers=PROBE_HEADERS)
        response = connection.getresponse()
    except OSError as error:
        return False, f"web: no answer on port {port}: {error}"
    finally:
        connection.close()
    if response.status != 200:
        return False, f"web: {PROBE_PATH} answered {response.status} {response.reason}"
    return True, "web: ok"


def worker_answers(node_template: str, *, broker_url: str,
                   timeout: float = TIMEOUT_SECONDS) -> tuple[bool, str]:
    from celery import Celery
    from celery.utils.nodenames import host_format
    from kombu.exceptions import OperationalError

    node = host_format(node_template)
    app = Celery("healthcheck", broker=broker_url, set_as_current=False)
    app.conf.broker_connection_timeout = timeout
    with app.connection_for_write() as connection:
        try:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
        except (OperationalError, OSError) as error:
            return True, f"worker {node}: broker unreachable ({error}); not the worker's fault"
        replies = app.control.ping(destination=[node], timeout=timeout,
                                   connection=connection)
    if any(node in reply for reply in replies):
        return True, f"worker {node}: pong"
    return False, f"worker {node}: no answer to a ping within {timeout:g} s"


def main(argv: list[str]) -> int:
    if argv[1:2] == ["web"] and len(argv) == 2:
        healthy, message = web_answers(port=int(os.environ.get("PORT") or 8000))
    elif argv[1:2] == ["worker"] and len(argv) == 3:
        broker_url = os.environ.get("CELERY_BROKER_URL", "")
        if not broker_url:
            print("worker: CELERY_BROKER_URL is not set", file=sys.stderr)
            return 1
        healthy, message = worker_answers(argv[2], broker_url=broker_url)
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    print(message, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
