"""The pipeline's pages, in the ``localization`` namespace, grouped by step."""

from django.urls import path

from localization.credentials import views as credentials_views
from localization.delivery import views as delivery_views
from localization.dubbing import views as dubbing_views
from localization.media import views as media_views
from localization.qa import views as qa_views
from localization.review import views as editor_views
from localization.runs import views as runs_views
from localization.shots import views as shots_views
from localization.subtitles import views as subtitles_views
from localization.transcription import views as transcription_views
from localization.translation import views as translation_views

app_name = "localization"
urlpatterns = [
    path("", transcription_views.overview, name="overview"),
    path("jobs/", transcription_views.job_list, name="job-list"),
    path("jobs/table/", transcription_views.job_table, name="job-table"),
    path("runs/", runs_views.run_list, name="run-list"),
    path("runs/<str:kind>/<int:run_id>/", runs_views.run_history, name="run-history"),
    path("runs/<str:kind>/<int:run_id>/retry/", runs_views.run_action, {"action": "retry"},
         name="run-retry"),
    path("runs/<str:kind>/<int:run_id>/cancel/", runs_views.run_action, {"action": "cancel"},
         name="run-cancel"),
    path("media/upload/", media_views.media_upload, name="media-upload"),
    path("media/demo-clip/", media_views.demo_clip, name="demo-clip"),
    path("tracks/import/", subtitles_views.track_import, name="track-import"),
    path("tracks/<int:track_id>/", subtitles_views.track_detail, name="track-detail"),
    path("tracks/<int:track_id>/translate/", translation_views.track_translate,
         name="track-translate"),
    path("tracks/<int:track_id>/quality/", qa_views.track_quality, name="track-quality"),
    path("tracks/<int:track_id>/cues/<int:cue_id>/check/", qa_views.cue_check, name="cue-check"),
    path("titles/<int:title_id>/glossary/", translation_views.glossary, name="glossary"),
    path("memory/", translation_views.memory, name="memory"),
    # The subtitle editor and its JSON endpoints.
    path("tracks/<int:track_id>/editor/", editor_views.editor_page, name="editor"),
    path("tracks/<int:track_id>/editor/cues/", editor_views.cue_list, name="editor-cues"),
    path("tracks/<int:track_id>/editor/assign/", editor_views.track_assign,
         name="editor-assign"),
    path("tracks/<int:track_id>/editor/reopen/", editor_views.track_reopen,
         name="editor-reopen"),
    path("tracks/<int:track_id>/editor/media/", editor_views.track_media, name="editor-media"),
    path("tracks/<int:track_id>/editor/waveform/", editor_views.track_waveform,
         name="editor-waveform"),
    path("tracks/<int:track_id>/editor/cues/<int:cue_id>/", editor_views.cue_save,
         name="editor-cue-save"),
    path("tracks/<int:track_id>/editor/cues/<int:cue_id>/speaker/", editor_views.cue_speaker,
         name="editor-cue-speaker"),
    path("tracks/<int:track_id>/speakers/rename/", editor_views.speaker_rename,
         name="speaker-rename"),
    path("tracks/<int:track_id>/editor/cues/<int:cue_id>/split/", editor_views.cue_split,
         name="editor-cue-split"),
    path("tracks/<int:track_id>/editor/cues/<int:cue_id>/merge/", editor_views.cue_merge,
         name="editor-cue-merge"),
    path("tracks/<int:track_id>/editor/cues/<int:cue_id>/state/", editor_views.cue_state,
         name="editor-cue-state"),
    path("tracks/<int:track_id>/editor/cues/<int:cue_id>/comments/",
         editor_views.cue_comments, name="editor-cue-comments"),
    path("tracks/<int:track_id>/editor/cues/<int:cue_id>/history/", editor_views.cue_history,
         name="editor-cue-history"),
    path("tracks/<int:track_id>/editor/cues/<int:cue_id>/revert/", editor_views.cue_revert,
         name="editor-cue-revert"),
    path("tracks/<int:track_id>/editor/cues/<int:cue_id>/assist/", editor_views.cue_assist,
         name="editor-cue-assist"),
    # Shot changes of the track's media.
    path("tracks/<int:track_id>/shots/", shots_views.shots_section, name="shots-section"),
    path("tracks/<int:track_id>/shots/detect/", shots_views.shots_detect, name="shots-detect"),
    path("tracks/<int:track_id>/editor/shots/", shots_views.track_shots, name="editor-shots"),
    # Dubbing and delivery packages.
    path("tracks/<int:track_id>/dub/", dubbing_views.dub_section, name="dub-section"),
    path("tracks/<int:track_id>/dub/voices/", dubbing_views.voice_roles_save,
         name="dub-voices"),
    path("tracks/<int:track_id>/dub/build/", dubbing_views.dub_build, name="dub-build"),
    path("tracks/<int:track_id>/dub/package/", delivery_views.package_build,
         name="package-build"),
    # Content Credentials: verify a dub's files or a package; the ZIP's sidecar.
    path("dubs/<int:dub_id>/verify/", credentials_views.dub_verify, name="dub-verify"),
    path("packages/<int:package_id>/verify/", credentials_views.package_verify,
         name="package-verify"),
    path("packages/<int:package_id>/credentials/",
         credentials_views.package_credentials_download, name="package-credentials"),
    path("dubs/<int:dub_id>/<str:kind>/", dubbing_views.dub_audio, name="dub-audio"),
    path("packages/<int:package_id>/", delivery_views.package_download,
         name="package-download"),
    path("tracks/<int:track_id>/<str:fmt>/", subtitles_views.track_download, name="track-download"),
]
