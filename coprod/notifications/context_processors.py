"""The bell's unread count on every page."""

from coprod.notifications.services import unread


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread(user).count()}
