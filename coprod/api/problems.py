"""Errors as RFC 9457 problem details (``application/problem+json``), everywhere in the
API: DRF's exceptions, Django's (404, 403, a service's ValidationError), and the 400, 403,
404 and 500 that Django itself answers for an ``/api/`` address (no route, a crash).

Each problem has a ``type`` (a reference under ``/api/problems/``, described there), a
``title`` that stays the same for the type, the ``status``, a ``detail`` for this
occurrence and the ``instance`` (the request's path). A request that is not valid lists
every error in ``errors``, each with a JSON pointer into the body or the query
parameter it concerns.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.utils.encoders import JSONEncoder

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "/api/problems/"

# slug: (title, status, what it means and what to do)
PROBLEM_TYPES: dict[str, tuple[str, int, str]] = {
    "validation": (gettext_lazy("The request is not valid"), 400, gettext_lazy(
        "A field of the body or a query parameter is wrong; `errors` lists each one, with "
        "a JSON `pointer` into the body or the `parameter` it concerns.")),
    "malformed-request": (gettext_lazy("The request cannot be read"), 400, gettext_lazy(
        "The body is not well-formed JSON, or a header is malformed.")),
    "not-authenticated": (gettext_lazy("Authentication is needed"), 401, gettext_lazy(
        "Send `Authorization: Bearer <token>` with a token from your preferences page.")),
    "invalid-token": (gettext_lazy("The API token is not valid"), 401, gettext_lazy(
        "No active token has this secret. Tokens are shown once, when created.")),
    "token-expired": (gettext_lazy("The API token has expired"), 401, gettext_lazy(
        "Create a new token on your preferences page.")),
    "token-revoked": (gettext_lazy("The API token was revoked"), 401, gettext_lazy(
        "Its owner or an administrator revoked it; create a new one.")),
    "insufficient-scope": (gettext_lazy("The token's scope does not allow this"), 403,
                           gettext_lazy("Writing needs a token with the write scope.")),
    "permission-denied": (gettext_lazy("Permission denied"), 403, gettext_lazy(
        "Your account's roles do not allow this; `detail` says which roles it needs.")),
    "not-found": (gettext_lazy("Not found"), 404, gettext_lazy(
        "No such object among those you may see (another company's objects are not found, "
        "exactly like missing ones).")),
    "method-not-allowed": (gettext_lazy("Method not allowed"), 405, gettext_lazy(
        "The `Allow` header lists the methods of this address.")),
    "not-acceptable": (gettext_lazy("Not acceptable"), 406, gettext_lazy(
        "This address answers in none of the media types of your `Accept` header.")),
    "conflict": (gettext_lazy("The request conflicts with the object's state"), 409,
                 gettext_lazy("`detail` says what the object's state is and what it needs.")),
    "idempotency-key-in-use": (gettext_lazy("A request with this Idempotency-Key is still "
                                            "running"), 409,
                               gettext_lazy("Retry once the first request has been answered.")),
    "idempotency-key-reused": (gettext_lazy("This Idempotency-Key was used for another "
                                            "request"), 422, gettext_lazy(
        "A key identifies one request (method, address and body); use a new key for a "
        "new request.")),
    "precondition-failed": (gettext_lazy("The object changed since you read it"), 412,
                            gettext_lazy(
        "`If-Match` names an ETag that is no longer the object's: someone else saved it in "
        "the meantime, and nothing of your change was saved. The answer's `ETag` header (and "
        "`current`, where given) is the object as it is now: apply your change to it and send "
        "that ETag.")),
    "precondition-required": (gettext_lazy("This change needs If-Match"), 428, gettext_lazy(
        "Send `If-Match` with the ETag you read (a GET answers it), so that you cannot "
        "overwrite a change someone else saved in the meantime.")),
    "unsupported-media-type": (gettext_lazy("Unsupported media type"), 415, gettext_lazy(
        "Send JSON bodies as `application/json`, and the bytes of a resumable upload as "
        "`application/offset+octet-stream`.")),
    "throttled": (gettext_lazy("Too many requests"), 429, gettext_lazy(
        "This token made too many requests; `Retry-After` says how many seconds to wait.")),
    # Resumable uploads (tus, /api/v1/uploads/).
    "payload-too-large": (gettext_lazy("Too large"), 413, gettext_lazy(
        "The file, or the piece of an upload, is larger than accepted here; `detail` says "
        "both sizes. Nothing of it was kept.")),
    "unsupported-tus-version": (gettext_lazy("The tus protocol version is not supported"),
                                412, gettext_lazy(
        "Send `Tus-Resumable: 1.0.0` with every request of a resumable upload (but OPTIONS); "
        "`Tus-Version` lists the versions this server speaks.")),
    "upload-offset-mismatch": (gettext_lazy("The upload is not at this offset"), 409,
                               gettext_lazy(
        "`Upload-Offset` must be the number of bytes the server has (the answer's "
        "`Upload-Offset` header, or HEAD the upload): send the rest from there.")),
    "upload-expired": (gettext_lazy("The upload expired"), 410, gettext_lazy(
        "Nothing was sent to this upload for `API_UPLOAD_EXPIRY_HOURS` (24 by default), so "
        "its bytes were deleted: start a new upload.")),
    "upload-refused": (gettext_lazy("The uploaded file was refused"), 422, gettext_lazy(
        "All the bytes arrived, but the file is not one the platform takes in (not video "
        "or audio, no sound, not the SHA-256 announced...): `detail` says why. The upload "
        "is failed and nothing was stored; fix the file and upload it again.")),
    "checksum-mismatch": (gettext_lazy("The checksum does not match"), 460, gettext_lazy(
        "The bytes received do not have the `Upload-Checksum` sent with them (damaged on "
        "the way); none of them were kept: send the same piece again.")),
    "server-error": (gettext_lazy("Server error"), 500, gettext_lazy(
        "Something went wrong on the platform's side; it is logged. Retry later.")),
}


def problem_type(slug: str) -> str:
    return f"{PROBLEM_BASE}{slug}"


def problem_response(request, slug: str, *, detail: str = "", status_code: int | None = None,
                     errors: list[dict] | None = None, headers: dict | None = None
                     ) -> HttpResponse:
    title, default_status, _meaning = PROBLEM_TYPES[slug]
    body = {"type": problem_type(slug), "title": str(title),
            "status": status_code or default_status,
            "detail": str(detail or title),
            "instance": request.path if request is not None else ""}
    if errors is not None:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body, cls=JSONEncoder, ensure_ascii=False),
                            content_type=PROBLEM_CONTENT_TYPE, status=body["status"])
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# --- validation errors as a list of pointers ----------------------------------------------

def _pointer(parts: list[str]) -> str:
    escaped = [str(part).replace("~", "~0").replace("/", "~1") for part in parts]
    return "#/" + "/".join(escaped) if escaped else "#"


def _flatten(detail, parts: list[str]) -> list[tuple[list[str], str]]:
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            inner = parts if key in ("non_field_errors", "__all__") else [*parts, str(key)]
            found += _flatten(value, inner)
        return found
    if isinstance(detail, list | tuple):
        # A list of messages for one field, or one entry per item of a list field.
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            return [(parts, str(item)) for item in detail]
        found = []
        for index, item in enumerate(detail):
            found += _flatten(item, [*parts, str(index)])
        return found
    return [(parts, str(detail))]


def validation_errors(detail, *, in_query: bool) -> list[dict]:
    """One entry per message: ``pointer`` (RFC 6901, into the body) for a body, or the
    query ``parameter`` for a read's query string."""
    errors = []
    for parts, message in _flatten(detail, []):
        entry = {"detail": message}
        if in_query:
            entry["parameter"] = parts[0] if parts else ""
        else:
            entry["pointer"] = _pointer(parts)
        errors.append(entry)
    return errors


def _validation_response(request, detail) -> HttpResponse:
    in_query = request is not None and request.method in ("GET", "HEAD", "OPTIONS")
    errors = validation_errors(detail, in_query=in_query)
    summary = "; ".join(error["detail"] for error in errors[:5])
    return problem_response(request, "validation", detail=summary, errors=errors)


# --- DRF's exception handler ---------------------------------------------------------------

class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with the object's state.")
    default_code = "conflict"


class InsufficientScope(exceptions.PermissionDenied):
    default_code = "insufficient-scope"


class TokenProblem(exceptions.AuthenticationFailed):
    """A token that is unknown, expired or revoked: ``code`` is the problem's slug."""


_BY_CLASS: tuple[tuple[type, str], ...] = (
    (InsufficientScope, "insufficient-scope"),
    (exceptions.NotAuthenticated, "not-authenticated"),
    (exceptions.PermissionDenied, "permission-denied"),
    (exceptions.NotFound, "not-found"),
    (exceptions.MethodNotAllowed, "method-not-allowed"),
    (exceptions.NotAcceptable, "not-acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported-media-type"),
    (exceptions.Throttled, "throttled"),
    (exceptions.ParseError, "malformed-request"),
    (Conflict, "conflict"),
)


def exception_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER``: every error a view raises, as a problem. Anything
    unexpected is left to Django (logged, then ``server_error`` answers)."""
    # Not at the top: DRF's views module loads the authentication classes, which load this.
    from rest_framework.views import set_rollback

    request = context.get("request")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return _validation_response(request, detail)
    if not isinstance(exc, exceptions.APIException):
        return None
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = f"{int(exc.wait)}"
    if isinstance(exc, exceptions.ValidationError):
        return _validation_response(request, exc.detail)
    if isinstance(exc, TokenProblem):
        slug = exc.get_codes() if isinstance(exc.get_codes(), str) else "invalid-token"
        slug = slug if slug in PROBLEM_TYPES else "invalid-token"
    elif isinstance(exc, exceptions.AuthenticationFailed):
        slug = "invalid-token"
    else:
        slug = next((name for cls, name in _BY_CLASS if isinstance(exc, cls)), None)
    detail = exc.detail if isinstance(exc.detail, str) else ""
    if slug is None:
        # Another APIException: its status, described by the status alone.
        return problem_response(request, "conflict" if exc.status_code == 409 else
                                "validation" if exc.status_code == 400 else "server-error",
                                detail=detail, status_code=exc.status_code, headers=headers)
    if exc.status_code != PROBLEM_TYPES[slug][1]:
        # DRF answers 403 instead of 401 when no authenticator can say how to log in.
        return problem_response(request, slug, detail=detail, status_code=exc.status_code,
                                headers=headers)
    return problem_response(request, slug, detail=detail, headers=headers)


# --- Django's own error views (config.urls handler400/403/404/500) -----------------------

def is_api_request(request) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if is_api_request(request):
        return problem_response(request, "malformed-request")
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name=defaults.ERROR_403_TEMPLATE_NAME):
    if is_api_request(request):
        message = str(exception) if exception and str(exception) else ""
        return problem_response(request, "permission-denied", detail=message)
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    if is_api_request(request):
        return problem_response(request, "not-found",
                                detail=_("There is no API resource at this address."))
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    if is_api_request(request):
        return problem_response(request, "server-error")
    return defaults.server_error(request, template_name)


def no_resource(request, *args, **kwargs):
    """Every other address under /api/: a problem, in debug mode too (where Django would
    show its technical page), and no redirect to add a slash (a POST would be lost)."""
    from django.urls import Resolver404, resolve

    detail = _("There is no API resource at this address.")
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not no_resource:
            detail = _("There is no API resource at this address; the address ends with a "
                       "slash: %(path)s/") % {"path": request.path}
    return problem_response(request, "not-found", detail=detail)


no_resource.login_required = False
no_resource.csrf_exempt = True  # it changes nothing; a PATCH here is a 404 like a GET


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: under /api/ a problem (a browser session writing without the
    CSRF token), elsewhere Django's page."""
    from django.views.csrf import csrf_failure as page

    if is_api_request(request):
        return problem_response(request, "permission-denied",
                                detail=_("CSRF check failed: %(reason)s") % {"reason": reason})
    return page(request, reason=reason)


# --- the descriptions the types point to -------------------------------------------------

def problem_type_list(request):
    return JsonResponse({"problem_types": [_described(slug) for slug in PROBLEM_TYPES]})


def problem_type_detail(request, slug: str):
    if slug not in PROBLEM_TYPES:
        return page_not_found(request, None)
    return JsonResponse(_described(slug))


def _described(slug: str) -> dict:
    title, status_code, meaning = PROBLEM_TYPES[slug]
    return {"type": problem_type(slug), "title": str(title), "status": status_code,
            "description": str(meaning)}
