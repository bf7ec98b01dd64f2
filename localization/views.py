from django.shortcuts import render

from coprod.permissions import roles_required
from coprod.selectors import title_list
from localization.permissions import LOCALIZATION_ROLES


@roles_required(LOCALIZATION_ROLES)
def overview(request):
    return render(request, "localization/overview.html", {"titles": title_list()})
