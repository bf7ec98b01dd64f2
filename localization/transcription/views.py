"""The localization overview and the jobs pages (retry and cancel are the runs' own
views, ``localization.runs.views``)."""

from django.shortcuts import render

from coprod.accounts.permissions import roles_required
from coprod.catalog.selectors import title_list
from localization.permissions import (
    LOCALIZATION_ROLES,
    check_can_view_localization,
)
from localization.subtitles import selectors as subtitles_selectors
from localization.subtitles.formats import FORMATS
from localization.transcription import selectors


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
