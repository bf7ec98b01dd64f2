"""The OpenAPI 3 schema (drf-spectacular), with what every operation may answer besides
its success: the problems (``application/problem+json``) and their headers, and the
``Idempotency-Key`` header of the POSTs that honour it."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from coprod.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from coprod.api.idempotency import MAX_KEY_LENGTH
from coprod.api.problems import PROBLEM_CONTENT_TYPE
from coprod.api.serializers import ProblemSerializer

PROBLEMS = {
    "400": "The request is not valid (problem type `validation`: each error in `errors`) "
           "or cannot be read",
    "401": "No credentials, or a token that is unknown, expired or revoked",
    "403": "The token's scope or the account's roles do not allow this",
    "404": "No such object among those you may see, or no such page of results",
    "429": "Too many requests for this token; see Retry-After",
}
IDEMPOTENT_PROBLEMS = {
    "409": "The object's state refuses it, or a request with this Idempotency-Key is still "
           "running",
    "422": "This Idempotency-Key was used for another request",
}
PROBLEM_HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"},
                                 "description": "How to authenticate: Bearer"}},
    "429": {"Retry-After": {"schema": {"type": "integer"},
                            "description": "Seconds to wait before the next request"}},
}


def is_idempotent(view, method: str) -> bool:
    if method != "POST":
        return False
    handler = getattr(view, getattr(view, "action", None) or "post", None)
    return bool(getattr(handler, "honours_idempotency_key", False))


class AutoSchema(SpectacularAutoSchema):
    def _get_parameters(self):
        parameters = super()._get_parameters()
        if is_idempotent(self.view, self.method):
            parameters.append({
                "in": "header", "name": IDEMPOTENCY_HEADER, "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
                           "pattern": "^[!-~]+$"},
                "description": "Any unique value (a UUID): a retry with the same key gets "
                               "the first answer again instead of doing the work twice."})
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        problems = dict(PROBLEMS)
        if self.method == "POST":
            problems.update(IDEMPOTENT_PROBLEMS)
        for code, description in problems.items():
            if code in responses:
                continue
            response = self._get_response_for_code(ProblemSerializer, code,
                                                   media_types=[PROBLEM_CONTENT_TYPE],
                                                   direction=direction)
            response["description"] = description
            if code in PROBLEM_HEADERS:
                response["headers"] = PROBLEM_HEADERS[code]
            responses[code] = response
        return responses


def document_extra_methods(result, generator, request, public):
    """A ``POSTPROCESSING_HOOKS`` entry. drf-spectacular leaves HEAD and OPTIONS out of the
    schema, but the resumable uploads (tus) answer both as operations of their own: a view
    names such methods in ``schema_extra_methods`` and they are documented like the others
    (from the view's ``extend_schema``), so that clients and the schema tests see them."""
    from drf_spectacular.settings import spectacular_settings

    prefix = spectacular_settings.SCHEMA_PATH_PREFIX or ""
    prefix = prefix if prefix.startswith("^") else f"^{prefix}"
    seen = set()
    for path, path_regex, _method, callback in generator.endpoints or ():
        view_class = getattr(callback, "cls", None)
        methods = getattr(view_class, "schema_extra_methods", ())
        if not methods or (path, view_class) in seen:
            continue
        seen.add((path, view_class))
        for method in methods:
            view = generator.create_view(callback, method)
            documented_path = generator.coerce_path(path, method, view)
            view.request = spectacular_settings.GET_MOCK_REQUEST(method, documented_path, view,
                                                                 request)
            operation = view.schema.get_operation(documented_path, path_regex, prefix, method,
                                                  generator.registry)
            if operation:
                result["paths"].setdefault(documented_path, {})[method.lower()] = operation
    return result
