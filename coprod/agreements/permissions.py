"""Who may open an agreement."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from coprod.accounts.models import User
from coprod.accounts.permissions import CATALOG_ROLES


def check_agreement_access(user: User, agreement) -> None:
    """Rights managers and administrators see every agreement; a partner studio only
    those its company is party to."""
    if user.has_role(*CATALOG_ROLES):
        return
    if user.company_id and agreement.parties.filter(company_id=user.company_id).exists():
        return
    raise PermissionDenied(_("Your company is not a party to this agreement."))
