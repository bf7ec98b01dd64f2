"""The business side's moments that wait on a person: agreements to approve, approvals
withdrawn, agreements executed, rights about to expire."""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from coprod.accounts.models import User
from coprod.accounts.roles import Role
from coprod.notifications.models import Kind
from coprod.notifications.services import notify


def _signatories(agreement) -> list[User]:
    return [party.signatory for party in agreement.parties.select_related("signatory")]


def agreement_awaiting_approval(agreement, *, actor=None) -> None:
    notify(recipients=_signatories(agreement), kind=Kind.AGREEMENT_AWAITING_APPROVAL,
           subject=lambda user: _("%(reference)s version %(version)d awaits your approval")
           % {"reference": agreement.reference, "version": agreement.version},
           body=lambda user: str(agreement.name),
           url=reverse("agreements:detail", args=[agreement.pk]),
           about=f"agreement:{agreement.pk}:v{agreement.version}", exclude=actor)


def approvals_withdrawn(agreement, *, actor=None) -> None:
    notify(recipients=_signatories(agreement), kind=Kind.AGREEMENT_APPROVALS_WITHDRAWN,
           subject=lambda user: _("%(reference)s changed: approvals withdrawn, version "
                                  "%(version)d awaits approval") %
           {"reference": agreement.reference, "version": agreement.version},
           url=reverse("agreements:detail", args=[agreement.pk]),
           about=f"agreement:{agreement.pk}:withdrawn:v{agreement.version}", exclude=actor)


def agreement_executed(agreement, *, actor=None) -> None:
    notify(recipients=_signatories(agreement), kind=Kind.AGREEMENT_EXECUTED,
           subject=lambda user: _("%(reference)s is executed") %
           {"reference": agreement.reference},
           body=lambda user: str(agreement.name),
           url=reverse("agreements:detail", args=[agreement.pk]),
           about=f"agreement:{agreement.pk}:executed:v{agreement.version}")


def rights_expiring_notify() -> int:
    """Each rights block ending within 90 days, once, to the rights managers (the daily
    digest by default). Returns how many notifications were written."""
    from coprod.rights.selectors import rights_expiring

    managers = list(User.objects.filter(groups__name=Role.RIGHTS_MANAGER, is_active=True,
                                        company__isnull=True).distinct())
    written = 0
    for block in rights_expiring(within_days=90):
        end = block.window.upper
        written += len(notify(
            recipients=managers, kind=Kind.RIGHTS_EXPIRING,
            subject=lambda user, block=block, end=end: _(
                "Rights on %(title)s end on %(date)s (%(contract)s)") % {
                "title": block.title, "date": date_format(end),
                "contract": block.contract_reference},
            url=reverse("catalog:title-detail", args=[block.title_id]),
            about=f"rights:{block.pk}:{end.isoformat()}"))
    return written
