"""Refusing, with a 400, requests whose parameters cannot be stored or searched."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from coprod.api.problems import is_api_request, problem_response

NUL = "\x00"


def _has_nul(parameters) -> bool:
    return any(NUL in key or any(NUL in value for value in values)
               for key, values in parameters.lists())


class RejectNulCharacterMiddleware:
    """Answer 400 to a request whose path or GET or POST parameters hold a NUL character.

    PostgreSQL refuses NUL in text, so such a value reaching a filter, a search or a save
    would be a server error; no form or link of the platform ever sends one. It runs as a
    view hook, after the log-in check, so that anonymous users are still sent to log in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if NUL in request.path_info or _has_nul(request.GET) or (
                request.method == "POST" and _has_nul(request.POST)):
            return self.refusal(request)
        return None

    @staticmethod
    def refusal(request):
        reason = _("The request contains a NUL character, which is not allowed.")
        if is_api_request(request):
            return problem_response(request, "validation", detail=reason, errors=[
                {"detail": reason, "parameter": key} for key, values in request.GET.lists()
                if NUL in key or any(NUL in value for value in values)])
        if (request.content_type == "application/json"
                or "application/json" in request.headers.get("Accept", "")):
            return JsonResponse({"error": reason}, status=400)
        return render(request, "400.html", {"reason": reason}, status=400)
