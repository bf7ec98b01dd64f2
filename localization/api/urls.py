"""The pipeline's resources under ``/api/v1/`` (joined in ``config.api_urls``)."""

from rest_framework.routers import SimpleRouter

from localization.api import tracks, uploads, views

router = SimpleRouter()
router.register("media", views.MediaViewSet, basename="media")
router.register("jobs", views.JobViewSet, basename="job")
router.register("translations", views.TranslationViewSet, basename="translation")
router.register("dubs", views.DubViewSet, basename="dub")
router.register("packages", views.PackageViewSet, basename="package")
tracks.register(router)

version_1 = [*uploads.urlpatterns, *router.urls]
