import datetime as dt

from coprod.accounts.models import Company
from coprod.catalog import services as catalog_services
from coprod.catalog.models import Title
from coprod.rights import services as rights_services

D = dt.date


def terms(territory="JP", media=("svod",), languages=("ja",), kinds=("sub",),
          start=D(2026, 1, 1), end=D(2030, 1, 1), exclusive=False,
          exclusivity_scope="territory_medium") -> rights_services.RightsTerms:
    return rights_services.RightsTerms(territory_expression=territory, media=tuple(media),
                                languages=tuple(languages), language_kinds=tuple(kinds),
                                start=start, end=end, exclusive=exclusive,
                                exclusivity_scope=exclusivity_scope)


def company(name, kind=Company.Kind.PLATFORM, country="JP") -> Company:
    return Company.objects.get_or_create(name=name, defaults={"kind": kind,
                                                                "country": country})[0]


def film(name="필름", year=2024) -> Title:
    return catalog_services.title_create(actor=None, data={
        "kind": Title.Kind.FILM, "original_title": name, "romanized_title": name,
        "year": year})


def hold(title, **kwargs):
    """Rights in, exclusive unless said otherwise (as the venture's usually are)."""
    kwargs.setdefault("exclusive", True)
    return rights_services.rights_in_add(actor=None, title=title,
                                  licensor=company("Licensor Co", Company.Kind.LICENSOR, "KR"),
                                  contract_reference=kwargs.pop("contract", "CT-IN-1"),
                                  terms=terms(**kwargs))


def grant(title, licensee="Platform A", **kwargs):
    return rights_services.rights_out_grant(actor=None, title=title, licensee=company(licensee),
                                     contract_reference=kwargs.pop("contract", "CT-OUT-1"),
                                     terms=terms(**kwargs))
