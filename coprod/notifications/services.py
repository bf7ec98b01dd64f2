"""Telling people what waits for them.

``notify`` writes one notification per recipient, in the recipient's language and time
zone, and queues its email (a Celery task after the transaction commits) or keeps it for
the daily digest, as each recipient chose for that kind. The callers choose the
recipients from the object's own people (an agreement's signatories, a track's translator
and reviewer, a licensee's users), so a notification never tells anyone about another
company's work.
"""

from __future__ import annotations

import contextlib
import logging
import zoneinfo
from collections.abc import Callable, Iterable

from celery import signature
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coprod.accounts.eras import buddhist_era
from coprod.accounts.models import User
from coprod.notifications.models import (
    DIGEST_BY_DEFAULT,
    Channel,
    Kind,
    Notification,
    NotificationPreference,
)

logger = logging.getLogger(__name__)
SEND_EMAIL = "coprod.notifications.tasks.send_email"
SEND_DIGESTS = "coprod.notifications.tasks.send_digests"

Text = str | Callable[[User], str]


def default_channel(kind: str) -> str:
    return Channel.DIGEST if kind in DIGEST_BY_DEFAULT else Channel.EMAIL


def channels_for(user: User) -> dict[str, str]:
    """Every kind with the user's choice (or the default)."""
    chosen = dict(NotificationPreference.objects.filter(user=user)
                  .values_list("kind", "channel"))
    return {kind: chosen.get(kind, default_channel(kind)) for kind in Kind.values}


def preferences_set(*, user: User, channels: dict[str, str]) -> None:
    for kind, channel in channels.items():
        Kind(kind), Channel(channel)  # noqa: B018 - refuses an unknown one
        NotificationPreference.objects.update_or_create(user=user, kind=kind,
                                                        defaults={"channel": channel})


def language_of(user: User) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in languages else settings.LANGUAGE_CODE


class _RecipientContext:
    """The recipient's language and time zone, for rendering what they will read."""

    def __init__(self, user: User):
        self.user = user

    def __enter__(self):
        with contextlib.ExitStack() as stack:  # a failure part-way undoes what was set
            stack.enter_context(translation.override(language_of(self.user)))
            stack.enter_context(buddhist_era(self.user.buddhist_era))
            stack.enter_context(timezone.override(zoneinfo.ZoneInfo(
                self.user.time_zone or settings.DEFAULT_USER_TIME_ZONE)))
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc):
        return self._stack.__exit__(*exc)


def _render(text: Text, user: User) -> str:
    return str(text(user) if callable(text) else text)


def notify(*, recipients: Iterable[User | None], kind: str, subject: Text, body: Text = "",
           url: str = "", about: str = "", exclude: User | None = None) -> list[Notification]:
    """One notification per recipient who has not turned the kind off. ``subject`` and
    ``body`` are translatable strings (or functions of the recipient), rendered in each
    recipient's language; ``about`` names the thing, so it is announced once per person;
    ``exclude`` is the person who did it (they need no news of their own act)."""
    kind = Kind(kind)
    people = {user.pk: user for user in recipients
              if user is not None and user.is_active
              and (exclude is None or user.pk != exclude.pk)}
    written = []
    for user in people.values():
        channel = channels_for(user)[kind]
        if channel == Channel.OFF:
            continue
        if about and Notification.objects.filter(recipient=user, kind=kind,
                                                 about=about).exists():
            continue
        with _RecipientContext(user):
            notification = Notification.objects.create(
                recipient=user, kind=kind, subject=_render(subject, user)[:300],
                body=_render(body, user), url=url, about=about[:120],
                email={Channel.EMAIL: Notification.Email.PENDING,
                       Channel.DIGEST: Notification.Email.DIGEST}.get(
                           channel, Notification.Email.NONE) if user.email else "")
        if notification.email == Notification.Email.PENDING:
            _send_on_commit(notification.pk)
        written.append(notification)
    return written


def _send_on_commit(notification_id: int) -> None:
    # By name: the task module imports this one (the task is registered at app ready).
    email = signature(SEND_EMAIL, args=[notification_id])
    transaction.on_commit(email.apply_async, robust=True)


def unread(user: User):
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (``ids``, or all); never another user's."""
    query = unread(user)
    if ids is not None:
        query = query.filter(pk__in=list(ids))
    return query.update(read_at=timezone.now())


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + url


def email_send(notification_id: int) -> str:
    """Send one notification's email, in the recipient's language; returns its state."""
    with transaction.atomic():
        notification = (Notification.objects.select_for_update().select_related("recipient")
                        .filter(pk=notification_id, email=Notification.Email.PENDING).first())
        if notification is None:
            return "nothing to send"
        user = notification.recipient
        notification.link = _absolute(notification.url)
        with _RecipientContext(user):
            body = render_to_string("coprod/notifications/email.txt", {
                "user": user, "notifications": [notification]})
            message = EmailMessage(
                subject=f"[{_('KIP platform')}] {notification.subject}", body=body,
                to=[user.email])
        try:
            message.send()
        except OSError as error:
            logger.warning("notification %s not emailed: %s", notification.pk, error)
            notification.email = Notification.Email.FAILED
        else:
            notification.email = Notification.Email.SENT
            notification.emailed_at = timezone.now()
        notification.save(update_fields=["email", "emailed_at"])
        return notification.email


def digests_send() -> int:
    """One email per person with what the daily digest holds for them; returns how many."""
    sent = 0
    users = (User.objects.filter(notifications__email=Notification.Email.DIGEST)
             .distinct())
    for user in users:
        with transaction.atomic():
            waiting = list(Notification.objects.select_for_update()
                           .filter(recipient=user, email=Notification.Email.DIGEST)
                           .order_by("created_at", "id"))
            if not waiting or not user.email:
                continue
            for item in waiting:
                item.link = _absolute(item.url)
            with _RecipientContext(user):
                body = render_to_string("coprod/notifications/email.txt", {
                    "user": user, "notifications": waiting, "digest": True})
                message = EmailMessage(
                    subject=f"[{_('KIP platform')}] " + _("Your daily digest: %(count)d items")
                    % {"count": len(waiting)}, body=body, to=[user.email])
            try:
                message.send()
            except OSError as error:
                logger.warning("digest for user %s not emailed: %s", user.pk, error)
                continue
            Notification.objects.filter(pk__in=[item.pk for item in waiting]).update(
                email=Notification.Email.SENT, emailed_at=timezone.now())
            sent += 1
    return sent
