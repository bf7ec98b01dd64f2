"""The background-work page, and retry and cancel for any kind of run."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from coprod.audit.models import Event
from localization.permissions import check_can_view_localization, check_can_view_run
from localization.runs import selectors, services
from localization.runs.registry import kind_for


def run_list(request):
    check_can_view_localization(request.user)
    rows = selectors.run_rows(active_only=request.GET.get("active") == "1")
    template = ("localization/partials/run_table.html" if request.headers.get("HX-Request")
                else "localization/run_list.html")
    return render(request, template, {"rows": rows,
                                      "polling": selectors.runs_active_exist(rows)})


def _run_or_404(kind_key: str, run_id: int):
    kind = kind_for(kind_key)
    run = kind.queryset().filter(pk=run_id).first() if kind else None
    if run is None:
        raise Http404(_("No such run."))
    return kind, run


def run_history(request, kind: str, run_id: int):
    """One run's facts and its events (queued, each state, retries, requeues)."""
    kind, run = _run_or_404(kind, run_id)
    check_can_view_run(request.user, kind.key, run)
    return render(request, "localization/run_history.html", {
        "kind": kind, "run": run, "subject": selectors.RunRow(kind, run).subject,
        "events": Event.objects.about(run).select_related("actor")[:300]})


def _back(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(target)
    return redirect("localization:run-list")


ACTIONS = {
    "retry": (services.run_retry, gettext_lazy("%(kind)s #%(id)s is queued again.")),
    "cancel": (services.run_cancel, gettext_lazy("%(kind)s #%(id)s was cancelled.")),
}


@require_POST
def run_action(request, kind: str, run_id: int, action: str):
    """Retry or cancel a run of any kind, with that kind's permission check."""
    kind, run = _run_or_404(kind, run_id)
    change, done = ACTIONS[action]
    try:
        change(kind=kind, run=run, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done % {"kind": kind.label, "id": run.pk})
    return _back(request)
