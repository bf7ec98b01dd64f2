"""Who may dub and who may deliver. A denial says why (the 403 page shows it)."""

from coprod.accounts.permissions import check_roles
from coprod.accounts.roles import Role
from localization.permissions import LOCALIZATION_ROLES

# Delivering to a licensee commits the venture's rights: rights managers decide it.
DELIVERY_ROLES = frozenset({Role.RIGHTS_MANAGER, Role.ADMINISTRATOR})


def check_can_dub(user, track) -> None:
    check_roles(user, LOCALIZATION_ROLES)


def check_can_deliver(user) -> None:
    check_roles(user, DELIVERY_ROLES)
