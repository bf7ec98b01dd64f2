"""Content Credentials on what the pipeline delivers: every dub file (WAV, M4A) carries a
signed C2PA manifest, and every delivery package carries one per subtitle file (a
``.c2pa`` sidecar inside the ZIP) and one for the ZIP itself (a sidecar beside it).

A manifest says what a machine made and what a person wrote or approved (the
``c2pa.actions.v2`` assertion with IPTC digital source types, and the platform's own
provenance assertion, ``PROVENANCE_LABEL``: the disclosure cue by cue, the models with
their version, SHA-256 and licence, the agreements that cleared them, the voice consents
and who approved the track). Verification reads it back with the same library.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from coprod.core.storage import field_local_copy
from coprod.registry.gate import ModelNotApproved, model_use_check
from coprod.registry.models import AIModel
from localization.engines import credentials as c2pa_engine
from localization.engines.credentials import (
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    DIGITAL_CREATION,
    HUMAN_EDITS,
    SIDECAR_SUFFIX,
    TRAINED_ALGORITHMIC_MEDIA,
    CredentialsError,
    SigningIdentity,
    Verification,
)
from localization.subtitles.disclosure import MEMORY_ENGINE, Origin, track_disclosure
from localization.subtitles.models import SubtitleTrack

PROVENANCE_LABEL = "org.kipplatform.provenance"
SPEECH_DISCLOSURE = "Machine-made: synthetic speech by the voices listed"

__all__ = ["CredentialsError", "PROVENANCE_LABEL", "Verification"]


# --- the venture's signing identity -----------------------------------------------------------


def signing_identity() -> SigningIdentity | None:
    """The configured certificate and key, or None when signing is not set up. Local and
    test settings make a development certificate the first time one is needed."""
    cert, key = settings.C2PA_CERT_FILE, settings.C2PA_KEY_FILE
    if not cert or not key:
        return None
    cert_path, key_path = Path(cert), Path(key)
    if getattr(settings, "C2PA_DEVELOPMENT_IDENTITY", False) and not (
            cert_path.exists() and key_path.exists()):
        c2pa_engine.development_identity_write(cert_path.parent)
    try:
        return SigningIdentity(certificate_chain=cert_path.read_bytes(),
                               private_key=key_path.read_bytes(),
                               algorithm=settings.C2PA_SIGNING_ALG,
                               timestamp_url=settings.C2PA_TSA_URL)
    except OSError as error:
        raise CredentialsError(_("The signing certificate or key cannot be read: %(error)s")
                               % {"error": error}) from error


def trust_anchors() -> bytes | None:
    path = settings.C2PA_TRUST_ANCHORS_FILE
    if not path:
        return None
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def signer_status() -> dict:
    """For the system status page: is signing set up, with which certificate."""
    try:
        identity = signing_identity()
        if identity is None:
            return {"configured": False, "problem": _(
                "No signing certificate is configured (C2PA_CERT_FILE and C2PA_KEY_FILE): "
                "dubs and packages are delivered without Content Credentials.")}
        return {"configured": True, **identity.subject()}
    except CredentialsError as error:
        return {"configured": False, "problem": str(error)}


def _generator() -> list[dict]:
    try:
        platform_version = version("kip-platform")
    except PackageNotFoundError:
        platform_version = "0"
    return [{"name": "KIP localization platform", "version": platform_version}]


# --- what the manifests say ---------------------------------------------------------------------


def _model(sha256: str, role: str, **extra) -> dict:
    entry = AIModel.objects.filter(sha256=sha256).first() if sha256 else None
    name = extra.pop("name", "")
    return {"role": role, "name": entry.name if entry else name,
            "version": entry.version if entry else "", "sha256": sha256,
            "licence": entry.licence if entry else "",
            "kind": entry.get_kind_display() if entry else "", **extra}


def _person(user, at=None) -> dict | None:
    if user is None:
        return None
    person = {"username": user.get_username(), "name": user.get_full_name()}
    if at is not None:
        person["at"] = at.isoformat()
    return person


def track_models(track: SubtitleTrack) -> list[dict]:
    """The models whose output the track's words are: the speech recognition of its
    Korean source and the translation models of its cues."""
    models = []
    source = track.source_track or (track if track.source == SubtitleTrack.Source.
                                    SPEECH_RECOGNITION else None)
    if source is not None and source.asr_model_sha256:
        models.append(_model(source.asr_model_sha256, "speech recognition",
                             name=source.asr_model_name))
    engines = (track.cues.exclude(engine__in=["", MEMORY_ENGINE])
               .values_list("engine", "model_name", "model_sha256").distinct())
    for engine, model_name, sha256 in sorted(engines):
        models.append(_model(sha256, "translation", name=model_name, engine=engine))
    return models


def _track_provenance(track: SubtitleTrack, disclosure) -> dict:
    return {
        "title": {"id": track.title_id, "original": track.title.original_title,
                  "romanized": track.title.romanized_title},
        "track": {"id": track.pk, "language": track.language, "version": track.version,
                  "source": track.source},
        "disclosure": {"words": disclosure.as_dict()},
        "approved_by": _person(track.approved_by, track.locked_at),
        "reviewer": _person(track.reviewer),
        "translator": _person(track.translator),
    }


def _word_actions(track: SubtitleTrack, disclosure, models: list[dict]) -> list[dict]:
    """The c2pa actions that made the track's words: created (by speech recognition, or by
    people), translated by each machine translation model, edited by people."""
    recognition = [model for model in models if model["role"] == "speech recognition"]
    translators = [model for model in models if model["role"] == "translation"]
    counts = disclosure.counts
    source_type = {Origin.MACHINE: TRAINED_ALGORITHMIC_MEDIA,
                   Origin.MACHINE_REVISED: COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
                   Origin.HUMAN: DIGITAL_CREATION}[disclosure.origin]
    created = {"action": "c2pa.created", "digitalSourceType": source_type,
               "description": f"Subtitles in {track.language}: {disclosure.label}"}
    if recognition and disclosure.origin != Origin.HUMAN:
        model = recognition[0]
        created["softwareAgent"] = {"name": model["name"], "version": model["version"]}
        created["description"] += "; transcribed from the original audio by speech recognition"
    actions = [created]
    if disclosure.origin != Origin.HUMAN:
        for model in translators:
            actions.append({"action": "c2pa.translated",
                            "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                            "softwareAgent": {"name": model["name"],
                                              "version": model["version"]},
                            "parameters": {"sourceLanguage": "ko",
                                           "targetLanguage": track.language},
                            "description": f"Machine translated into {track.language}"})
    if counts.get(Origin.HUMAN) and disclosure.origin != Origin.HUMAN:
        actions.append({"action": "c2pa.edited", "digitalSourceType": DIGITAL_CREATION,
                        "description": f"{counts[Origin.HUMAN]} cues written by people"})
    if counts.get(Origin.MACHINE_REVISED):
        actions.append({"action": "c2pa.edited", "digitalSourceType": HUMAN_EDITS,
                        "description": f"{counts[Origin.MACHINE_REVISED]} machine-made cues "
                                       "revised by people"})
    return actions


def dub_manifest(dub, *, file_name: str, disclosure=None) -> dict:
    track = dub.track
    disclosure = disclosure or track_disclosure(track)
    voices = [_model(voice["model_sha256"], "voice", name=voice["model_name"],
                     speaker=speaker or None, voice=voice["key"], draft=voice["draft"],
                     agreement=voice["agreement"],
                     agreement_version=voice.get("agreement_version"),
                     consent=voice.get("consent"))
              for speaker, voice in sorted(dub.voices.items())]
    word_models = track_models(track)
    mixed = dub.duck_original and track.media_id is not None
    actions = [{"action": "c2pa.created",
                "digitalSourceType": (COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA if mixed
                                      else TRAINED_ALGORITHMIC_MEDIA),
                "softwareAgent": {"name": "KIP dubbing",
                                  "version": _generator()[0]["version"]},
                "description": "Speech synthesized from the approved subtitles by "
                               + ", ".join(sorted({voice["name"] for voice in voices}))
                               + ("; mixed over the original audio, ducked" if mixed else ""),
                "parameters": {"voices": [voice["voice"] for voice in voices]}}]
    provenance = {**_track_provenance(track, disclosure), "dub": dub.pk,
                  "models": [*voices, *word_models],
                  "agreements": _agreements(voices),
                  "consents": [voice["consent"] for voice in voices if voice.get("consent")]}
    provenance["disclosure"]["speech"] = {"origin": Origin.MACHINE,
                                          "label": SPEECH_DISCLOSURE}
    return _definition(file_name, actions, provenance)


def subtitle_manifest(track: SubtitleTrack, *, file_name: str, disclosure=None,
                      package=None) -> dict:
    disclosure = disclosure or track_disclosure(track)
    models = track_models(track)
    provenance = {**_track_provenance(track, disclosure), "models": models,
                  "agreements": _agreements(models_clearances(track, models))}
    if package is not None:
        provenance["package"] = package.pk
    return _definition(file_name, _word_actions(track, disclosure, models), provenance)


def package_manifest(package, manifest: dict, *, file_name: str, disclosure) -> dict:
    """The ZIP's manifest: what the package holds, made how, for whom."""
    machine = any(disclosure.counts.get(origin) for origin in (Origin.MACHINE,
                                                                Origin.MACHINE_REVISED))
    actions = [{"action": "c2pa.created",
                "digitalSourceType": (COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
                                      if machine or package.include_dub else
                                      DIGITAL_CREATION),
                "description": "Delivery package assembled from the approved track"
                               + (" and its dub" if package.include_dub else "")}]
    provenance = {
        "package": package.pk, "licensee": package.licensee.name,
        "territory": package.territory_expression, "media": package.media,
        "window": {"start": package.window_start.isoformat(),
                   "end": package.window_end.isoformat() if package.window_end else None},
        "rights": manifest.get("rights", {}),
        "agreements": manifest.get("agreements", []),
        "disclosure": {"words": disclosure.as_dict(),
                       **({"speech": {"origin": Origin.MACHINE, "label": SPEECH_DISCLOSURE}}
                          if package.include_dub else {})},
        "files": [{key: entry[key] for key in ("path", "sha256", "bytes", "credentials")
                   if key in entry} for entry in manifest.get("files", [])],
    }
    return _definition(file_name, actions, provenance)


def models_clearances(track: SubtitleTrack, models: list[dict]) -> list[dict]:
    """The agreements that clear ``models`` on the track's title, where they do."""
    cleared = []
    for model in models:
        if not model["sha256"]:
            continue
        try:
            clearance = model_use_check(title=track.title, sha256=model["sha256"])
        except ModelNotApproved:
            continue
        cleared.append({"agreement": clearance.agreement.reference,
                        "agreement_version": clearance.agreement_version})
    return cleared


def _agreements(entries: list[dict]) -> list[dict]:
    found = {(entry["agreement"], entry.get("agreement_version")) for entry in entries
             if entry.get("agreement")}
    return [{"reference": reference, "version": number}
            for reference, number in sorted(found, key=lambda item: (item[0], item[1] or 0))]


def _definition(file_name: str, actions: list[dict], provenance: dict) -> dict:
    return {"claim_generator_info": _generator(), "title": file_name,
            "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": actions}},
                           {"label": PROVENANCE_LABEL, "data": provenance}]}


# --- signing --------------------------------------------------------------------------------------


def unsigned(reason: str) -> dict:
    return {"signed": False, "reason": reason}


def files_sign(paths: list[Path], manifest_for) -> dict[str, dict]:
    """Embed a signed manifest in each file (``manifest_for(path)`` says what it holds).
    Returns file name -> what was signed, or an "unsigned" note for every file when no
    certificate is configured. CredentialsError when signing is set up and fails."""
    identity = signing_identity()
    if identity is None:
        return {path.name: unsigned(signer_status()["problem"]) for path in paths}
    return {path.name: {"signed": True, **c2pa_engine.sign_embedded(identity, path,
                                                                    manifest_for(path))}
            for path in paths}


def sidecar_sign(stream, manifest: dict, mime: str = "application/octet-stream"
                 ) -> bytes | None:
    """A sidecar manifest store for the stream's bytes, or None without a certificate."""
    identity = signing_identity()
    if identity is None:
        return None
    return c2pa_engine.sign_sidecar(identity, stream, manifest, mime)


# --- verification -----------------------------------------------------------------------------


@dataclass
class FileVerification:
    name: str
    verification: Verification

    @property
    def provenance(self) -> dict:
        return self.verification.assertion(PROVENANCE_LABEL) or {}

    def who_made_what(self) -> list[str]:
        """The actions in plain words: what a machine made, what people did."""
        lines = []
        for action in self.verification.actions:
            agent = action.get("softwareAgent") or {}
            if isinstance(agent, dict):
                agent = " ".join(filter(None, (agent.get("name"), agent.get("version"))))
            source = str(action.get("digitalSourceType", "")).rsplit("/", 1)[-1]
            parts = [action.get("action", "").removeprefix("c2pa."),
                     action.get("description", ""), f"({source})" if source else "",
                     f"— {agent}" if agent else ""]
            lines.append(" ".join(part for part in parts if part))
        approved = self.provenance.get("approved_by")
        if approved:
            lines.append(_("approved by %(person)s") % {
                "person": approved.get("name") or approved.get("username")})
        return lines


def file_verify(path: Path, *, sidecar: bytes | None = None,
                name: str | None = None) -> FileVerification:
    """Read and check the Content Credentials of a file on disk: in ``sidecar``, else in
    a ``NAME.c2pa`` beside it when there is one, else embedded in the file."""
    mime = c2pa_engine.media_type(path)
    if sidecar is None:
        beside = path.with_name(path.name + SIDECAR_SUFFIX)
        if beside.exists():
            sidecar = beside.read_bytes()
    if sidecar is not None:
        mime = None  # a sidecar binds the file's bytes as they are, whatever the format
    with path.open("rb") as stream:
        result = c2pa_engine.read(stream, mime or "application/octet-stream",
                                  sidecar=sidecar, trust_anchors=trust_anchors())
    return FileVerification(name=name or path.name, verification=result)


def dub_verify(dub) -> list[FileVerification]:
    results = []
    for field in (dub.wav, dub.aac):
        if not field:
            continue
        with field_local_copy(field) as path:
            results.append(file_verify(Path(path), name=Path(field.name).name))
    return results


def package_verify(package) -> list[FileVerification]:
    """The ZIP against its sidecar, then every file in it (dub files with their embedded
    manifests, subtitles with their sidecars in the ZIP)."""
    if not package.file:
        return []
    results = []
    zip_name = Path(package.file.name).name
    with field_local_copy(package.file) as path:
        sidecar = None
        if package.credentials_file:
            with package.credentials_file.open("rb") as stored:
                sidecar = stored.read()
        results.append(file_verify(Path(path), sidecar=sidecar, name=zip_name))
        with zipfile.ZipFile(path) as archive, \
                tempfile.TemporaryDirectory(prefix="verify-") as folder:
            names = set(archive.namelist())
            for number, name in enumerate(sorted(names)):
                if name.endswith(SIDECAR_SUFFIX) or name.endswith(".json"):
                    continue
                # Each file is checked from disk, one at a time: a feature's dub is large.
                member = Path(folder) / f"{number}{Path(name).suffix}"
                with archive.open(name) as source, member.open("wb") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
                side = (archive.read(name + SIDECAR_SUFFIX)
                        if name + SIDECAR_SUFFIX in names else None)
                results.append(file_verify(member, sidecar=side, name=name))
                member.unlink()
    return results
