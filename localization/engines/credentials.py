"""Content Credentials (C2PA) over the reference implementation, c2pa-python: sign a file
with a manifest (embedded in WAV, M4A and ZIP; a sidecar ``.c2pa`` for the formats that
cannot hold one, such as subtitles), read a manifest back and check its signature and
hashes, and make a development certificate.

Data in, data out: the callers build the manifest definitions from the platform's records
(``localization.credentials``); this module knows files, certificates and the library.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# The IPTC digital source types the manifests use (https://cv.iptc.org/newscodes/
# digitalsourcetype/): made by a trained model, a person's edits of it, a person's work.
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = IPTC + "trainedAlgorithmicMedia"
COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA = IPTC + "compositeWithTrainedAlgorithmicMedia"
HUMAN_EDITS = IPTC + "humanEdits"
DIGITAL_CREATION = IPTC + "digitalCreation"

# Formats that carry their manifest inside the file; every other file gets a sidecar.
EMBEDDING_TYPES = {".wav": "audio/wav", ".m4a": "audio/mp4", ".mp4": "video/mp4",
                   ".zip": "application/x-zip"}
SIDECAR_SUFFIX = ".c2pa"
# Development certificates say so in their organisation; verification reports it.
DEVELOPMENT_ORGANISATION = "KIP platform development signer (not for delivery)"


class CredentialsError(Exception):
    """Signing or reading failed; the message says why."""


@dataclass(frozen=True)
class SigningIdentity:
    """The venture's certificate chain (signer first) and private key, PEM."""

    certificate_chain: bytes
    private_key: bytes
    algorithm: str = "es256"
    timestamp_url: str = ""

    def subject(self) -> dict:
        """The signing certificate's names and validity, for the status page."""
        try:
            certificate = x509.load_pem_x509_certificates(self.certificate_chain)[0]
        except ValueError as error:
            raise CredentialsError(f"The signing certificate is not PEM: {error}") from error
        organisation = _name(certificate.subject, NameOID.ORGANIZATION_NAME)
        return {"common_name": _name(certificate.subject, NameOID.COMMON_NAME),
                "organisation": organisation,
                "issuer": _name(certificate.issuer, NameOID.COMMON_NAME),
                "not_after": certificate.not_valid_after_utc.isoformat(),
                "development": organisation == DEVELOPMENT_ORGANISATION}

    def signer(self) -> c2pa.Signer:
        try:
            info = c2pa.C2paSignerInfo(
                alg=self.algorithm.encode(), sign_cert=self.certificate_chain,
                private_key=self.private_key,
                ta_url=self.timestamp_url.encode() if self.timestamp_url else None)
            return c2pa.Signer.from_info(info)
        except c2pa.C2paError as error:
            raise CredentialsError(f"The signing certificate or key was refused: {error}") \
                from error


def _name(name: x509.Name, oid) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def media_type(path: str | Path) -> str | None:
    """The C2PA format of a file that embeds its manifest, or None (it takes a sidecar)."""
    return EMBEDDING_TYPES.get(Path(path).suffix.lower())


def sign_embedded(identity: SigningIdentity, path: Path, manifest: dict) -> dict:
    """Sign ``path`` in place: its manifest is embedded and bound to its bytes."""
    mime = media_type(path)
    if mime is None:
        raise CredentialsError(f"{path.name} cannot embed a manifest; sign a sidecar.")
    folder = path.parent
    with tempfile.NamedTemporaryFile(dir=folder, suffix=path.suffix, delete=False) as signed:
        try:
            with path.open("rb") as source:
                _sign(identity, manifest, mime, source, signed)
            signed.flush()
            os.fsync(signed.fileno())
        except BaseException:
            Path(signed.name).unlink(missing_ok=True)
            raise
    shutil.move(signed.name, path)
    with path.open("rb") as stream:
        return read(stream, mime).summary()


def sign_sidecar(identity: SigningIdentity, stream: BinaryIO, manifest: dict,
                 mime: str = "application/octet-stream") -> bytes:
    """A manifest store bound to the bytes of ``stream`` (read, not changed), to keep
    next to the file as ``NAME.c2pa``."""
    builder = _builder(manifest)
    builder.set_no_embed()
    try:
        return builder.sign(identity.signer(), mime, stream, io.BytesIO())
    except c2pa.C2paError as error:
        raise CredentialsError(f"Signing failed: {error}") from error


def _builder(manifest: dict) -> c2pa.Builder:
    try:
        return c2pa.Builder(json.dumps(manifest))
    except c2pa.C2paError as error:
        raise CredentialsError(f"The manifest was refused: {error}") from error


def _sign(identity: SigningIdentity, manifest: dict, mime: str, source: BinaryIO,
          destination: BinaryIO) -> None:
    try:
        _builder(manifest).sign(identity.signer(), mime, source, destination)
    except c2pa.C2paError as error:
        raise CredentialsError(f"Signing failed: {error}") from error


# --- reading and verifying ----------------------------------------------------------------


@dataclass
class Verification:
    """What a file's Content Credentials say, and whether they hold.

    ``state`` is the library's: "Trusted" (signature and hashes hold, and the signer chains
    to a trust anchor), "Valid" (they hold; the signer is not on the trust list), "Invalid"
    (something does not hold: ``failures`` say what), or "Missing" (no manifest)."""

    state: str
    failures: list[dict] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    embedded: bool = True

    @property
    def intact(self) -> bool:
        """The signature and every hash hold (trusted or not)."""
        return self.state in ("Trusted", "Valid") and not self._integrity_failures()

    @property
    def trusted(self) -> bool:
        return self.state == "Trusted"

    def _integrity_failures(self) -> list[dict]:
        return [failure for failure in self.failures
                if failure["code"] != "signingCredential.untrusted"]

    @property
    def signer(self) -> dict:
        info = self.manifest.get("signature_info") or {}
        return {"issuer": info.get("issuer", ""), "common_name": info.get("common_name", ""),
                "time": info.get("time", ""), "algorithm": info.get("alg", ""),
                "development": info.get("issuer", "") == DEVELOPMENT_ORGANISATION}

    def assertion(self, label: str) -> dict | None:
        for assertion in self.manifest.get("assertions", []):
            if assertion.get("label") == label:
                return assertion.get("data")
        return None

    @property
    def actions(self) -> list[dict]:
        data = self.assertion("c2pa.actions.v2") or self.assertion("c2pa.actions") or {}
        return list(data.get("actions", []))

    def summary(self) -> dict:
        return {"state": self.state, "intact": self.intact, "trusted": self.trusted,
                "label": self.manifest.get("label", ""), "signer": self.signer,
                "failures": self.failures, "embedded": self.embedded}


def read(stream: BinaryIO, mime: str, sidecar: bytes | None = None,
         trust_anchors: bytes | None = None) -> Verification:
    """Read and check the manifest of ``stream`` (embedded, or ``sidecar``)."""
    settings: dict = {"verify": {"verify_trust": bool(trust_anchors)}}
    if trust_anchors:
        settings["trust"] = {"trust_anchors": trust_anchors.decode()}
    try:
        context = c2pa.Context(c2pa.Settings.from_dict(settings))
        reader = c2pa.Reader(mime, stream, sidecar, context=context)
        results = reader.get_validation_results() or {}
        active = results.get("activeManifest") or {}
        failures = [{"code": item.get("code", ""), "explanation": item.get("explanation", "")}
                    for item in active.get("failure", [])]
        return Verification(state=reader.get_validation_state() or "Invalid",
                            failures=failures, manifest=reader.get_active_manifest() or {},
                            embedded=sidecar is None)
    except c2pa.C2paError.ManifestNotFound:
        return Verification(state="Missing", embedded=sidecar is None)
    except c2pa.C2paError as error:
        return Verification(state="Invalid", failures=[{"code": "unreadable",
                                                        "explanation": str(error)}],
                            embedded=sidecar is None)


# --- development certificates ---------------------------------------------------------------


def development_identity_write(folder: Path) -> tuple[Path, Path, Path]:
    """A development root and signing certificate in ``folder`` (chain, key, root), made
    once: an existing set is kept. Labelled as development in the organisation name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / "dev-signer-chain.pem", folder / "dev-signer-key.pem",
             folder / "dev-root.pem")
    # One process makes the set; the others wait for it and use the same one.
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not all(path.exists() for path in paths):
            _development_identity_make(*paths)
    return paths


def _development_identity_make(chain_path: Path, key_path: Path, root_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)

    def name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                             DEVELOPMENT_ORGANISATION)])

    def usage(**allowed) -> x509.KeyUsage:
        flags = dict.fromkeys(("digital_signature", "content_commitment", "key_encipherment",
                               "data_encipherment", "key_agreement", "key_cert_sign",
                               "crl_sign", "encipher_only", "decipher_only"), False)
        return x509.KeyUsage(**{**flags, **allowed})

    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(name("KIP development root"))
            .issuer_name(name("KIP development root")).public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()),
                           critical=False)
            .sign(root_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(name("KIP development signer"))
            .issuer_name(root.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    # Written beside and renamed into place, so two processes never read half a file.
    for path, content in (
            (key_path, key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())),
            (chain_path, leaf.public_bytes(pem) + root.public_bytes(pem)),
            (root_path, root.public_bytes(pem))):
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(content)
        partial.chmod(0o600)
        partial.replace(path)
