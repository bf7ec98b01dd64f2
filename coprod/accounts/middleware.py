import zoneinfo

from django.utils import timezone

from coprod.accounts.eras import buddhist_era
from coprod.accounts.permissions import SECTION_ROLES, check_roles


class UserLanguageMiddleware:
    """Without a language chosen in this browser (the switcher's cookie), speak the
    user's preferred language, else their company's (a partner studio's portal opens in
    its own language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated
                and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES):
            known = {code for code, _name in settings.LANGUAGES}
            company = getattr(user, "company", None)
            language = next((code for code in (user.language, company and company.language)
                             if code in known), None)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class UserTimeZoneMiddleware:
    """Show times in the signed-in user's time zone, and years in their era (the Thai
    Buddhist era when chosen); storage stays in UTC and Gregorian."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        with buddhist_era(signed_in and user.buddhist_era):
            return self._in_time_zone(request, user if signed_in else None)

    def _in_time_zone(self, request, user):
        if user is not None and user.time_zone:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        else:
            from django.conf import settings

            timezone.activate(zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SectionRolesMiddleware:
    """Refuse a whole section of the site (a URL namespace) to users without its roles
    before any view looks an object up, so that an id outside the user's reach answers
    exactly as a missing one does (403 with the roles needed, for both)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        roles = SECTION_ROLES.get(match.namespace) if match else None
        user = getattr(request, "user", None)
        if roles and user is not None and user.is_authenticated:
            check_roles(user, roles)
        return None
