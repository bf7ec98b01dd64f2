"""A rights manager's day through the web pages: title, credits, rights in, avails,
grant, refused grant, timeline, history, CSV."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.audit.models import Event
from coprod.catalog.models import Credit, Genre, Title
from coprod.rights.models import RightsBlock
from tests.coprod.rights_helpers import company, film, hold

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client_for):
    client, user = client_for(Role.RIGHTS_MANAGER)
    company("Licensor Co")
    company("Tokyo Stream")
    company("Osaka Plus")
    return client


def rights_form(counterparty, **overrides):
    data = {
        "counterparty": counterparty.pk, "contract_reference": "CT-1",
        "territory_expression": "JP", "media": ["svod"], "languages": ["ja"],
        "language_kinds": ["sub"], "start": "2026-01-01", "last_day": "2026-12-31",
    }
    data.update(overrides)
    return data


def test_rights_manager_flow_from_title_to_refused_grant(manager):
    drama = Genre.objects.get(code="drama")
    response = manager.post(reverse("catalog:title-create"), {
        "kind": "film", "original_title": "바다의 노래", "romanized_title": "Bada-ui Norae",
        "english_title": "Song of the Sea", "year": 2024, "runtime_minutes": 118,
        "original_language": "ko", "genres": [drama.pk], "synopsis": "어부의 이야기",
        "title_ja": "海の歌", "synopsis_ja": "漁師の物語", "title_th": "", "title_en": "",
        "title_zh-Hans": "海之歌",
    })
    assert response.status_code == 302
    title = Title.objects.get(original_title="바다의 노래")
    assert {item.language: item.localized_title for item in title.localizations.all()} == {
        "ja": "海の歌", "zh-Hans": "海之歌"}

    manager.post(reverse("catalog:credit-add", args=[title.pk]), {
        "person_name": "김감독", "romanized_name": "Kim Gamdok", "role": "director",
        "character": "", "order": 0})
    assert Credit.objects.get(title=title).person.romanized_name == "Kim Gamdok"

    licensor = company("Licensor Co")
    response = manager.post(reverse("catalog:rights-add", args=[title.pk, "in"]),
                            rights_form(licensor, territory_expression="WORLD -KR",
                                        media=["all"], languages=["ja", "th"],
                                        language_kinds=["sub", "dub"], last_day="",
                                        exclusive="on"))
    assert response.status_code == 302
    held = RightsBlock.objects.get(title=title, direction="in")
    assert held.window.upper is None and "KR" not in held.countries

    response = manager.get(reverse("catalog:avails"), {
        "titles": [title.pk], "territory_expression": "JP", "media": ["svod"],
        "languages": ["ja"], "language_kinds": ["sub"], "start": "2026-01-01",
        "last_day": "2026-12-31", "exclusive": "on"})
    page = response.content.decode()
    assert 'data-status="available"' in page

    response = manager.post(reverse("catalog:rights-add", args=[title.pk, "out"]),
                            rights_form(company("Tokyo Stream"), exclusive="on"))
    assert response.status_code == 302
    granted = RightsBlock.objects.get(title=title, direction="out")

    response = manager.post(reverse("catalog:rights-add", args=[title.pk, "out"]),
                            rights_form(company("Osaka Plus"), contract_reference="CT-2",
                                        start="2026-06-01", last_day="2027-05-31"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "These rights cannot be granted" in page
    assert f"Conflicts with exclusive grant #{granted.pk} to Tokyo Stream" in page
    assert RightsBlock.objects.filter(title=title, direction="out").count() == 1

    page = manager.get(title.get_absolute_url() + "?tab=rights").content.decode()
    assert "<svg" in page
    assert f'data-block="{held.pk}"' in page and f'data-block="{granted.pk}"' in page

    page = manager.get(title.get_absolute_url() + "?tab=history").content.decode()
    for action in ("title.created", "credit.added", "rights_in.added", "rights_out.granted"):
        assert action in page


def test_avails_shows_partial_windows_and_reasons(manager):
    title = film()
    hold(title, territory="JP", end=dt.date(2027, 1, 1))
    response = manager.get(reverse("catalog:avails"), {
        "titles": [title.pk], "territory_expression": "JP", "media": ["svod"],
        "languages": ["ja"], "language_kinds": ["sub"], "start": "2026-01-01",
        "last_day": "2027-12-31"})
    page = response.content.decode()
    assert 'data-status="partial"' in page
    assert "2026-01-01 – 2026-12-31" in page
    assert "Not held" in page


def test_avails_for_every_title_of_a_genre(manager):
    thriller = Genre.objects.get(code="thriller")
    first, second = film("하나", 2001), film("둘", 2002)
    first.genres.add(thriller)
    second.genres.add(thriller)
    hold(first)
    page = manager.get(reverse("catalog:avails"), {
        "genre": thriller.pk, "territory_expression": "JP", "media": ["svod"],
        "languages": ["ja"], "language_kinds": ["sub"], "start": "2026-01-01",
        "last_day": "2026-12-31"}).content.decode()
    rows = re.findall(r'data-status="(\w+)">\s*<td><a [^>]+>([^<]+)</a>', page)
    assert {name.split(" (")[0]: status for status, name in rows} == {
        "하나": "available", "둘": "unavailable"}


def test_title_search_and_filters(manager):
    romance = Genre.objects.get(code="romance")
    wanted = film("사랑의 계절", 2021)
    wanted.genres.add(romance)
    film("전쟁", 1999)
    page = manager.get(reverse("catalog:title-list"), {"q": "사랑"}).content.decode()
    assert "사랑의 계절" in page and "전쟁" not in page
    page = manager.get(reverse("catalog:title-list"),
                       {"genre": romance.pk}).content.decode()
    assert "사랑의 계절" in page and "전쟁" not in page
    page = manager.get(reverse("catalog:title-list"), {"year_to": 2000}).content.decode()
    assert "사랑의 계절" not in page and "전쟁" in page


def test_episode_must_belong_to_a_series_or_season(manager):
    response = manager.post(reverse("catalog:title-create"), {
        "kind": "episode", "original_title": "고아", "romanized_title": "Goa", "year": 2024,
        "original_language": "ko"})
    assert response.status_code == 200
    assert "an episode to a season or a series" in response.content.decode()
    assert not Title.objects.filter(original_title="고아").exists()


def test_title_edit_records_before_and_after(manager):
    title = film("옛 이름", 2020)
    response = manager.post(reverse("catalog:title-edit", args=[title.pk]), {
        "kind": "film", "original_title": "새 이름", "romanized_title": "Sae Ireum",
        "year": 2020, "original_language": "ko"})
    assert response.status_code == 302
    event = Event.objects.get(action="title.updated")
    assert event.before["original_title"] == "옛 이름"
    assert event.after["original_title"] == "새 이름"


def test_csv_import_page_lists_bad_lines(manager):
    title = film()
    data = ("ContentID,RightsDirection,DisplayName,ContractID,Territory,LicenseType,"
            "AssetLanguage,LocalizationType,Start,End,Exclusive\n"
            f"{title.pk},in,Licensor Co,LIC,JP,All,ja,sub,2026-01-01,Open,No\n"
            f"{title.pk},in,Licensor Co,LIC,MOON,All,ja,sub,2026-01-01,Open,No\n")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = manager.post(reverse("catalog:rights-import"),
                            {"file": SimpleUploadedFile("rights.csv", data.encode())})
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "<td>3</td>" in page and "MOON" in page
    assert not RightsBlock.objects.exists()


def test_csv_export_downloads_rights(manager):
    title = film()
    hold(title)
    response = manager.get(reverse("catalog:rights-export"))
    assert response["Content-Type"] == "text/csv"
    assert "AvailID,ContentID" in response.content.decode()


def test_home_lists_rights_expiring_within_90_days(manager):
    today = dt.date.today()
    soon, later = film("곧", 2010), film("나중", 2011)
    hold(soon, start=today - dt.timedelta(days=300), end=today + dt.timedelta(days=30))
    hold(later, start=today - dt.timedelta(days=300), end=today + dt.timedelta(days=200))
    page = manager.get(reverse("home")).content.decode()
    section = page.split('id="expiring-rights"')[1]
    assert "곧" in section and "나중" not in section


@pytest.mark.parametrize("role", [Role.TRANSLATOR, Role.REVIEWER, Role.PARTNER_STUDIO])
def test_other_roles_cannot_touch_rights(client_for, role):
    title = film()
    client, _ = client_for(role)
    for url in (reverse("catalog:title-detail", args=[title.pk]), reverse("catalog:avails"),
                reverse("catalog:rights-export"), reverse("catalog:rights-import")):
        assert client.get(url).status_code == 403
    response = client.post(reverse("catalog:rights-add", args=[title.pk, "out"]), {})
    assert response.status_code == 403
    block = hold(title)
    assert client.post(reverse("catalog:rights-delete", args=[block.pk])).status_code == 403
    assert RightsBlock.objects.filter(pk=block.pk).exists()


def test_media_and_localization_tabs_list_the_titles_files_and_tracks(manager):
    from localization.media.models import MediaAsset
    from localization.subtitles.models import SubtitleTrack

    title = film()
    MediaAsset.objects.create(title=title, file="x.wav", original_name="episode1.wav",
                              size_bytes=2048, sha256="0" * 64, duration_ms=3_723_000,
                              container_format="wav", audio_codec="pcm_s16le")
    SubtitleTrack.objects.create(title=title, language="ko", version=1, source="import")
    page = manager.get(title.get_absolute_url() + "?tab=media").content.decode()
    assert "episode1.wav" in page and "1:02:03" in page
    page = manager.get(title.get_absolute_url() + "?tab=localization").content.decode()
    assert 'id="subtitle-tracks"' in page and ">ko</a>" in page


@pytest.mark.django_db
def test_an_event_outside_the_action_vocabulary_is_refused_and_nothing_is_written():
    from coprod.audit.models import Event
    from coprod.audit.services import event_record
    from tests.factories import TitleFactory

    title = TitleFactory()
    with pytest.raises(ValueError):
        event_record(actor=None, action="title.renamed_somehow", instance=title, title=title)
    assert not Event.objects.filter(action="title.renamed_somehow").exists()
    recorded = event_record(actor=None, action=Event.Action.TITLE_UPDATED, instance=title,
                            title=title)
    assert recorded.get_action_display() == "Title changed"
