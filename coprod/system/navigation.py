"""The navigation each kind of user sees: only the areas they may open."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coprod.accounts.permissions import (
    CATALOG_ROLES,
    FINANCE_ROLES,
    LOCALIZATION_ROLES,
    PARTNER_PORTAL_ROLES,
    SYSTEM_ROLES,
)


@dataclass(frozen=True)
class NavigationItem:
    url_name: str
    label: str
    roles: frozenset[str]
    needs_company: bool = False


ITEMS = (
    NavigationItem("catalog:title-list", _("Catalog"), CATALOG_ROLES),
    NavigationItem("agreements:list", _("Agreements"), FINANCE_ROLES),
    NavigationItem("compute:dashboard", _("AI compute"), FINANCE_ROLES),
    NavigationItem("registry:registry", _("AI registry"), CATALOG_ROLES),
    NavigationItem("localization:overview", _("Localization"), LOCALIZATION_ROLES),
    NavigationItem("partner:home", _("My company"), PARTNER_PORTAL_ROLES, needs_company=True),
    NavigationItem("partner_portal:index", _("Partner portal"), PARTNER_PORTAL_ROLES,
                   needs_company=True),
    NavigationItem("system-status", _("System status"), SYSTEM_ROLES),
)


def navigation_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    items = [{"url": reverse("home"), "label": _("Home"), "url_name": "home"}]
    items += [
        {"url": reverse(item.url_name), "label": item.label, "url_name": item.url_name}
        for item in ITEMS
        if user.has_role(*item.roles) and (user.company_id or not item.needs_company)
    ]
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": _("Admin"), "url_name": "admin"})
    return items
