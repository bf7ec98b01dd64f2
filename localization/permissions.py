"""Who may do what in the pipeline: one check per action, named after it.

Services and views call the same checks; each raises ``PermissionDenied`` with the
reason, which the 403 page shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from coprod.accounts.permissions import LOCALIZATION_ROLES, check_roles
from coprod.accounts.roles import Role
from coprod.catalog.permissions import titles_visible_to
from localization import access

if TYPE_CHECKING:
    from localization.subtitles.models import SubtitleTrack

MANAGER_ROLES = (Role.RIGHTS_MANAGER, Role.ADMINISTRATOR)
PARTNER_NOT_OWNER = _("This belongs to another company's work, or to the venture's.")
EDITOR_ROLES = (Role.TRANSLATOR, Role.REVIEWER, *MANAGER_ROLES)
REVIEW_ROLES = (Role.REVIEWER, *MANAGER_ROLES)
# Delivering to a licensee commits the venture's rights: rights managers decide it.
DELIVERY_ROLES = frozenset(MANAGER_ROLES)


def user_display_name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _role_check(user, roles, message: str) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied(message)


# --- localization work in general --------------------------------------------------------

def check_can_view_localization(user) -> None:
    check_roles(user, LOCALIZATION_ROLES)


def _staff_or_owning_partner(user, owned) -> None:
    """The venture's localization staff; or a partner studio whose company brought the
    media behind the object (``owned``: whether it did)."""
    if access.partner_company_id(user) is not None:
        if not owned():
            raise PermissionDenied(PARTNER_NOT_OWNER)
        return
    check_roles(user, LOCALIZATION_ROLES)


def check_can_upload_media(user, title=None) -> None:
    """Staff upload for any title; a partner studio (through the API) for the titles its
    company's agreements cover."""
    _staff_or_owning_partner(user, lambda: title is not None and titles_visible_to(
        user).filter(pk=title.pk).exists())


def check_can_detect_shots(user, media) -> None:
    """Find (again) the shot changes of a media file's video."""
    check_roles(user, LOCALIZATION_ROLES)


def _owns(user, instance) -> bool:
    return access.partner_company_id(user) in access.owning_company_ids(instance)


def check_can_change_job(user, job) -> None:
    """Retry or cancel a background job (a partner studio its company's)."""
    _staff_or_owning_partner(user, lambda: _owns(user, job))


def check_can_import_track(user) -> None:
    check_roles(user, LOCALIZATION_ROLES)


def check_can_view_track(user, track) -> None:
    _staff_or_owning_partner(user, lambda: access.tracks_visible_to(user).filter(
        pk=track.pk).exists())


def check_can_download_track(user, track) -> None:
    """Export a track as a subtitle file."""
    check_can_view_track(user, track)


def check_can_open_editor(user, track) -> None:
    check_roles(user, LOCALIZATION_ROLES)


def check_can_translate_track(user, track) -> None:
    """Staff; or a partner studio for a track made from its own media."""
    _staff_or_owning_partner(user, lambda: _owns(user, track))


def check_can_check_quality(user, track) -> None:
    check_roles(user, LOCALIZATION_ROLES)


def check_can_edit_glossary(user, title) -> None:
    check_roles(user, LOCALIZATION_ROLES)


def check_can_edit_memory(user) -> None:
    """Import TMX into the translation memory."""
    check_roles(user, LOCALIZATION_ROLES)


# --- the subtitle editor and review ----------------------------------------------------------

def check_can_edit_track(user, track: SubtitleTrack) -> None:
    """Translators edit tracks assigned to them (or unassigned ones); reviewers and
    managers may correct any; nobody edits an approved (locked) track. QA fixes and
    translation fills obey the same rule."""
    _role_check(user, EDITOR_ROLES,
                _("Only translators, reviewers, rights managers and administrators edit "
                  "subtitles."))
    if track.locked_at is not None:
        raise PermissionDenied(_("This track is approved and locked; a reviewer must reopen "
                                 "it before anyone edits it."))
    if user.has_role(*REVIEW_ROLES):
        return
    if track.translator_id and track.translator_id != user.pk:
        raise PermissionDenied(
            _("This track is assigned to %(name)s; ask a rights manager to assign it to you.")
            % {"name": user_display_name(track.translator)})


def check_can_review_track(user, track: SubtitleTrack) -> None:
    _role_check(user, REVIEW_ROLES,
                _("Only reviewers, rights managers and administrators approve or reject "
                  "cues."))
    if track.locked_at is not None:
        raise PermissionDenied(_("This track is approved and locked; reopen it first."))
    if (track.reviewer_id and track.reviewer_id != user.pk
            and not user.has_role(*MANAGER_ROLES)):
        raise PermissionDenied(_("%(name)s reviews this track.")
                               % {"name": user_display_name(track.reviewer)})


def check_can_comment(user, track: SubtitleTrack) -> None:
    _role_check(user, EDITOR_ROLES,
                _("Only translators, reviewers, rights managers and administrators comment "
                  "on subtitles."))


def check_can_assign_track(user, track: SubtitleTrack) -> None:
    _role_check(user, MANAGER_ROLES,
                _("Only rights managers and administrators assign tracks."))


def check_can_reopen_track(user, track: SubtitleTrack) -> None:
    _role_check(user, REVIEW_ROLES,
                _("Only reviewers, rights managers and administrators reopen an approved "
                  "track."))


# --- dubbing and delivery --------------------------------------------------------------------

def check_can_dub(user, track) -> None:
    _staff_or_owning_partner(user, lambda: _owns(user, track))


def check_can_listen_to_dub(user, dub) -> None:
    _staff_or_owning_partner(user, lambda: _owns(user, dub))


def check_can_deliver(user, licensee=None) -> None:
    """Request a delivery package for a licensee: the roles that deliver, for anyone; a
    partner studio (through the API) for its own company only."""
    company_id = access.partner_company_id(user)
    if company_id is not None:
        if licensee is None or licensee.pk != company_id:
            raise PermissionDenied(_("A partner studio requests packages licensed to its own "
                                     "company only."))
        return
    check_roles(user, DELIVERY_ROLES)


def check_can_download_package(user, package) -> None:
    """A package's manifest names the licensee and the contracts: the roles that deliver
    download it here (the licensee's partner studio downloads it from the portal)."""
    company_id = access.partner_company_id(user)
    if company_id is not None and company_id == package.licensee_id:
        return
    _role_check(user, DELIVERY_ROLES,
                _("Delivery packages name licensees and contracts: only rights managers and "
                  "administrators download them; partner studios get theirs in the portal."))


# --- background runs -------------------------------------------------------------------------

def check_can_view_run(user, kind: str, run) -> None:
    """See a background run and its history."""
    checks = {
        "transcription": lambda: check_can_view_localization(user),
        "translation": lambda: check_can_view_track(user, run.track),
        "quality_check": lambda: check_can_view_track(user, run.track),
        "dub": lambda: check_can_listen_to_dub(user, run),
        "package": lambda: check_can_download_package(user, run),
        "shot_detection": lambda: check_can_view_localization(user),
    }
    if kind not in checks:
        raise PermissionDenied(_("Unknown kind of run."))
    checks[kind]()


def check_can_change_run(user, kind: str, run) -> None:
    """Retry or cancel a background run: whoever may start that kind of run."""
    checks = {
        "transcription": lambda: check_can_change_job(user, run),
        "translation": lambda: check_can_translate_track(user, run.track),
        "quality_check": lambda: check_can_check_quality(user, run.track),
        "dub": lambda: check_can_dub(user, run.track),
        "package": lambda: check_can_deliver(user, run.licensee),
        "shot_detection": lambda: check_can_detect_shots(user, run.media),
    }
    if kind not in checks:
        raise PermissionDenied(_("Unknown kind of run."))
    checks[kind]()
