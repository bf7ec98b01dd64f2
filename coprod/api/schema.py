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
