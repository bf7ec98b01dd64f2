from django.urls import path

from localization import views

app_name = "localization"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/table/", views.job_table, name="job-table"),
    path("jobs/<int:job_id>/retry/", views.job_retry, name="job-retry"),
    path("jobs/<int:job_id>/cancel/", views.job_cancel, name="job-cancel"),
    path("media/upload/", views.media_upload, name="media-upload"),
    path("media/demo-clip/", views.demo_clip, name="demo-clip"),
    path("tracks/import/", views.track_import, name="track-import"),
    path("tracks/<int:track_id>/", views.track_detail, name="track-detail"),
    path("tracks/<int:track_id>/translate/", views.track_translate, name="track-translate"),
    path("tracks/<int:track_id>/quality/", views.track_quality, name="track-quality"),
    path("tracks/<int:track_id>/cues/<int:cue_id>/check/", views.cue_check, name="cue-check"),
    path("titles/<int:title_id>/glossary/", views.glossary, name="glossary"),
    path("memory/", views.memory, name="memory"),
    path("tracks/<int:track_id>/<str:fmt>/", views.track_download, name="track-download"),
]
