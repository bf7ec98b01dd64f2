"""A partner studio's round trip through the platform's API, as the README describes:

1. register a webhook endpoint (this script runs the receiver and checks each signature);
2. upload a media file with the tus protocol (resumable, checksummed chunks);
3. wait for the ``job.finished`` webhook of its transcription;
4. ask for the Japanese translation, then wait for ``track.approved`` (the venture's
   translators and reviewers revise and approve it in the browser editor);
5. download the approved Japanese track as TTML;
6. request the delivery package, wait for ``package.ready`` and download it, checking its
   SHA-256.

Needs ``pip install tuspy==1.1.0`` (which brings ``requests``). Example::

    python docs/examples/partner_pipeline.py --api http://127.0.0.1:8000/api/v1 \\
        --token kip_... --title 3 --file episode-01.mp4 --out downloads \\
        --webhook-port 8765 --territory JP --media svod --start 2027-01-01

The receiver listens on ``--webhook-port``; ``--webhook-url`` is the address the platform
posts to (by default ``http://127.0.0.1:<port>/hooks``, which a platform on the same machine
reaches when ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` is on, as in development).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import queue
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import requests
from tusclient import client as tus
from tusclient.exceptions import TusUploadFailed

EVENTS = ["job.finished", "job.failed", "track.approved", "package.ready"]
SIGNATURE_TOLERANCE = 300  # seconds


def say(message: str) -> None:
    print(message, flush=True)


class WebhookReceiver:
    """An HTTP server on a thread that keeps every event whose signature is right."""

    def __init__(self, port: int):
        self.secret = ""
        self.events: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.signed(self.headers, body):
                    receiver.events.put(json.loads(body))
                    self.send_response(204)
                else:
                    self.send_response(401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("0.0.0.0", port), Handler)  # noqa: S104 (a receiver)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def signed(self, headers, body: bytes) -> bool:
        """``Webhook-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{body}">``, recent."""
        timestamp = headers.get("Webhook-Timestamp", "")
        if not self.secret or not timestamp.isdigit() \
                or abs(time.time() - int(timestamp)) > SIGNATURE_TOLERANCE:
            return False
        expected = hmac.new(self.secret.encode(), timestamp.encode() + b"." + body,
                            hashlib.sha256).hexdigest()
        return any(hmac.compare_digest(part.removeprefix("v1="), expected)
                   for part in headers.get("Webhook-Signature", "").replace(",", " ").split())

    def wait(self, matches, *, timeout: float, what: str) -> dict:
        """The first event (already received or to come) for which ``matches`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.seen:
                if matches(event):
                    self.seen.remove(event)
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit(f"No webhook for {what} after {timeout:.0f} s.")
            try:
                self.seen.append(self.events.get(timeout=left))
            except queue.Empty:
                continue


class Api:
    def __init__(self, base: str, token: str):
        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base}/{path.lstrip('/')}"

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        if method == "POST":  # a retried POST never starts the work twice
            kwargs.setdefault("headers", {})["Idempotency-Key"] = str(uuid.uuid4())
        response = self.session.request(method, self.url(path), timeout=60, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
                reason = problem.get("detail") or problem.get("title")
            except ValueError:
                reason = response.text[:500]
            raise SystemExit(f"{method} {path}: {response.status_code} {reason}")
        return response

    def download(self, path: str, target: Path) -> str:
        """Stream a download to ``target``; return its SHA-256."""
        digest = hashlib.sha256()
        with self.session.get(self.url(path), stream=True, timeout=60) as response:
            response.raise_for_status()
            with target.open("wb") as out:
                for block in response.iter_content(1024 * 1024):
                    digest.update(block)
                    out.write(block)
        return digest.hexdigest()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", required=True, help="e.g. https://kip.example.com/api/v1")
    parser.add_argument("--token", required=True, help="An API token with the write scope")
    parser.add_argument("--title", required=True, type=int, help="The title's id")
    parser.add_argument("--file", required=True, type=Path, help="The media file")
    parser.add_argument("--language", default="ko", help="The language spoken in it")
    parser.add_argument("--target", default="ja", help="The language to deliver")
    parser.add_argument("--out", type=Path, default=Path("downloads"))
    parser.add_argument("--webhook-port", type=int, default=8765)
    parser.add_argument("--webhook-url", default="", help="The address the platform posts to")
    parser.add_argument("--territory", default="JP")
    parser.add_argument("--media", default="svod", help="Media, separated by commas")
    parser.add_argument("--start", required=True, help="First day of the licence window")
    parser.add_argument("--last-day", default=None, help="Last day (default: open-ended)")
    parser.add_argument("--chunk-mib", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=3600,
                        help="Seconds to wait for each step")
    args = parser.parse_args(argv)
    api = Api(args.api, args.token)
    args.out.mkdir(parents=True, exist_ok=True)

    with WebhookReceiver(args.webhook_port) as receiver:
        hook_url = args.webhook_url or f"http://127.0.0.1:{receiver.port}/hooks"
        endpoint = api.call("POST", "webhooks/", json={"url": hook_url, "events": EVENTS}).json()
        receiver.secret = endpoint["secret"]
        say(f"Webhook endpoint {endpoint['id']} receives {', '.join(EVENTS)} at {hook_url}")
        try:
            return round_trip(api, receiver, args)
        finally:
            api.call("DELETE", f"webhooks/{endpoint['id']}/")


def round_trip(api: Api, receiver: WebhookReceiver, args) -> int:
    # 1. Upload (tus): a failed chunk is sent again; a broken connection resumes.
    uploads = tus.TusClient(api.url("uploads/"),
                            headers={"Authorization": api.session.headers["Authorization"]})
    uploader = uploads.uploader(
        str(args.file), chunk_size=args.chunk_mib * 1024 * 1024, upload_checksum=True,
        metadata={"filename": args.file.name, "title": str(args.title),
                  "language": args.language})
    try:
        uploader.upload()
    except TusUploadFailed as error:
        if uploader.url is None or error.status_code != 422:  # 422: the file was refused
            raise SystemExit(f"The upload failed: {error}") from None
    upload = api.call("GET", uploader.url).json()
    if upload["state"] != "complete":
        raise SystemExit(f"The upload was refused: {upload['error']}")
    job = upload["job"]
    say(f"Uploaded {args.file.name} ({upload['length']} bytes) as media {upload['media']}; "
        f"transcription job {job} is queued")

    # 2. The transcription.
    event = receiver.wait(lambda e: e["event"] in ("job.finished", "job.failed")
                          and e["data"]["kind"] == "transcription" and e["data"]["id"] == job,
                          timeout=args.timeout, what=f"job {job}")
    if event["event"] == "job.failed":
        raise SystemExit(f"Transcription failed: {event['data']['error']}")
    source = event["data"]["track"]
    say(f"Transcribed: track {source}")

    # 3. The translation, then people revise and approve it.
    [run] = api.call("POST", "translations/",
                     json={"track": source, "languages": [args.target]}).json()
    target = run["track"]
    say(f"WAITING FOR APPROVAL of track {target} ({args.target}): translators and reviewers "
        f"revise and approve it in the editor")
    receiver.wait(lambda e: e["event"] == "track.approved" and e["data"]["id"] == target,
                  timeout=args.timeout, what=f"the approval of track {target}")
    ttml = args.out / f"track-{target}.{args.target}.ttml"
    api.download(f"tracks/{target}/export/ttml/", ttml)
    say(f"Approved; saved {ttml}")

    # 4. The delivery package.
    package = api.call("POST", "packages/", json={
        "title": args.title, "language": args.target, "territory": args.territory,
        "media": args.media.split(","), "start": args.start, "last_day": args.last_day,
        "include_dub": False}).json()
    receiver.wait(lambda e: e["event"] == "package.ready" and e["data"]["id"] == package["id"],
                  timeout=args.timeout, what=f"package {package['id']}")
    package = api.call("GET", f"packages/{package['id']}/").json()
    archive = args.out / f"package-{package['id']}.zip"
    digest = api.download(package["download_url"], archive)
    if digest != package["sha256"]:
        raise SystemExit(f"{archive} does not match the package's SHA-256.")
    say(f"Package {package['id']} saved as {archive} (SHA-256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
