"""Who may call what: the token's scope, then the same role checks as the pages
(``coprod.accounts.permissions``), then each resource's own visibility (querysets from
the apps' permission functions, so another company's object is not found)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from coprod.accounts.permissions import CATALOG_ROLES, PARTNER_PORTAL_ROLES, check_roles
from coprod.api.models import ApiToken
from coprod.api.problems import InsufficientScope

# Read by everyone who has a view of them: rights managers and administrators all, partner
# studios their company's own.
BUSINESS_READ_ROLES = CATALOG_ROLES | PARTNER_PORTAL_ROLES


class TokenScope(BasePermission):
    """A read token reads; writing (any unsafe method) needs the write scope. A browser
    session acts with its user's full rights, as the pages do."""

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in SAFE_METHODS \
                and not token.can_write:
            raise InsufficientScope(_("This token has the read scope; %(method)s needs a "
                                      "token with the write scope.") % {
                "method": request.method})
        return True


class HasRoles(BasePermission):
    """The view's ``read_roles`` for safe methods and ``write_roles`` for the others; the
    denial names the roles needed and the user's own, as a page's does. Checked before any
    object is looked up, so an existing and a missing id answer alike."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        roles = (getattr(view, "read_roles", None) if request.method in SAFE_METHODS
                 else getattr(view, "write_roles", None))
        if roles is not None:
            check_roles(request.user, roles)
        return True
