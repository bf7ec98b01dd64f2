"""The administrator's system status page, and the liveness answer for the probes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

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


@login_not_required
@never_cache
@require_safe
def liveness(request):
    """200 while this web process answers requests: the container probes (Kubernetes,
    Compose) ask it often, so it touches no database, broker or bucket; an outage of
    those must not get every web process restarted."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
