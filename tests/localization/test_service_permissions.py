"""Services run the same permission checks as the pages when a person is named: a call
from a script or another service with that user is refused the same way."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from coprod.accounts.roles import Role
from localization.delivery import services as delivery_services
from localization.dubbing import services as dubbing_services
from localization.media.models import MediaAsset
from localization.subtitles import services as subtitles_services
from localization.subtitles.models import SubtitleTrack
from localization.transcription import services as transcription_services
from localization.translation import glossary, memory
from localization.translation import services as translation_services
from tests.factories import CompanyFactory, TitleFactory
from tests.localization.conftest import DEMO_CLIP
from tests.localization.dubbing_helpers import approved_track

pytestmark = pytest.mark.django_db


def test_a_partner_studio_user_is_refused_by_the_pipeline_services(make_user):
    partner = make_user(Role.PARTNER_STUDIO)
    title = TitleFactory()
    with pytest.raises(PermissionDenied):
        transcription_services.media_transcribe(
            title=title, user=partner, enqueue=False,
            uploaded_file=SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes()))
    assert not MediaAsset.objects.exists()
    with pytest.raises(PermissionDenied):
        subtitles_services.track_import(title=title, language="ko", filename="a.srt",
                                        data=b"1\n00:00:01,000 --> 00:00:02,000\nx\n",
                                        user=partner)
    track = SubtitleTrack.objects.create(title=title, language="ko", version=1,
                                         source=SubtitleTrack.Source.IMPORT)
    with pytest.raises(PermissionDenied):
        translation_services.track_translate(source_track=track, user=partner)
    with pytest.raises(PermissionDenied):
        glossary.glossary_term_save(title=title, source_term="서울", renderings={"ja": "ソウル"},
                                    user=partner)
    with pytest.raises(PermissionDenied):
        memory.memory_import_tmx(data=b"<tmx/>", user=partner)
    assert SubtitleTrack.objects.count() == 1


def test_only_the_delivery_roles_request_packages_and_translators_may_dub(make_user):
    translator = make_user(Role.TRANSLATOR)
    title = TitleFactory()
    track = approved_track(title, "th", [(0, 1000, "สวัสดี", "")])
    with pytest.raises(PermissionDenied):
        delivery_services.package_create(
            title=title, language="th", licensee=CompanyFactory(), territory="TH",
            media=["svod"], start=dt.date(2027, 1, 1), end=None, actor=translator)
    with pytest.raises(PermissionDenied):
        dubbing_services.dub_create(track=track, actor=make_user(Role.PARTNER_STUDIO))
