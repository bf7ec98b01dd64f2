"""``/api/``: the business side's resources (``coprod.api``) and the pipeline's
(``localization.api``) under one version and one schema."""

from coprod.api.urls import api_urlpatterns
from localization.api.urls import version_1 as localization_version_1

app_name = "api"
urlpatterns = api_urlpatterns(*localization_version_1)
