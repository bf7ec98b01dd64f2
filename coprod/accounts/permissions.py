"""Role checks for the whole platform: who may open which page; a denial names the roles
needed and the user's own."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from coprod.accounts.models import Company, User
from coprod.accounts.roles import Role

CATALOG_ROLES = frozenset({Role.RIGHTS_MANAGER, Role.ADMINISTRATOR})
# Finance reads every agreement, its statements and what the AI work cost, records the
# money (receipts, expenses) and issues statements; the terms of an agreement, the catalog
# and the rights stay with the rights managers.
FINANCE_ROLES = CATALOG_ROLES | {Role.FINANCE}


PARTNER_PORTAL_ROLES = frozenset({Role.PARTNER_STUDIO})


SYSTEM_ROLES = frozenset({Role.ADMINISTRATOR})
LOCALIZATION_ROLES = frozenset(
    {Role.TRANSLATOR, Role.REVIEWER, Role.RIGHTS_MANAGER, Role.ADMINISTRATOR}
)
# Sections (URL namespaces) closed as a whole to users without these roles
# (``coprod.accounts.middleware.SectionRolesMiddleware``).
SECTION_ROLES = {
    "catalog": CATALOG_ROLES,
    "localization": LOCALIZATION_ROLES,
}


def role_labels(roles: Iterable[str]) -> str:
    labels = sorted(str(Role(role).label) for role in roles)
    return ", ".join(labels) if labels else _("none")


def check_roles(user: User, allowed: Iterable[str]) -> None:
    """Raise PermissionDenied, saying which roles the page needs, unless the user has one."""
    allowed = frozenset(allowed)
    if user.has_role(*allowed):
        return
    raise PermissionDenied(
        _("This page is for: {allowed}. Your account's roles: {mine}.").format(
            allowed=role_labels(allowed), mine=role_labels(user.roles)
        )
    )


def check_partner_company(user: User) -> Company:
    """A partner-studio user sees only their company's data; return that company."""
    check_roles(user, PARTNER_PORTAL_ROLES)
    if user.company is None:
        raise PermissionDenied(
            _("Your account is not linked to a partner company yet; ask an administrator.")
        )
    return user.company


def roles_required(allowed: Iterable[str]) -> Callable:
    """Decorate a view so only users with one of ``allowed`` roles may open it."""
    allowed = frozenset(allowed)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            check_roles(request.user, allowed)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
