"""Who may open an agreement."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from coprod.accounts.models import User
from coprod.accounts.permissions import CATALOG_ROLES
from coprod.agreements.models import Agreement


def check_agreement_access(user: User, agreement) -> None:
    """Rights managers and administrators see every agreement; a partner studio only
    those its company is party to."""
    if user.has_role(*CATALOG_ROLES):
        return
    if user.company_id and agreement.parties.filter(company_id=user.company_id).exists():
        return
    raise PermissionDenied(_("Your company is not a party to this agreement."))


def agreements_visible_to(user: User):
    """Every agreement for the catalog roles; for others, their company's."""
    if user.has_role(*CATALOG_ROLES):
        return Agreement.objects.all()
    if not user.company_id:
        return Agreement.objects.none()
    return Agreement.objects.filter(parties__company_id=user.company_id).distinct()
