"""Which pipeline objects each user sees: the querysets the API (and any page that lists
them) narrows to, so that another company's object is not found, like a missing one.

The venture's localization staff (translators, reviewers, rights managers,
administrators) see all the work; delivery packages name licensees and contracts, so
only the roles that deliver see all of them. A partner studio sees:

- the media files its users brought (``MediaAsset.company``) and the jobs, tracks and
  dubs made from them;
- besides those, the approved tracks of the titles its executed agreements cover (the
  deliverables the portal lists);
- the delivery packages licensed to its company.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from coprod.accounts.permissions import CATALOG_ROLES, LOCALIZATION_ROLES, PARTNER_PORTAL_ROLES
from coprod.agreements.models import Agreement
from coprod.catalog.models import Title
from localization.delivery.models import DeliveryPackage
from localization.dubbing.models import DubTrack
from localization.media.models import MediaAsset
from localization.runs.models import TrackRun
from localization.subtitles.models import SubtitleTrack
from localization.transcription.models import LocalizationJob

# The roles that deliver to licensees (``localization.permissions.DELIVERY_ROLES``).
DELIVERY_ROLES = CATALOG_ROLES


def _is_staff(user) -> bool:
    return user.has_role(*LOCALIZATION_ROLES)


def partner_company_id(user) -> int | None:
    """The company of a partner-studio user; None for the venture's staff, and for a
    partner user not linked to a company (who then sees nothing)."""
    if user is None or _is_staff(user) or not user.has_role(*PARTNER_PORTAL_ROLES):
        return None
    return user.company_id


def _is_partner(user) -> bool:
    return partner_company_id(user) is not None


def media_visible_to(user) -> QuerySet[MediaAsset]:
    if _is_staff(user):
        return MediaAsset.objects.all()
    if _is_partner(user):
        return MediaAsset.objects.filter(company_id=user.company_id)
    return MediaAsset.objects.none()


def jobs_visible_to(user) -> QuerySet[LocalizationJob]:
    if _is_staff(user):
        return LocalizationJob.objects.all()
    return LocalizationJob.objects.filter(media__in=media_visible_to(user).values("pk"))


def covered_titles(company_id: int) -> QuerySet[Title]:
    """The titles (with their seasons and episodes) of the company's executed agreements."""
    covered = Title.objects.filter(
        agreements__parties__company_id=company_id,
        agreements__status__in=[Agreement.Status.EXECUTED, Agreement.Status.AMENDED],
    ).values("pk")
    return Title.objects.filter(Q(pk__in=covered) | Q(parent__in=covered)
                                | Q(parent__parent__in=covered))


def tracks_visible_to(user) -> QuerySet[SubtitleTrack]:
    if _is_staff(user):
        return SubtitleTrack.objects.all()
    if not _is_partner(user):
        return SubtitleTrack.objects.none()
    own = Q(media__company_id=user.company_id)
    delivered = Q(review_state=SubtitleTrack.ReviewState.APPROVED,
                  title__in=covered_titles(user.company_id).values("pk"))
    return SubtitleTrack.objects.filter(own | delivered)


def tracks_owned_by_partner(user) -> QuerySet[SubtitleTrack]:
    """The tracks made from a partner's own media (those it may ask work on)."""
    if not _is_partner(user):
        return SubtitleTrack.objects.none()
    return SubtitleTrack.objects.filter(media__company_id=user.company_id)


def track_runs_visible_to(user) -> QuerySet[TrackRun]:
    if _is_staff(user):
        return TrackRun.objects.all()
    return TrackRun.objects.filter(track__in=tracks_owned_by_partner(user).values("pk"))


def dubs_visible_to(user) -> QuerySet[DubTrack]:
    if _is_staff(user):
        return DubTrack.objects.all()
    return DubTrack.objects.filter(track__in=tracks_owned_by_partner(user).values("pk"))


def packages_visible_to(user) -> QuerySet[DeliveryPackage]:
    if user.has_role(*DELIVERY_ROLES):
        return DeliveryPackage.objects.all()
    if _is_partner(user):
        return DeliveryPackage.objects.filter(licensee_id=user.company_id)
    return DeliveryPackage.objects.none()


def owning_company_ids(instance) -> set[int]:
    """The partner companies a pipeline object belongs to (its webhooks go to them)."""
    media = None
    if isinstance(instance, MediaAsset):
        media = instance
    elif isinstance(instance, LocalizationJob | SubtitleTrack):
        media = instance.media
    elif isinstance(instance, TrackRun | DubTrack):
        media = instance.track.media
    if isinstance(instance, DeliveryPackage):
        return {instance.licensee_id}
    return {media.company_id} if media is not None and media.company_id else set()
