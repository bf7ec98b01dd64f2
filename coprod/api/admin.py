"""API tokens in the full admin: listed (never their secrets), and revoked by an
administrator through the same service as the preferences page."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from coprod.api.models import ApiToken
from coprod.api.services import api_token_revoke
from coprod.core.admin import ServiceOnlyAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceOnlyAdmin):
    list_display = ("prefix", "name", "user", "scope", "created_at", "expires_at",
                    "last_used_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("prefix", "name", "user__username")
    exclude = ("secret_hash",)
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(actor=request.user, token=token)
        self.message_user(request, ngettext("%(count)d token revoked.",
                                            "%(count)d tokens revoked.", len(tokens))
                          % {"count": len(tokens)}, messages.SUCCESS)
