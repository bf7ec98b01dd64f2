from django.urls import path

from coprod.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:notification_id>/open/", views.notification_open, name="open"),
    path("read/", views.notification_read_all, name="read-all"),
    path("preferences/", views.preferences_save, name="preferences"),
]
