from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from config.metrics import metrics_view
from coprod.accounts import views as accounts_views
from coprod.api import token_views as api_token_views
from coprod.portal.site import partner_portal
from coprod.system import views as system_views
from coprod.urls import catalog_patterns, partner_patterns

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/preferences/", accounts_views.preferences, name="preferences"),
    # The language switcher also serves the log-in page.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("catalog/", include(catalog_patterns)),
    path("agreements/", include("coprod.agreements.urls")),
    path("compute/", include("coprod.compute.urls")),
    path("registry/", include("coprod.registry.urls")),
    path("notifications/", include("coprod.notifications.urls")),
    path("partner/", include(partner_patterns)),
    path("localization/", include("localization.urls")),
    path("system/", system_views.system_status, name="system-status"),
    path("system/health-check/", system_views.system_health_check, name="system-health-check"),
    # The container probes' liveness answer (infra/k8s, infra/compose.yaml).
    path("healthz", system_views.liveness, name="healthz"),
    # Prometheus: requests, queue lengths, the broker (config/metrics.py).
    path("metrics", login_not_required(metrics_view), name="metrics"),
    path("admin/", admin.site.urls),
    path("portal/", partner_portal.urls),
    path("api/", include("config.api_urls")),
    path("accounts/preferences/tokens/", api_token_views.token_create, name="api-token-create"),
    path("accounts/preferences/tokens/<int:token_id>/revoke/", api_token_views.token_revoke,
         name="api-token-revoke"),
]

# Under /api/ every error is a problem (application/problem+json); elsewhere, the pages.
handler400 = "coprod.api.problems.bad_request"
handler403 = "coprod.api.problems.permission_denied"
handler404 = "coprod.api.problems.page_not_found"
handler500 = "coprod.api.problems.server_error"

# Stored files (media, documents, dubs, packages) are never served as plain /media/ URLs:
# each is downloaded through a view that checks the user's access to its object.
