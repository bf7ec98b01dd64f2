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


def series(name="시리즈", year=2025, seasons=1, episodes=2) -> tuple[Title, list, list]:
    """A series with its seasons and, in each season, its episodes."""
    top = catalog_services.title_create(actor=None, data={
        "kind": Title.Kind.SERIES, "original_title": name, "romanized_title": name,
        "year": year})
    made_seasons, made_episodes = [], []
    for season_number in range(1, seasons + 1):
        season = catalog_services.title_create(actor=None, data={
            "kind": Title.Kind.SEASON, "parent": top, "number": season_number,
            "original_title": f"시즌 {season_number}", "romanized_title": f"Season {season_number}",
            "year": year})
        made_seasons.append(season)
        for number in range(1, episodes + 1):
            made_episodes.append(catalog_services.title_create(actor=None, data={
                "kind": Title.Kind.EPISODE, "parent": season, "number": number,
                "original_title": f"{number}화", "romanized_title": f"Episode {number}",
                "year": year}))
    return top, made_seasons, made_episodes


def holdback(territory="JP", media=("svod",), start=None, end=None, languages=(), kinds=(),
             description="") -> rights_services.HoldbackTerms:
    """A holdback; with no ``start`` it is "not before" ``end``."""
    return rights_services.HoldbackTerms(
        territory_expression=territory, media=tuple(media), start=start, end=end,
        description=description, languages=tuple(languages), language_kinds=tuple(kinds))


def hold(title, **kwargs):
    """Rights in, exclusive unless said otherwise (as the venture's usually are)."""
    kwargs.setdefault("exclusive", True)
    holdbacks = kwargs.pop("holdbacks", ())
    return rights_services.rights_in_add(actor=None, title=title,
                                  licensor=company("Licensor Co", Company.Kind.LICENSOR, "KR"),
                                  contract_reference=kwargs.pop("contract", "CT-IN-1"),
                                  terms=terms(**kwargs), holdbacks=list(holdbacks))


def grant(title, licensee="Platform A", **kwargs):
    holdbacks = kwargs.pop("holdbacks", ())
    return rights_services.rights_out_grant(actor=None, title=title, licensee=company(licensee),
                                     contract_reference=kwargs.pop("contract", "CT-OUT-1"),
                                     terms=terms(**kwargs), holdbacks=list(holdbacks))
