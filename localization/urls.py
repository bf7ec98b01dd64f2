from django.urls import path

from localization import views

app_name = "localization"
urlpatterns = [path("", views.overview, name="overview")]
