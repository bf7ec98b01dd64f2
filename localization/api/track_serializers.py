"""What the API says about subtitle tracks and their cues, and what it accepts for a cue's
edit or review. Shapes only: the rules (times, states, who may) are the review services'."""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from coprod.api.serializers import ProblemSerializer
from localization.api.serializers import api_url
from localization.permissions import user_display_name
from localization.review.services import MAX_CUE_TIME_MS
from localization.subtitles.disclosure import Origin, track_disclosure
from localization.subtitles.formats import FORMATS
from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack

State = SubtitleCue.State
# A cue's words and a review comment: far beyond any subtitle, short of abuse.
MAX_TEXT_LENGTH = 5000
# The workflow actions a cue's review takes (``localization.review.services.cue_set_state``).
REVIEW_ACTIONS = (CueRevision.Action.APPROVE, CueRevision.Action.REJECT,
                  CueRevision.Action.TRANSLATED, CueRevision.Action.NEEDS_REVIEW)


def cue_etag(cue: SubtitleCue) -> str:
    """A cue's strong ETag: its revision, quoted (every saved edit or state change moves
    it on)."""
    return f'"{cue.revision}"'


def track_etag(track: SubtitleTrack) -> str:
    """A track's strong ETag: a digest of its state and of each cue's id, number and
    revision, so that any edit, split, merge, approval or reopening changes it."""
    digest = hashlib.sha256(f"{track.pk}:{track.version}:{track.review_state}:"
                            f"{track.locked_at.isoformat() if track.locked_at else ''}".encode())
    for row in track.cues.order_by("index").values_list("pk", "index", "revision"):
        digest.update(b"|%d:%d:%d" % row)
    return f'"{digest.hexdigest()[:32]}"'


class DisclosureCueSerializer(serializers.Serializer):
    cue = serializers.IntegerField(help_text="The cue's number")
    origin = serializers.ChoiceField(choices=Origin.choices)


class DisclosureSerializer(serializers.Serializer):
    origin = serializers.ChoiceField(choices=Origin.choices)
    label = serializers.CharField()
    cues = serializers.DictField(child=serializers.IntegerField(),
                                 help_text="How many cues have each origin")
    cues_that_differ = DisclosureCueSerializer(many=True)


class TrackSerializer(serializers.ModelSerializer):
    """A subtitle track: one language of a title, one version; its review state and cue
    counts, and where to read its cues and download it in every format."""

    title = serializers.PrimaryKeyRelatedField(read_only=True)
    media = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    source_track = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The track this one was translated from")
    approved_by = serializers.SerializerMethodField(help_text="Who approved the last cue")
    cue_count = serializers.SerializerMethodField()
    cue_states = serializers.SerializerMethodField(
        help_text="How many cues are in each state (states with none are left out)")
    cues_url = serializers.SerializerMethodField()
    exports = serializers.SerializerMethodField(
        help_text="The download address of the track in each subtitle format")
    export_losses_url = serializers.SerializerMethodField(
        help_text="What each format would not carry of the track")
    disclosure = serializers.SerializerMethodField(
        help_text="Machine-made, machine-made and revised by a person, or made by a person: "
                  "the track's origin, the count of cues of each and the cues that differ")

    class Meta:
        model = SubtitleTrack
        fields = ("id", "title", "media", "language", "version", "source", "source_track",
                  "review_state", "locked_at", "approved_by", "created_at", "cue_count",
                  "cue_states", "cues_url", "exports", "export_losses_url", "disclosure")
        read_only_fields = fields

    @extend_schema_field(DisclosureSerializer)
    def get_disclosure(self, track) -> dict:
        return track_disclosure(track).as_dict()

    def get_approved_by(self, track) -> str | None:
        return user_display_name(track.approved_by) or None

    def get_cue_count(self, track) -> int:
        counted = getattr(track, "cue_count", None)
        return counted if counted is not None else track.cues.count()

    def get_cue_states(self, track) -> dict[str, int]:
        counts = {state: getattr(track, f"cues_{state}", None) for state in State.values}
        if any(count is None for count in counts.values()):
            counts = dict.fromkeys(State.values, 0)
            for state in track.cues.values_list("state", flat=True):
                counts[state] = counts.get(state, 0) + 1
        return {state: count for state, count in counts.items() if count}

    def get_cues_url(self, track) -> str | None:
        return api_url(self.context, "track-cues", track.pk)

    def get_exports(self, track) -> dict[str, str]:
        request = self.context.get("request")
        if request is None:
            return {}
        return {fmt: reverse("api:v1:track-export", args=[track.pk, fmt], request=request)
                for fmt in FORMATS}

    def get_export_losses_url(self, track) -> str | None:
        return api_url(self.context, "track-export-losses", track.pk)


class TrackStateSerializer(serializers.ModelSerializer):
    """A track's review state, as it stands after a cue's review."""

    approved_by = serializers.SerializerMethodField()

    class Meta:
        model = SubtitleTrack
        fields = ("id", "review_state", "locked_at", "approved_by")
        read_only_fields = fields

    def get_approved_by(self, track) -> str | None:
        return user_display_name(track.approved_by) or None


class CueSerializer(serializers.ModelSerializer):
    """One subtitle cue. ``revision`` moves on with every saved edit or state change;
    ``etag`` is its ETag, which ``If-Match`` must repeat to change the cue."""

    track = serializers.PrimaryKeyRelatedField(read_only=True)
    source_cue = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True,
        help_text="The cue of the source track this one translates")
    source_text = serializers.SerializerMethodField(help_text="The source cue's text")
    etag = serializers.SerializerMethodField(help_text="The cue's ETag, quotes included")
    format_settings = serializers.JSONField(
        read_only=True, help_text="The imported file's own settings for the cue, kept for "
                                  "the export to the same format")
    qa_issues = serializers.ListField(child=serializers.DictField(), read_only=True,
                                      help_text="The QA checks' findings on the cue")

    class Meta:
        model = SubtitleCue
        fields = ("id", "track", "index", "start_ms", "end_ms", "text", "speaker", "state",
                  "revision", "etag", "identifier", "position", "vertical", "format_settings",
                  "qa_issues", "source_cue", "source_text", "engine", "model_name",
                  "tm_match_percent", "updated_at")
        read_only_fields = fields

    def get_source_text(self, cue) -> str | None:
        return cue.source_cue.text if cue.source_cue_id else None

    def get_etag(self, cue) -> str:
        return cue_etag(cue)


class CueUpdateSerializer(serializers.Serializer):
    """A cue's edit: its words and times; what is left out stays as it is."""

    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                 max_length=MAX_TEXT_LENGTH,
                                 help_text="Italics as <i>…</i>; lines separated by \\n")
    start_ms = serializers.IntegerField(required=False, min_value=0, max_value=MAX_CUE_TIME_MS)
    end_ms = serializers.IntegerField(required=False, min_value=1, max_value=MAX_CUE_TIME_MS)


class CueReviewSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[(action.value, action.label) for action in REVIEW_ACTIONS],
        help_text="approve or reject (reviewers); translated or needs_review (translators)")
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=MAX_TEXT_LENGTH,
                                    help_text="Why: needed to reject; kept on the cue")

    def validate(self, data):
        if data["action"] == CueRevision.Action.REJECT and not data["comment"].strip():
            raise serializers.ValidationError({"comment": [_("Say why the cue is rejected.")]})
        return data


class CueReviewResultSerializer(serializers.Serializer):
    cue = CueSerializer()
    track = TrackStateSerializer()


class TrackReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=MAX_TEXT_LENGTH)


class CuePreconditionFailedSerializer(ProblemSerializer):
    """A 412: the problem, and the cue as it is now."""

    current = CueSerializer(help_text="The cue as it is now (its ETag is the answer's)")


# Per format, what an export would leave out of the track (``track_export_losses``).
ExportLossesSerializer = type("ExportLossesSerializer", (serializers.Serializer,), {
    "__doc__": "Per subtitle format, what an export would not carry of the track, one "
               "sentence each; a format that cannot hold the track at all has the reason as "
               "its one sentence. Empty: nothing is lost.",
    "__module__": __name__,
    **{fmt: serializers.ListField(child=serializers.CharField(), help_text=label)
       for fmt, (label, _type, _extension) in FORMATS.items()},
})
