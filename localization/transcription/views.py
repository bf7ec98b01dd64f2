"""The localization overview and the jobs pages (retry, cancel)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coprod.accounts.permissions import roles_required
from coprod.catalog.selectors import title_list
from localization.permissions import (
    LOCALIZATION_ROLES,
    check_can_change_job,
    check_can_view_localization,
)
from localization.subtitles import selectors as subtitles_selectors
from localization.subtitles.formats import FORMATS
from localization.transcription import selectors, services
from localization.transcription.models import LocalizationJob


@roles_required(LOCALIZATION_ROLES)
def overview(request):
    return render(request, "localization/overview.html", {
        "titles": title_list(),
        "tracks": subtitles_selectors.track_list()[:50],
        "formats": FORMATS,
    })


def job_list(request):
    check_can_view_localization(request.user)
    jobs = list(selectors.job_list())
    return render(request, "localization/job_list.html", {
        "jobs": jobs, "polling": selectors.jobs_active_exist(jobs), "formats": FORMATS,
    })


def job_table(request):
    """The jobs table alone, for htmx to swap in while jobs run."""
    check_can_view_localization(request.user)
    jobs = list(selectors.job_list())
    return render(request, "localization/partials/job_table.html", {
        "jobs": jobs, "polling": selectors.jobs_active_exist(jobs), "formats": FORMATS,
    })


@require_POST
def job_retry(request, job_id: int):
    job = get_object_or_404(LocalizationJob, pk=job_id)
    check_can_change_job(request.user, job)
    try:
        services.job_retry(job=job, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Job #%(id)s is queued again.") % {"id": job.pk})
    return redirect("localization:job-list")


@require_POST
def job_cancel(request, job_id: int):
    job = get_object_or_404(LocalizationJob, pk=job_id)
    check_can_change_job(request.user, job)
    try:
        services.job_cancel(job=job, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Job #%(id)s was cancelled.") % {"id": job.pk})
    return redirect("localization:job-list")
