"""Django finds an app's models here: each step of the pipeline keeps its own models
module, imported below so that they all belong to the ``localization`` app."""

from localization.delivery.models import DeliveryPackage
from localization.dubbing.models import DubClip, DubTrack, VoiceRole
from localization.media.models import MediaAsset, ResumableUpload
from localization.review.models import CueComment, MediaWaveform
from localization.runs.models import TrackRun
from localization.shots.models import ShotDetection
from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack
from localization.transcription.models import LocalizationJob
from localization.translation.models import GlossaryTerm, TranslationMemoryEntry

__all__ = [
    "CueComment", "CueRevision", "DeliveryPackage", "DubClip", "DubTrack", "GlossaryTerm",
    "LocalizationJob", "MediaAsset", "MediaWaveform", "ResumableUpload", "ShotDetection",
    "SubtitleCue", "SubtitleTrack", "TrackRun", "TranslationMemoryEntry", "VoiceRole",
]
