"""The administrator's system status page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coprod.accounts.permissions import (
    SYSTEM_ROLES,
    roles_required,
)
from coprod.system import selectors, services


@roles_required(SYSTEM_ROLES)
def system_status(request):
    return render(request, "coprod/system_status.html", {
        "checks": selectors.recent_health_checks(),
    })


@require_POST
@roles_required(SYSTEM_ROLES)
def system_health_check(request):
    task_ids = services.worker_health_check_enqueue()
    messages.info(request, _("Sent a health check to %(count)d queues.") % {"count": len(task_ids)})
    return redirect("system-status")
