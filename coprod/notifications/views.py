"""The bell's list: a user's own notifications, marked read one by one or all at once."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coprod.notifications import services
from coprod.notifications.forms import NotificationPreferencesForm
from coprod.notifications.models import Notification


def notification_list(request):
    notifications = Notification.objects.filter(recipient=request.user)[:100]
    return render(request, "coprod/notifications/list.html", {
        "notifications": notifications, "unread": services.unread(request.user).count()})


@require_POST
def notification_open(request, notification_id: int):
    """Mark one read and go to what it is about (only the user's own)."""
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    services.mark_read(user=request.user, ids=[notification.pk])
    if notification.url and url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts={request.get_host()}):
        return redirect(notification.url)
    return redirect("notifications:list")


@require_POST
def preferences_save(request):
    form = NotificationPreferencesForm(request.POST,
                                       channels=services.channels_for(request.user))
    if form.is_valid():
        services.preferences_set(user=request.user, channels=form.cleaned_data)
        messages.success(request, _("Your notification preferences are saved."))
    else:
        messages.error(request, _("Choose one of the ways for each kind."))
    return redirect(f"{reverse('preferences')}#notification-preferences")


@require_POST
def notification_read_all(request):
    services.mark_read(user=request.user)
    return redirect("notifications:list")
