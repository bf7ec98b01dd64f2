"""Who may see which titles."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from coprod.accounts.models import User
from coprod.accounts.permissions import CATALOG_ROLES, PARTNER_PORTAL_ROLES
from coprod.catalog.models import Title


def titles_visible_to(user: User) -> QuerySet[Title]:
    """Rights managers and administrators see the whole catalog; a partner studio the
    titles its company's agreements cover, with their seasons and episodes (another
    company's titles are not found, like missing ones); anyone else none."""
    if user.has_role(*CATALOG_ROLES):
        return Title.objects.all()
    if not user.has_role(*PARTNER_PORTAL_ROLES) or not user.company_id:
        return Title.objects.none()
    # The company's own agreements (finance reads every agreement, but not the catalog).
    covered = Title.objects.filter(
        agreements__parties__company_id=user.company_id).values("pk")
    return Title.objects.filter(Q(pk__in=covered) | Q(parent__in=covered)
                                | Q(parent__parent__in=covered))
