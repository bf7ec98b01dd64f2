"""The navigation for every page."""

from coprod.system.navigation import navigation_for


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    return {"navigation": navigation_for(user) if user is not None else []}
