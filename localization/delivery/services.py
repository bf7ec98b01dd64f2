"""Delivery packages: a title's subtitles and dub in one language for one licensee.

A package is built only when the rights engine confirms, for every country, medium and
language kind (``ja:sub`` for subtitles, ``ja:dub`` for the dub) over the whole window,
that the venture holds the rights (rights in, the avails engine) and has granted them to
this licensee (rights out to that company); otherwise it is refused with the reasons.
The ZIP holds the subtitles in the target's delivery formats, the dub track (WAV and AAC)
and ``manifest.json``: every file with its SHA-256 and where it came from (models,
voices, the people who approved it, the agreements that cleared the models).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from psycopg.types.range import DateRange

from coprod.accounts.models import Company
from coprod.audit.models import Event
from coprod.catalog.models import Title
from coprod.compute import selectors as compute_selectors
from coprod.compute.models import ComputeUsage, Stage
from coprod.core.storage import field_chunks
from coprod.registry.gate import ModelNotApproved, model_use_check
from coprod.rights import avails
from coprod.rights.models import RightsBlock
from coprod.rights.vocabulary import (
    TerritoryError,
    describe_language_rights,
    describe_media,
    describe_territories,
    expand_media,
    expand_territories,
    language_right_covers,
    language_rights_overlap,
)
from localization import background
from localization.credentials import services as credentials
from localization.delivery.models import DeliveryPackage
from localization.dubbing.models import DubTrack
from localization.engines.credentials import SIDECAR_SUFFIX
from localization.events import pipeline_event
from localization.permissions import check_can_deliver
from localization.runs import lifecycle
from localization.runs.lifecycle import RunKind
from localization.runs.metering import track_subject
from localization.runs.models import TrackRun
from localization.shots.models import ShotDetection
from localization.subtitles import selectors as subtitles_selectors
from localization.subtitles.disclosure import track_disclosure
from localization.subtitles.formats import FORMATS
from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack
from localization.transcription.models import LocalizationJob

State = DeliveryPackage.State
# Subtitle formats per target language; the others get TTML, SRT and WebVTT.
DELIVERY_FORMATS = {"ja": ("ttml",)}
DEFAULT_DELIVERY_FORMATS = ("ttml", "srt", "vtt")
MANIFEST_NAME = "manifest.json"


# A redelivered build (its worker died) starts over.
MACHINE = background.RunStateMachine(
    states=State, active=DeliveryPackage.ACTIVE_STATES,
    refusal=gettext_lazy("A package that is %(state)s cannot become %(new)s."), transitions={
        State.QUEUED: {State.BUILDING, State.FAILED, State.CANCELLED},
        State.BUILDING: {State.QUEUED, State.BUILDING, State.DONE, State.FAILED,
                         State.CANCELLED},
        State.DONE: set(),
        State.FAILED: {State.QUEUED},
        State.CANCELLED: {State.QUEUED},
    })
KIND = RunKind(key="package", label=gettext_lazy("Delivery package"), model=DeliveryPackage,
               machine=MACHINE, task=background.BUILD_DELIVERY_PACKAGE, running=State.BUILDING,
               reset={"manifest": {}, "sha256": "", "credentials": {}},
               usage=lambda package: track_subject(Stage.DELIVERY, package.track,
                                                   language=package.language))


class DeliveryRefused(ValidationError):
    """No package: the messages say which rights are missing, or what else is."""


def delivery_formats(language: str) -> tuple[str, ...]:
    return DELIVERY_FORMATS.get(language, DEFAULT_DELIVERY_FORMATS)


# --- rights ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RightsCheck:
    reasons: list[str]
    held_by: list[str]  # contract references of the rights-in blocks involved
    granted_by: list[str]  # contract references of the grants to the licensee

    @property
    def cleared(self) -> bool:
        return not self.reasons


def _window_text(start: dt.date, end: dt.date | None) -> str:
    return f"{start.isoformat()} – {end.isoformat() if end else _('open end')}"


def delivery_rights_check(*, title: Title, licensee: Company, countries: frozenset[str],
                          media: frozenset[str], language_rights: frozenset[str],
                          start: dt.date, end: dt.date | None) -> RightsCheck:
    """Does the venture hold, and has it granted ``licensee``, every cell for the window?"""
    query = avails.AvailsQuery(countries=frozenset(countries), media=frozenset(media),
                               language_rights=frozenset(language_rights), start=start,
                               end=end, exclusive=False)
    reasons = []
    held = avails.availability([title.pk], query)[title.pk]
    # Grants (even exclusive ones to this licensee) are what we deliver against, so only
    # what the venture does not hold refuses the package here.
    for reason in held.reasons:
        if reason.kind == avails.ReasonKind.NOT_HELD:
            reasons.append(f"{reason.message} ({_window_text(reason.start, reason.end)})")
    family = [title.pk, *(ancestor.pk for ancestor in title.ancestors())]
    window = DateRange(start, end, "[)")
    # Languages are compared by the vocabulary, not as text: a grant of every language
    # ("*:sub") or of a broader one ("zh:sub") covers "zh-Hans:sub".
    overlapping = [
        block for block in RightsBlock.objects.filter(
            title_id__in=family, countries__overlap=sorted(countries),
            media__overlap=sorted(media), window__overlap=window)
        if any(language_rights_overlap(held, wanted) for held in block.language_rights
               for wanted in language_rights)]
    held_by = sorted({block.contract_reference for block in overlapping
                      if block.direction == RightsBlock.Direction.IN})
    grants = [block for block in overlapping if block.direction == RightsBlock.Direction.OUT
              and block.counterparty_id == licensee.pk]
    reasons += _not_granted(query, grants, licensee)
    return RightsCheck(reasons=reasons, held_by=held_by,
                       granted_by=sorted({grant.contract_reference for grant in grants}))


def _not_granted(query: avails.AvailsQuery, grants: list[RightsBlock],
                 licensee: Company) -> list[str]:
    """Cells of the query no grant to ``licensee`` covers, segment by segment."""
    def stop(block):
        return block.window.upper or avails.OPEN_END

    points = {query.start, query.stop}
    for grant in grants:
        for point in (grant.window.lower, stop(grant)):
            if query.start < point < query.stop:
                points.add(point)
    edges = sorted(points)
    reasons = []
    for segment_start, segment_stop in zip(edges, edges[1:], strict=False):
        active = [grant for grant in grants
                  if grant.window.lower <= segment_start and stop(grant) >= segment_stop]
        missing_by_cells: dict[frozenset[str], set[tuple[str, str]]] = {}
        for medium in sorted(query.media):
            for language in sorted(query.language_rights):
                covered: set[str] = set()
                for grant in active:
                    if medium in grant.media and any(
                            language_right_covers(held, language)
                            for held in grant.language_rights):
                        covered |= set(grant.countries)
                missing = frozenset(query.countries - covered)
                if missing:
                    missing_by_cells.setdefault(missing, set()).add((medium, language))
        for missing, cells in missing_by_cells.items():
            reasons.append(
                _("Not granted to %(licensee)s: %(media)s, %(languages)s in %(territory)s "
                  "(%(window)s)") % {
                    "licensee": licensee.name,
                    "media": describe_media({medium for medium, _language in cells}),
                    "languages": describe_language_rights({language for _m, language in cells}),
                    "territory": describe_territories(missing),
                    "window": _window_text(segment_start, avails._end(segment_stop))})
    return reasons


# --- packages ------------------------------------------------------------------------------


def package_track(*, title: Title, language: str) -> SubtitleTrack | None:
    """The newest approved track of the title in ``language``."""
    return (SubtitleTrack.objects.filter(title=title, language=language,
                                         review_state=SubtitleTrack.ReviewState.APPROVED)
            .order_by("-version").first())


def package_dub(*, track: SubtitleTrack) -> DubTrack | None:
    """The newest finished dub made from the track as it was last approved."""
    dubs = track.dub_tracks.filter(state=DubTrack.State.DONE)
    if track.locked_at:
        dubs = dubs.filter(created_at__gte=track.locked_at)
    return dubs.order_by("-created_at", "-id").first()


def package_create(*, title: Title, language: str, licensee: Company, territory: str,
                   media: list[str], start: dt.date, end: dt.date | None,
                   include_subtitles: bool = True, include_dub: bool = True,
                   actor=None, enqueue: bool = True) -> DeliveryPackage:
    """Check the rights and the material, record the package and queue its build."""
    if actor is not None:
        check_can_deliver(actor, licensee)
    try:
        countries = expand_territories(territory)
        media_codes = expand_media(list(media))
    except (TerritoryError, ValueError) as error:
        raise DeliveryRefused(str(error)) from error
    if not media_codes:
        raise DeliveryRefused(_("Choose at least one medium."))
    if end is not None and end <= start:
        raise DeliveryRefused(_("The window must end after it starts."))
    if not (include_subtitles or include_dub):
        raise DeliveryRefused(_("A package holds subtitles, a dub or both."))
    track = package_track(title=title, language=language)
    if track is None:
        raise DeliveryRefused(_("%(title)s has no approved %(language)s track to deliver.")
                              % {"title": title, "language": language})
    dub = package_dub(track=track) if include_dub else None
    if include_dub and dub is None:
        raise DeliveryRefused(_("The approved %(language)s track v%(version)s has no finished "
                                "dub; build the dub first.")
                              % {"language": language, "version": track.version})
    kinds = [kind for kind, included in (("sub", include_subtitles), ("dub", include_dub))
             if included]
    rights = delivery_rights_check(
        title=title, licensee=licensee, countries=countries, media=media_codes,
        language_rights=frozenset(f"{language}:{kind}" for kind in kinds), start=start,
        end=end)
    if not rights.cleared:
        raise DeliveryRefused(rights.reasons)
    with transaction.atomic():
        package = DeliveryPackage.objects.create(
            title=title, language=language, track=track, dub=dub, licensee=licensee,
            territory_expression=territory, countries=sorted(countries),
            media=sorted(media_codes), window_start=start, window_end=end,
            include_subtitles=include_subtitles, include_dub=include_dub, created_by=actor)
        pipeline_event(
            actor=actor, action=Event.Action.PACKAGE_REQUESTED, about=package,
            after={"track": track.pk, "licensee": licensee.name, "territory": territory,
                   "media": sorted(media_codes), "kinds": kinds,
                   "window": [start.isoformat(), end.isoformat() if end else None],
                   "granted_by": rights.granted_by})
        if enqueue:
            lifecycle.run_enqueue(KIND, package)
    return package


def package_build(*, package_id: int, task_id: str | None = None,
                  worker: str = "") -> DeliveryPackage | None:
    """Write the ZIP and manifest. A built package is left alone; the rights are checked
    again, since a grant may have ended since the package was requested."""
    package, claimed = lifecycle.run_claim(
        KIND, package_id, task_id=task_id, worker=worker,
        select_related=("title", "licensee", "track__source_track", "dub"))
    if not claimed:
        return package
    return lifecycle.run_guarded(
        KIND, package, lambda: _build(package),
        time_limit_message=_("The package build ran past its time limit and was stopped."),
        refusals=(DeliveryRefused, credentials.CredentialsError))


def _build(package: DeliveryPackage) -> DeliveryPackage:
    kinds = [kind for kind, included in (("sub", package.include_subtitles),
                                         ("dub", package.include_dub)) if included]
    rights = delivery_rights_check(
        title=package.title, licensee=package.licensee, countries=frozenset(package.countries),
        media=frozenset(package.media),
        language_rights=frozenset(f"{package.language}:{kind}" for kind in kinds),
        start=package.window_start, end=package.window_end)
    if not rights.cleared:
        raise DeliveryRefused(rights.reasons)
    track = SubtitleTrack.objects.get(pk=package.track_id)
    # The material may have changed since the package was requested: a reopened track is
    # no longer approved, and a dub older than the last approval speaks old lines.
    if track.review_state != SubtitleTrack.ReviewState.APPROVED:
        raise DeliveryRefused(_("The %(language)s track was reopened after the package was "
                                "requested; approve it again.") % {"language": track.language})
    if package.include_dub and (package.dub is None or (
            track.locked_at and package.dub.created_at < track.locked_at)):
        raise DeliveryRefused(_("The dub is older than the track's last approval; build the "
                                "dub again."))
    stem = subtitles_selectors.track_file_stem(track)
    disclosure = track_disclosure(track)
    entries: list[tuple[str, bytes | None, object, dict]] = []  # name, bytes, field, info
    if package.include_subtitles:
        for fmt in delivery_formats(package.language):
            _name, _type, content = subtitles_selectors.track_export(track=track, fmt=fmt)
            name = f"subtitles/{stem}.{_extension(fmt)}"
            # A subtitle file cannot hold a manifest: its Content Credentials go beside it.
            sidecar = credentials.sidecar_sign(io.BytesIO(content), credentials.subtitle_manifest(
                track, file_name=name.rsplit("/", 1)[-1], disclosure=disclosure,
                package=package))
            entries.append((name, content, None, {
                "kind": "subtitles", "format": fmt,
                "credentials": ({"sidecar": name + SIDECAR_SUFFIX} if sidecar else
                                credentials.unsigned(credentials.signer_status()["problem"]))}))
            if sidecar:
                entries.append((name + SIDECAR_SUFFIX, sidecar, None,
                                {"kind": "credentials", "format": "c2pa", "for": name}))
    if package.include_dub and package.dub is not None:
        for field, codec in ((package.dub.wav, "wav"), (package.dub.aac, "aac")):
            extension = "wav" if codec == "wav" else "m4a"
            signed = package.dub.credentials.get(field.name.rsplit("/", 1)[-1]) or {}
            entries.append((f"dub/{stem}.dub.{extension}", None, field, {
                "kind": "dub", "format": codec,
                "credentials": ({"embedded": True, "label": signed.get("label", "")}
                                if signed.get("signed") else
                                credentials.unsigned(signed.get("reason") or _(
                                    "The dub was made before Content Credentials were "
                                    "signed; build it again.")))}))
    manifest = _manifest(package, rights, disclosure)
    with tempfile.NamedTemporaryFile(suffix=".zip") as local:
        with zipfile.ZipFile(local, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content, field, info in entries:
                digest = hashlib.sha256()
                size = 0
                with archive.open(name, "w", force_zip64=True) as member:
                    # A dub streams from the storage (S3 included) into the ZIP.
                    chunks = [content] if content is not None else field_chunks(field)
                    for chunk in chunks:
                        digest.update(chunk)
                        size += len(chunk)
                        member.write(chunk)
                manifest["files"].append({"path": name, "sha256": digest.hexdigest(),
                                          "bytes": size, **info})
            archive.writestr(MANIFEST_NAME, json.dumps(manifest, ensure_ascii=False, indent=2))
        local.flush()
        local.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: local.read(1 << 20), b""):
            digest.update(chunk)
        local.seek(0)
        zip_name = f"{stem}.{subtitles_selectors.safe_file_name(package.licensee.name)}.zip"
        sidecar = credentials.sidecar_sign(local, credentials.package_manifest(
            package, manifest, file_name=zip_name, disclosure=disclosure))
        local.seek(0)
        with transaction.atomic():
            locked = DeliveryPackage.objects.select_for_update().get(pk=package.pk)
            if locked.state != State.BUILDING or not lifecycle.run_held(KIND, locked, package):
                return locked  # another delivery finished it, or it was requeued
            locked.file.save(zip_name, File(local), save=False)
            # The sidecar is named after the ZIP as stored (and downloaded).
            stored_name = locked.file.name.rsplit("/", 1)[-1]
            if sidecar:
                locked.credentials_file.save(stored_name + SIDECAR_SUFFIX,
                                             ContentFile(sidecar), save=False)
            signed = ({"signed": True, "sidecar": stored_name + SIDECAR_SUFFIX} if sidecar else
                      credentials.unsigned(credentials.signer_status()["problem"]))
            lifecycle.run_move(KIND, locked, State.DONE, progress=100,
                               manifest=manifest, sha256=digest.hexdigest(),
                               credentials=signed, finished_at=timezone.now(), error="")
            pipeline_event(
                action=Event.Action.PACKAGE_BUILT, about=locked,
                after={"track": track.pk, "sha256": locked.sha256,
                       "files": [entry["path"] for entry in manifest["files"]]})
    return locked


def _extension(fmt: str) -> str:
    return FORMATS[fmt][2]


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"username": user.get_username(), "name": user.get_full_name()}


def _clearance(title: Title, sha256: str, kind: str | None = None) -> dict:
    try:
        clearance = model_use_check(title=title, sha256=sha256, kind=kind)
    except ModelNotApproved as error:
        return {"cleared": False, "reason": str(error)}
    return {"cleared": True, "agreement": clearance.agreement.reference,
            "agreement_version": clearance.agreement_version}


def _runs_behind(package: DeliveryPackage) -> list[models.Model]:
    """The runs that made what the package delivers: the transcription (and its chunks) of
    the Korean track, the translation and QA runs of the track and its source, the shot
    detection of the media, the dub, and earlier builds of this package."""
    tracks = [track for track in (package.track, package.track.source_track) if track]
    runs: list[models.Model] = [*TrackRun.objects.filter(track__in=tracks)]
    for track in tracks:
        job = LocalizationJob.objects.filter(track=track).first()
        if job is not None:
            runs += [job, *job.chunks.all()]
    media = [track.media_id for track in tracks if track.media_id]
    runs += list(ShotDetection.objects.filter(media_id__in=media))
    if package.include_dub and package.dub is not None:
        runs.append(package.dub)
    return [*runs, package]


def compute_behind(package: DeliveryPackage) -> dict:
    """The compute, energy, emissions and cost that produced the package (every measured
    attempt of the runs behind it, failures included; this build is still running)."""
    refs = models.Q(pk__in=[])
    by_type: dict[str, list[str]] = {}
    for run in _runs_behind(package):
        by_type.setdefault(run._meta.label_lower, []).append(str(run.pk))
    for run_type, ids in by_type.items():
        refs |= models.Q(run_type=run_type, run_id__in=ids)
    usage = ComputeUsage.objects.filter(refs)

    def figures(row) -> dict:
        return {"tasks": row.tasks, "unpriced_tasks": row.unpriced,
                "cost": str(compute_selectors.money(row.cost, row.currency)),
                "cost_exact": str(row.cost),
                "cpu_seconds": str(row.cpu_seconds), "gpu_seconds": str(row.gpu_seconds),
                "energy_kwh": str(row.energy_kwh.quantize(Decimal("0.000001"))),
                "energy_estimated_tasks": row.estimated_energy_tasks,
                "emissions_g_co2e": str(row.emissions_grams.quantize(Decimal("0.001")))}

    whole = compute_selectors.total(usage)
    return {"currency": whole.currency, **figures(whole),
            "by_stage": {row.key: figures(row)
                         for row in compute_selectors.rollup(usage, by="stage")},
            "models": sorted({name for names in usage.values_list("models_used", flat=True)
                              for name in names}),
            "note": "Every measured attempt of the runs behind this package, failed ones "
                    "included; this build itself is not yet counted. Energy marked as "
                    "estimated comes from CPU time, not from a meter."}


def _manifest(package: DeliveryPackage, rights: RightsCheck, disclosure) -> dict:
    track = package.track
    title = package.title
    source = track.source_track
    cues = SubtitleCue.objects.filter(track=track)
    engines = Counter(cues.values_list("engine", "model_name", "model_sha256"))
    approvers = (CueRevision.objects.filter(cue__track=track,
                                            state=SubtitleCue.State.APPROVED,
                                            author__isnull=False)
                 .values_list("author__username", flat=True).distinct())
    speech_recognition = None
    if source is not None and source.asr_model_sha256:
        speech_recognition = {"model": source.asr_model_name, "sha256": source.asr_model_sha256,
                              "track": f"{source.language} v{source.version}",
                              **_clearance(title, source.asr_model_sha256)}
    voices = []
    if package.include_dub and package.dub is not None:
        for speaker, voice in sorted(package.dub.voices.items()):
            voices.append({"speaker": speaker, "voice": voice["key"],
                           "model": voice["model_name"], "sha256": voice["model_sha256"],
                           "draft": voice["draft"], "agreement": voice["agreement"],
                           "agreement_version": voice.get("agreement_version")})
    agreements = sorted({entry["agreement"] for entry in [*voices, speech_recognition or {}]
                         if entry.get("agreement")})
    return {
        "package": package.pk,
        "created_at": timezone.now().isoformat(),
        "title": {"id": title.pk, "original": title.original_title,
                  "romanized": title.romanized_title, "root": str(title.root)},
        "language": package.language,
        "licensee": package.licensee.name,
        "territory": package.territory_expression,
        "countries": package.countries,
        "media": package.media,
        # "end" is exclusive, as stored; "last_day" is the last day of use.
        "window": {"start": package.window_start.isoformat(),
                   "end": package.window_end.isoformat() if package.window_end else None,
                   "last_day": (package.window_end - dt.timedelta(days=1)).isoformat()
                   if package.window_end else None},
        "rights": {"held_under": rights.held_by, "granted_under": rights.granted_by},
        "agreements": agreements,
        "provenance": {
            "subtitle_track": {"language": track.language, "version": track.version,
                               "source": track.source,
                               "translation_engine": track.translation_engine},
            "speech_recognition": speech_recognition,
            "translation": [
                {"engine": engine or None, "model": model or None, "sha256": sha or None,
                 "cues": count, "written_by_a_person": not (engine or model)}
                for (engine, model, sha), count in sorted(engines.items())],
            "voices": voices,
            "dub": ({"id": package.dub.pk, "max_speedup": package.dub.max_speedup,
                     "cues_too_long": len(package.dub.fit_flags)}
                    if package.include_dub and package.dub is not None else None),
            "approved_by": _person(track.approved_by),
            "reviewer": _person(track.reviewer),
            "translator": _person(track.translator),
            "cue_approvers": sorted(approvers),
            # What a machine made and what people wrote, in plain words, cue by cue where
            # the cues differ; the dub's speech is synthetic.
            "disclosure": {
                "words": disclosure.as_dict(),
                **({"speech": {"origin": "machine", "label": credentials.SPEECH_DISCLOSURE}}
                   if package.include_dub and package.dub is not None else {})},
        },
        "compute": compute_behind(package),
        "files": [],
    }


def packages_for_licensee(company: Company):
    """Finished packages a partner may download: only its own company's."""
    return (DeliveryPackage.objects.filter(licensee=company, state=State.DONE)
            .select_related("title", "licensee"))
