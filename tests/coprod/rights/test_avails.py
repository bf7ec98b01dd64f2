import pytest

from coprod.catalog import services as catalog_services
from coprod.catalog.models import Title
from coprod.rights import avails
from coprod.rights import services as rights_services
from coprod.rights.avails import AvailsQuery, ReasonKind, Status, availability
from coprod.rights.vocabulary import TerritoryError, expand_territories, language_rights
from tests.coprod.rights_helpers import D, film, grant, hold

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["families", "catalog, every title", "catalog, by title"])
def reading(request, monkeypatch):
    """Every case below, and the grant service's check, once per way the engine reads the
    blocks: by family (a few titles), and in one pass over the avails index (many titles),
    over every title or narrowed to the asked ones. The answers must be the same."""
    if request.param != "families":
        monkeypatch.setattr(avails, "FAMILY_SEARCH_LIMIT", 0)
        monkeypatch.setattr(avails, "WHOLE_CATALOG_FROM",
                            0 if request.param == "catalog, every title" else 10**9)
    return request.param


def ask(title, territory="JP", media=("svod",), languages=("ja",), kinds=("sub",),
        start=D(2026, 1, 1), end=D(2027, 1, 1), exclusive=False, title_ids=None,
        scope="territory_medium"):
    query = AvailsQuery(countries=expand_territories(territory), media=frozenset(media),
                        language_rights=language_rights(list(languages), list(kinds)),
                        start=start, end=end, exclusive=exclusive, exclusivity_scope=scope)
    ids = title_ids or [title.pk]
    result = availability(ids, query)
    return result if title_ids else result[title.pk]


# --- territories ----------------------------------------------------------------------

def test_world_except_korea():
    world_but_korea = expand_territories("WORLD -KR")
    assert "KR" not in world_but_korea and "JP" in world_but_korea and "US" in world_but_korea
    assert expand_territories("world except kr") == world_but_korea
    assert len(world_but_korea) == len(expand_territories("WORLD")) - 1


def test_groups_and_exclusions_combine():
    assert expand_territories("GREATER_CHINA") == {"CN", "HK", "MO", "TW"}
    assert expand_territories("GREATER_CHINA -TW, -MO") == {"CN", "HK"}
    asia_no_china = expand_territories("ASIA -GREATER_CHINA")
    assert "JP" in asia_no_china and "TH" in asia_no_china and "CN" not in asia_no_china
    assert "FR" not in asia_no_china


@pytest.mark.parametrize("expression", ["", "XX", "ASIA -ASIA", "JP -JP"])
def test_bad_territory_expressions_are_refused(expression):
    with pytest.raises(TerritoryError):
        expand_territories(expression)


# --- holding -------------------------------------------------------------------------

def test_available_when_held_and_free():
    title = film()
    hold(title, territory="WORLD -KR", media=("all",), languages=("ja", "th"),
         kinds=("sub", "dub"))
    result = ask(title, territory="JP, TH", media=("svod", "avod"), languages=("ja",))
    assert result.status == Status.AVAILABLE
    assert result.free_windows == [(D(2026, 1, 1), D(2027, 1, 1))]
    assert result.reasons == []


def test_not_held_territory_is_explained():
    title = film()
    hold(title, territory="WORLD -KR", media=("all",))
    result = ask(title, territory="KR, JP")
    assert result.status == Status.UNAVAILABLE
    assert [reason.kind for reason in result.reasons] == [ReasonKind.NOT_HELD]
    assert "KR" in result.reasons[0].message and "JP" not in result.reasons[0].message


def test_not_held_language_or_media():
    title = film()
    hold(title, territory="JP", media=("svod",), languages=("ja",), kinds=("sub",))
    assert ask(title, kinds=("dub",)).status == Status.UNAVAILABLE
    assert ask(title, media=("avod",)).status == Status.UNAVAILABLE
    assert ask(title, languages=("th",)).status == Status.UNAVAILABLE


def test_gap_in_the_chain_of_title_gives_partial_availability():
    title = film()
    hold(title, start=D(2026, 1, 1), end=D(2027, 1, 1))
    hold(title, start=D(2028, 1, 1), end=D(2030, 1, 1), contract="CT-IN-2")
    result = ask(title, start=D(2026, 6, 1), end=D(2029, 1, 1))
    assert result.status == Status.PARTIAL
    assert result.free_windows == [(D(2026, 6, 1), D(2027, 1, 1)), (D(2028, 1, 1), D(2029, 1, 1))]
    (gap,) = result.reasons
    assert gap.kind == ReasonKind.NOT_HELD
    assert (gap.start, gap.end) == (D(2027, 1, 1), D(2028, 1, 1))


def test_coverage_may_be_pieced_together_from_several_blocks():
    title = film()
    hold(title, territory="JP")
    hold(title, territory="TH", contract="CT-IN-2")
    assert ask(title, territory="JP TH").status == Status.AVAILABLE
    assert ask(title, territory="JP TH VN").status == Status.UNAVAILABLE


def test_open_ended_windows():
    title = film()
    hold(title, start=D(2026, 1, 1), end=None)
    result = ask(title, start=D(2026, 1, 1), end=None)
    assert result.status == Status.AVAILABLE
    assert result.free_windows == [(D(2026, 1, 1), None)]

    limited = film("유한", 2020)
    hold(limited, start=D(2026, 1, 1), end=D(2030, 1, 1))
    result = ask(limited, start=D(2026, 1, 1), end=None)
    assert result.status == Status.PARTIAL
    assert result.free_windows == [(D(2026, 1, 1), D(2030, 1, 1))]
    assert (result.reasons[0].start, result.reasons[0].end) == (D(2030, 1, 1), None)


# --- grants --------------------------------------------------------------------------

def test_exclusive_grant_blocks_overlapping_requests_with_the_grant_named():
    title = film()
    hold(title, territory="ASIA")
    block = grant(title, territory="JP", exclusive=True, start=D(2026, 1, 1),
                  end=D(2027, 1, 1), licensee="Tokyo Stream")
    result = ask(title, territory="JP TH", start=D(2026, 6, 1), end=D(2028, 1, 1))
    assert result.status == Status.PARTIAL
    assert result.free_windows == [(D(2027, 1, 1), D(2028, 1, 1))]
    (conflict,) = result.reasons
    assert conflict.kind == ReasonKind.CONFLICT and conflict.block_id == block.pk
    assert "Tokyo Stream" in conflict.message
    assert (conflict.start, conflict.end) == (D(2026, 6, 1), D(2027, 1, 1))
    # Outside the grant's territory, media or language the title stays available.
    assert ask(title, territory="TH", start=D(2026, 6, 1)).status == Status.AVAILABLE


def test_exclusive_request_conflicts_with_a_non_exclusive_grant():
    title = film()
    hold(title)
    grant(title, exclusive=False)
    assert ask(title, exclusive=False).status == Status.AVAILABLE
    assert ask(title, exclusive=True).status == Status.UNAVAILABLE


def test_different_media_or_language_kind_do_not_conflict():
    title = film()
    hold(title, media=("svod", "avod"), kinds=("sub", "dub"))
    grant(title, media=("svod",), kinds=("sub",), exclusive=True,
          exclusivity_scope="language_version")
    assert ask(title, media=("avod",), exclusive=True).status == Status.AVAILABLE
    assert ask(title, kinds=("dub",), exclusive=True).status == Status.UNAVAILABLE  # per TxM
    assert ask(title, kinds=("dub",), exclusive=True,
               scope="language_version").status == Status.AVAILABLE
    assert ask(title, media=("svod",), kinds=("sub",)).status == Status.UNAVAILABLE


def test_holdback_blocks_its_media_and_territory_for_its_window():
    title = film()
    block = hold(title, territory="TH", media=("svod", "avod"))
    rights_services._holdbacks_create(block, [rights_services.HoldbackTerms(
        territory_expression="TH", media=("svod",), start=D(2026, 1, 1), end=D(2026, 7, 1),
        description="theatrical first")])
    result = ask(title, territory="TH", start=D(2026, 1, 1), end=D(2027, 1, 1))
    assert result.status == Status.PARTIAL
    assert result.free_windows == [(D(2026, 7, 1), D(2027, 1, 1))]
    assert result.reasons[0].kind == ReasonKind.HOLDBACK
    assert "theatrical first" in result.reasons[0].message
    assert ask(title, territory="TH", media=("avod",)).status == Status.AVAILABLE


# --- series, seasons, episodes -------------------------------------------------------------

def make_series():
    series = catalog_services.title_create(actor=None, data={
        "kind": Title.Kind.SERIES, "original_title": "시리즈", "romanized_title": "Sirijeu",
        "year": 2025})
    season = catalog_services.title_create(actor=None, data={
        "kind": Title.Kind.SEASON, "parent": series, "number": 1,
        "original_title": "시즌 1", "romanized_title": "Season 1", "year": 2025})
    episodes = [catalog_services.title_create(actor=None, data={
        "kind": Title.Kind.EPISODE, "parent": season, "number": number,
        "original_title": f"{number}화", "romanized_title": f"Episode {number}", "year": 2025})
        for number in (1, 2)]
    return series, season, episodes


def test_rights_held_on_a_series_cover_its_episodes():
    series, _season, (first, _second) = make_series()
    hold(series)
    assert ask(first).status == Status.AVAILABLE


def test_rights_held_on_one_episode_do_not_cover_the_series():
    series, _season, (first, second) = make_series()
    hold(first)
    assert ask(first).status == Status.AVAILABLE
    assert ask(second).status == Status.UNAVAILABLE
    assert ask(series).status == Status.UNAVAILABLE


def test_grant_on_an_episode_conflicts_with_an_exclusive_series_request_and_back():
    series, _season, (first, second) = make_series()
    hold(series)
    grant(first, exclusive=True)
    assert ask(series, exclusive=True).status == Status.UNAVAILABLE
    assert ask(second, exclusive=True).status == Status.AVAILABLE
    series_grant_title = film("다른", 2019)
    hold(series_grant_title)
    grant(series_grant_title, exclusive=True)
    assert ask(series_grant_title).status == Status.UNAVAILABLE


def test_many_titles_in_one_query():
    titles = [film(f"작품{number}", 2000 + number) for number in range(5)]
    for title in titles[:3]:
        hold(title)
    grant(titles[0], exclusive=True)
    results = ask(None, title_ids=[title.pk for title in titles])
    assert [results[title.pk].status for title in titles] == [
        Status.UNAVAILABLE, Status.AVAILABLE, Status.AVAILABLE, Status.UNAVAILABLE,
        Status.UNAVAILABLE]


# --- the grant service -----------------------------------------------------------------

def test_grant_is_refused_with_reasons_and_nothing_is_written():
    title = film()
    hold(title, territory="JP")
    first = grant(title, exclusive=True)
    with pytest.raises(rights_services.RightsConflict) as refused:
        grant(title, licensee="Platform B", exclusive=True, contract="CT-OUT-2")
    assert f"#{first.pk}" in " ".join(refused.value.messages)
    with pytest.raises(rights_services.RightsConflict) as not_held:
        grant(title, territory="CN", licensee="Platform B", contract="CT-OUT-3")
    assert "Not held" in not_held.value.messages[0]
    assert title.rights_blocks.filter(direction="out").count() == 1


def test_grant_and_rights_in_are_recorded_as_events():
    title = film()
    block = hold(title)
    granted = grant(title)
    actions = list(title.events.values_list("action", "object_id"))
    assert ("rights_in.added", str(block.pk)) in actions
    assert ("rights_out.granted", str(granted.pk)) in actions
    event = title.events.get(action="rights_out.granted")
    assert event.after["countries"] == ["JP"] and event.before is None


def test_bad_terms_are_refused_with_field_errors():
    title = film()
    with pytest.raises(rights_services.ValidationError) as refused:
        hold(title, territory="NOWHERE", media=(), end=D(2025, 1, 1))
    assert set(refused.value.message_dict) == {"territory_expression", "media", "end"}


def test_window_must_end_after_start():
    with pytest.raises(ValueError):
        AvailsQuery(countries=frozenset({"JP"}), media=frozenset({"svod"}),
                    language_rights=frozenset({"ja:sub"}), start=D(2026, 1, 1),
                    end=D(2026, 1, 1), exclusive=False)


def test_partial_result_never_offers_the_same_day_twice():
    title = film()
    hold(title, start=D(2026, 1, 1), end=D(2026, 3, 1))
    hold(title, start=D(2026, 3, 1), end=D(2026, 6, 1), contract="CT-IN-2")
    result = ask(title, start=D(2026, 1, 1), end=D(2026, 6, 1))
    # Two adjacent blocks make one continuous free window.
    assert result.free_windows == [(D(2026, 1, 1), D(2026, 6, 1))]
    assert result.status == Status.AVAILABLE


# --- integrity: exclusivity, dependent grants, last days in refusals ----------------------

def test_an_exclusive_grant_needs_exclusive_rights_in():
    title = film()
    hold(title, exclusive=False)
    with pytest.raises(rights_services.RightsConflict) as refused:
        grant(title, exclusive=True)
    assert [reason.kind for reason in refused.value.reasons] == [ReasonKind.NOT_EXCLUSIVE]
    assert "Held only non-exclusively" in refused.value.messages[0]
    assert grant(title, exclusive=False).pk  # a non-exclusive licence rests on them fine


def test_rights_in_that_a_grant_rests_on_cannot_be_deleted(client_for):
    from django.urls import reverse

    from coprod.accounts.roles import Role
    from coprod.rights.models import RightsBlock

    title = film()
    held = hold(title)
    granted = grant(title, contract="CT-OUT-9")
    with pytest.raises(rights_services.ValidationError) as refused:
        rights_services.rights_block_delete(actor=None, block=held)
    message = refused.value.messages[0]
    assert f"grant #{granted.pk}" in message and "CT-OUT-9" in message
    assert "2026-01-01 – 2029-12-31" in message  # the last day, not the stored end
    client, _user = client_for(Role.RIGHTS_MANAGER)
    page = client.post(reverse("catalog:rights-delete", args=[held.pk]), follow=True)
    assert f"grant #{granted.pk}" in page.content.decode()
    assert RightsBlock.objects.filter(pk=held.pk).exists()
    # Rights in held twice over: either one may go, the grant still rests on the other.
    second = hold(title, contract="CT-IN-2")
    rights_services.rights_block_delete(actor=None, block=held)
    with pytest.raises(rights_services.ValidationError):
        rights_services.rights_block_delete(actor=None, block=second)
    rights_services.rights_block_delete(actor=None, block=granted)
    rights_services.rights_block_delete(actor=None, block=second)
    assert not RightsBlock.objects.filter(title=title).exists()


def test_a_refusal_names_the_last_day_of_the_overlap():
    title = film()
    hold(title)
    grant(title, exclusive=True, start=D(2027, 6, 1), end=D(2029, 1, 1))
    with pytest.raises(rights_services.RightsConflict) as refused:
        grant(title, licensee="Platform B", start=D(2028, 6, 1), end=D(2030, 1, 1))
    assert "(2028-06-01 – 2028-12-31)" in refused.value.messages[0]


def test_exclusivity_is_per_territory_and_medium_unless_a_block_says_per_language():
    title = film()
    hold(title, languages=("ja", "th", "ko"), kinds=("sub", "original"))
    grant(title, licensee="Tokyo Stream", exclusive=True, languages=("ja",))
    # The same Japan SVOD, another language: refused, the first licence covers them all.
    with pytest.raises(rights_services.RightsConflict) as refused:
        grant(title, licensee="Thai Stream", exclusive=True, languages=("th",))
    assert "whatever the language" in refused.value.messages[0]
    with pytest.raises(rights_services.RightsConflict):
        grant(title, licensee="Any Stream", exclusive=False, languages=("th",))


def test_licences_exclusive_per_language_version_live_side_by_side():
    title = film()
    hold(title, languages=("ja", "th"), kinds=("sub",))
    scope = "language_version"
    grant(title, licensee="Tokyo Stream", exclusive=True, languages=("ja",),
          exclusivity_scope=scope)
    grant(title, licensee="Thai Stream", exclusive=True, languages=("th",),
          exclusivity_scope=scope)
    with pytest.raises(rights_services.RightsConflict):  # the same language version
        grant(title, licensee="Other", exclusive=True, languages=("ja",),
              exclusivity_scope=scope)
    # An exclusive request per territory and medium meets the per-language licences.
    with pytest.raises(rights_services.RightsConflict):
        grant(title, licensee="Everything Co", exclusive=True, languages=("th",))
