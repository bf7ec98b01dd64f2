"""How the API knows who calls: ``Authorization: Bearer kip_…`` with a token from the
preferences page, or the browser's session (for the documentation page and scripts run
in a logged-in browser; unsafe methods then need the CSRF token, as forms do)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from coprod.api.problems import TokenProblem
from coprod.api.services import TokenRefused, api_token_use

KEYWORD = "Bearer"


class ApiTokenAuthentication(BaseAuthentication):
    """A bearer token (RFC 6750). ``request.auth`` is the ``ApiToken``; every use records
    its ``last_used_at``."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise TokenProblem(_("Give the token after “Bearer”, with no spaces in it."),
                               "invalid-token")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise TokenProblem(_("The API token is not valid."), "invalid-token") from None
        try:
            record = api_token_use(token)
        except TokenRefused as refusal:
            raise TokenProblem(str(refusal), refusal.problem) from None
        return record.user, record

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "kip_<prefix>_<secret>",
                "description": "A token created on the preferences page, with the read or "
                               "write scope."}
