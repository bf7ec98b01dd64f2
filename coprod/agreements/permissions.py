"""Who may open an agreement."""

from __future__ import annotations

from coprod.accounts.models import User
from coprod.accounts.permissions import FINANCE_ROLES
from coprod.agreements.models import Agreement


def agreements_visible_to(user: User):
    """Who may open an agreement: rights managers, finance and administrators every one, a partner
    studio only those its company is party to (others are not found, like missing ones)."""
    if user.has_role(*FINANCE_ROLES):
        return Agreement.objects.all()
    if not user.company_id:
        return Agreement.objects.none()
    return Agreement.objects.filter(parties__company_id=user.company_id).distinct()
