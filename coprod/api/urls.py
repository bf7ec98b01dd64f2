"""``/api/``: the versioned resources under ``v1/``, the OpenAPI schema, its documentation
page and the problem types the errors point to.

The business side's resources are here; the pipeline adds its own (``localization.api``):
``config.api_urls`` joins both with ``api_urlpatterns``, so that this app never imports
the pipeline."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from coprod.api import problems, views

router = SimpleRouter()
router.register("titles", views.TitleViewSet, basename="title")
router.register("rights-blocks", views.RightsBlockViewSet, basename="rights-block")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("webhooks", views.WebhookViewSet, basename="webhook")
router.register("webhook-deliveries", views.WebhookDeliveryViewSet, basename="webhook-delivery")

version_1 = [path("me/", views.MeView.as_view(), name="me"),
             path("avails/", views.AvailsSearchView.as_view(), name="avails"), *router.urls]


def _token_or_session(patterns):
    """The API authenticates each request itself (a bearer token or the session), so the
    site's log-in redirect must not catch it first; DRF answers 401 instead."""
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns


def api_urlpatterns(*more_version_1) -> list:
    """The ``/api/`` patterns, with ``more_version_1`` (other apps' resources) in ``v1/``."""
    return [
        path("v1/", include((_token_or_session([*version_1, *more_version_1]), "v1"))),
        *_token_or_session([path("schema/", SpectacularAPIView.as_view(), name="schema")]),
        # A page for people: the log-in page first (it reads the schema with the session).
        path("docs/", login_required(SpectacularSwaggerView.as_view(url_name="api:schema")),
             name="docs"),
        *_token_or_session([
            path("problems/", problems.problem_type_list, name="problem-types"),
            path("problems/<slug:slug>", problems.problem_type_detail, name="problem-type"),
        ]),
        # Last: any other address under /api/ answers a problem (404).
        re_path(r"", problems.no_resource),
    ]
