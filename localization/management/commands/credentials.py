"""Content Credentials (C2PA) from the command line.

    manage.py credentials verify FILE [--sidecar FILE.c2pa] [--json]
    manage.py credentials status
    manage.py credentials devcert [--folder DIR]

``verify`` reads a file's manifest (embedded, or the sidecar beside it), checks the
signature and the hashes with the C2PA library and prints who made what; it exits with 1
when the file fails verification and 2 when it carries no Content Credentials.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from localization.credentials import services as credentials
from localization.engines import credentials as c2pa_engine


class Command(BaseCommand):
    help = "Verify a file's Content Credentials, show the signer, or make a development one."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        verify = commands.add_parser("verify", help="check a file's Content Credentials")
        verify.add_argument("file")
        verify.add_argument("--sidecar", help="the manifest store beside the file (.c2pa); "
                            "by default FILE.c2pa when it exists")
        verify.add_argument("--json", action="store_true", help="print the whole manifest")
        commands.add_parser("status", help="the configured signing certificate")
        devcert = commands.add_parser("devcert", help="make the development certificate")
        devcert.add_argument("--folder", help="where (default: beside C2PA_CERT_FILE)")

    def handle(self, *args, command: str, **options):
        getattr(self, f"_{command}")(**options)

    def _verify(self, *, file: str, sidecar: str | None, json: bool, **_options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        side = None
        if sidecar:
            try:
                side = Path(sidecar).read_bytes()
            except OSError as error:
                raise CommandError(f"The sidecar cannot be read: {error}") from error
        result = credentials.file_verify(path, sidecar=side)
        check = result.verification
        if json:
            self.stdout.write(_json(check.manifest))
        self.stdout.write(f"{result.name}: {check.state}"
                          + (" (manifest embedded)" if check.embedded else " (sidecar)"))
        for failure in check.failures:
            self.stdout.write(f"  failure {failure['code']}: {failure['explanation']}")
        if check.manifest:
            signer = check.signer
            self.stdout.write(f"  signed by {signer['common_name']} — {signer['issuer']}"
                              + (" [development certificate: not for delivery]"
                                 if signer["development"] else ""))
            disclosure = result.provenance.get("disclosure", {})
            for part in ("speech", "words"):
                if part in disclosure:
                    self.stdout.write(f"  {part}: {disclosure[part]['label']}")
            for model in result.provenance.get("models", []):
                self.stdout.write(f"  model ({model['role']}): {model['name']} "
                                  f"{model['version']} — {model['licence'] or 'no licence'} "
                                  f"— sha256 {model['sha256']}")
            for line in result.who_made_what():
                self.stdout.write(f"  - {line}")
        if check.state == "Missing":
            raise CommandError("No Content Credentials found.", returncode=2)
        if not check.intact:
            raise CommandError("Verification failed.", returncode=1)

    def _status(self, **_options) -> None:
        status = credentials.signer_status()
        if not status["configured"]:
            raise CommandError(status["problem"])
        self.stdout.write(f"Signing as {status['common_name']} ({status['organisation']}), "
                          f"issued by {status['issuer']}, valid until {status['not_after']}"
                          + (" — development certificate, not for delivery"
                             if status["development"] else ""))

    def _devcert(self, *, folder: str | None, **_options) -> None:
        target = Path(folder) if folder else (Path(settings.C2PA_CERT_FILE).parent
                                              if settings.C2PA_CERT_FILE else None)
        if target is None:
            raise CommandError("Name a --folder, or set C2PA_CERT_FILE.")
        chain, key, root = c2pa_engine.development_identity_write(target)
        self.stdout.write(f"Development certificate (not for delivery): {chain}\n"
                          f"  key: {key}\n  root to trust: {root}")


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
