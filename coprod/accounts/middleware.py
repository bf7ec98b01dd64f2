import zoneinfo

from django.utils import timezone


class UserTimeZoneMiddleware:
    """Show times in the signed-in user's time zone; storage stays in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        else:
            from django.conf import settings

            timezone.activate(zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
