"""The AI registry pages: models, voices and datasets with their consents and licences."""

from django.urls import path

from coprod.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.registry, name="registry"),
    path("models/<int:model_id>/consents/new/", views.consent_new, name="consent-new"),
    path("consents/<int:consent_id>/", views.consent_detail, name="consent-detail"),
    path("consents/<int:consent_id>/revoke/", views.consent_revoke, name="consent-revoke"),
    path("consents/<int:consent_id>/document/", views.consent_document,
         name="consent-document"),
]
