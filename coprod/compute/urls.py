"""The compute pages: dashboard, CSV exports, budget holds, prices."""

from django.urls import path

from coprod.compute import views

app_name = "compute"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("usage.csv", views.usage_csv, name="usage-csv"),
    path("rollup.csv", views.rollup_csv, name="rollup-csv"),
    path("holds/<int:hold_id>/decide/", views.hold_decide, name="hold-decide"),
    path("prices/", views.prices, name="prices"),
]
