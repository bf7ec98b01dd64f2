"""The questions sales asks (issue #13): per country for a group, any ISO 639 language and
"all languages", holdbacks "not before" a day or for one language, seasons and episodes on
their own; and the catalog-wide answer equal to the single-title one."""

import pytest
from django.core.exceptions import ValidationError

from coprod.rights import avails, avails_store
from coprod.rights.avails import AvailsQuery, ReasonKind, Status, availability
from coprod.rights.models import AvailsEntry, Holdback, HoldbackEntry, RightsScope
from coprod.rights.vocabulary import (
    ALL_LANGUAGES,
    LanguageError,
    expand_territories,
    language_rights,
    normalize_language,
)
from tests.coprod.rights_helpers import D, film, grant, hold, holdback, series

pytestmark = pytest.mark.django_db

SOUTHEAST_ASIA = ["BN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TH", "TL", "VN"]


def query(territory="JP", media=("svod",), languages=("ja",), kinds=("sub",),
          start=D(2026, 1, 1), end=D(2027, 1, 1), exclusive=False, scope="territory_medium"):
    return AvailsQuery(countries=expand_territories(territory), media=frozenset(media),
                       language_rights=language_rights(list(languages), list(kinds)),
                       start=start, end=end, exclusive=exclusive, exclusivity_scope=scope)


def ask(title, **kwargs):
    return availability([title.pk], query(**kwargs))[title.pk]


# --- per country ------------------------------------------------------------------------------

def test_a_group_is_answered_country_by_country():
    title = film()
    hold(title, territory="SOUTHEAST_ASIA", start=D(2026, 1, 1), end=D(2028, 1, 1))
    block = grant(title, territory="TH", exclusive=True, start=D(2026, 1, 1),
                  end=D(2027, 1, 1), licensee="Thai Stream")
    answer = ask(title, territory="SOUTHEAST_ASIA", end=D(2028, 1, 1))
    # One country's licence used to make the whole group "not available" for 2026.
    assert answer.status == Status.PARTIAL
    assert answer.free_windows == [(D(2027, 1, 1), D(2028, 1, 1))]
    assert answer.countries_by_status == {
        Status.AVAILABLE: [code for code in SOUTHEAST_ASIA if code != "TH"],
        Status.PARTIAL: ["TH"], Status.UNAVAILABLE: []}
    thailand = answer.country("TH")
    assert thailand.free_windows == [(D(2027, 1, 1), D(2028, 1, 1))]
    (conflict,) = thailand.reasons
    assert conflict.block_id == block.pk and conflict.countries == {"TH"}
    assert "Thai Stream" in conflict.message
    vietnam = answer.country("VN")
    assert vietnam.status == Status.AVAILABLE and vietnam.name == "Viet Nam"
    assert vietnam.free_windows == [(D(2026, 1, 1), D(2028, 1, 1))]
    assert vietnam.reasons == []
    assert [country.code for country in answer.countries] == SOUTHEAST_ASIA


def test_not_available_overall_yet_each_country_is_free_part_of_the_time():
    title = film()
    hold(title, territory="JP TH")
    grant(title, territory="JP", exclusive=True, end=D(2026, 7, 1), licensee="Tokyo Stream")
    grant(title, territory="TH", exclusive=True, start=D(2026, 7, 1), end=D(2027, 1, 1),
          licensee="Thai Stream", contract="CT-OUT-2")
    answer = ask(title, territory="JP TH")
    assert answer.status == Status.UNAVAILABLE and answer.free_windows == []
    assert answer.country_status("JP") == answer.country_status("TH") == Status.PARTIAL
    assert answer.country("JP").free_windows == [(D(2026, 7, 1), D(2027, 1, 1))]
    assert answer.country("TH").free_windows == [(D(2026, 1, 1), D(2026, 7, 1))]


def test_a_country_never_held_is_not_available_the_others_are():
    title = film()
    hold(title, territory="JP")
    answer = ask(title, territory="JP KR")
    assert answer.status == Status.UNAVAILABLE
    assert answer.countries_by_status[Status.AVAILABLE] == ["JP"]
    (gap,) = answer.country("KR").reasons
    assert gap.kind == ReasonKind.NOT_HELD and gap.countries == {"KR"}
    assert gap.message == "Not held: SVOD, ja (subtitled) in KR"
    assert answer.country("JP").reasons == []


# --- languages --------------------------------------------------------------------------------

@pytest.mark.parametrize(("written", "stored"), [
    ("ja", "ja"), ("JPN", "ja"), ("fre", "fr"), ("yue", "yue"), ("zh-hant", "zh-Hant"),
    ("zh_Hans", "zh-Hans"), ("es-419", "es-419"), ("pt-br", "pt-BR"), ("tgl", "tl"),
    ("all", ALL_LANGUAGES), ("*", ALL_LANGUAGES), (" All languages ", ALL_LANGUAGES)])
def test_any_iso_639_language_is_accepted_and_written_one_way(written, stored):
    assert normalize_language(written) == stored


@pytest.mark.parametrize("written", ["xx", "klingon", "qqq", "zh-Xxxx", "en-QQ", "j", "ja-",
                                     "", "ja:sub", "ja--jp"])
def test_what_is_not_an_iso_639_language_is_refused(written):
    with pytest.raises(LanguageError):
        normalize_language(written)


def test_all_languages_takes_in_the_others():
    assert language_rights(["jpn", "all", "th"], ["sub"]) == {"*:sub"}
    assert language_rights(["JPN", "ja"], ["sub", "dub"]) == {"ja:sub", "ja:dub"}


def test_rights_held_in_every_language_cover_any_language():
    title = film()
    hold(title, languages=("all",), kinds=("sub",))
    for language in ("yue", "tl", "ja", "all"):
        assert ask(title, languages=(language,)).status == Status.AVAILABLE, language
    assert ask(title, languages=("ja",), kinds=("dub",)).status == Status.UNAVAILABLE


def test_a_broader_language_covers_a_narrower_one_not_the_reverse():
    chinese, simplified = film("중국어", 2020), film("간체", 2021)
    hold(chinese, territory="TW", languages=("zh",))
    hold(simplified, territory="TW", languages=("zh-Hans",))
    assert ask(chinese, territory="TW", languages=("zh-Hant",)).status == Status.AVAILABLE
    assert ask(chinese, territory="TW", languages=("zh-Hant-TW",)).status == Status.AVAILABLE
    assert ask(simplified, territory="TW", languages=("zh-Hant",)).status == Status.UNAVAILABLE
    assert ask(simplified, territory="TW", languages=("zh",)).status == Status.UNAVAILABLE


def test_asking_for_every_language_needs_rights_in_every_language():
    title = film()
    hold(title, languages=("ja", "th"))
    answer = ask(title, languages=("all",))
    assert answer.status == Status.UNAVAILABLE
    assert answer.reasons[0].message == "Not held: SVOD, all languages (subtitled) in JP"


def test_an_exclusive_licence_in_one_variety_meets_the_language_it_belongs_to():
    title = film()
    hold(title, territory="TW", languages=("zh", "ja"))
    grant(title, territory="TW", languages=("zh-Hant",), exclusive=True,
          exclusivity_scope="language_version", licensee="Taipei Stream")
    assert ask(title, territory="TW", languages=("zh",)).status == Status.UNAVAILABLE
    assert ask(title, territory="TW", languages=("yue",)).status == Status.UNAVAILABLE  # not held
    assert ask(title, territory="TW", languages=("ja",)).status == Status.AVAILABLE


# --- holdbacks ---------------------------------------------------------------------------------

def test_a_holdback_not_before_a_day_has_no_start():
    title = film()
    block = hold(title, end=D(2030, 1, 1), holdbacks=[holdback(
        territory="JP", media=("svod", "avod"), end=D(2027, 1, 1),
        description="theatrical first")])
    stored = Holdback.objects.get(rights_block=block)
    assert stored.window.lower is None and stored.window.upper == D(2027, 1, 1)
    answer = ask(title, start=D(2026, 6, 1), end=D(2027, 7, 1))
    assert answer.status == Status.PARTIAL
    assert answer.free_windows == [(D(2027, 1, 1), D(2027, 7, 1))]
    (reason,) = answer.reasons
    assert reason.kind == ReasonKind.HOLDBACK and reason.block_id == block.pk
    assert reason.message == (f"Holdback #{stored.pk} (on block #{block.pk}): not before "
                              "2027-01-01 in JP: theatrical first")
    assert reason.period == "2026-06-01 – 2026-12-31"
    assert ask(title, start=D(2027, 1, 1), end=D(2028, 1, 1)).status == Status.AVAILABLE
    assert ask(title, start=D(2025, 1, 1), end=D(2025, 6, 1)).status == Status.UNAVAILABLE


def test_a_holdback_may_hold_back_one_language_version_only():
    title = film()
    block = hold(title, territory="TH", languages=("th",), kinds=("sub", "dub"), holdbacks=[
        holdback(territory="TH", start=D(2026, 1, 1), end=D(2026, 7, 1), languages=("th",),
                 kinds=("dub",))])
    assert Holdback.objects.get(rights_block=block).language_rights == ["th:dub"]
    assert ask(title, territory="TH", languages=("th",), kinds=("sub",)).status == \
        Status.AVAILABLE
    dubbed = ask(title, territory="TH", languages=("th",), kinds=("dub",))
    assert dubbed.status == Status.PARTIAL
    assert dubbed.free_windows == [(D(2026, 7, 1), D(2027, 1, 1))]
    assert dubbed.reasons[0].message.endswith("in TH for th (dubbed)")


def test_a_holdback_without_languages_holds_back_every_language():
    title = film()
    hold(title, territory="TH", languages=("th", "en"), holdbacks=[
        holdback(territory="TH", start=D(2026, 1, 1), end=D(2026, 7, 1))])
    for language in ("th", "en"):
        assert ask(title, territory="TH", languages=(language,)).status == Status.PARTIAL


def test_a_holdback_needs_a_start_or_a_not_before_day():
    title = film()
    with pytest.raises(ValidationError) as refused:
        hold(title, holdbacks=[holdback(start=None, end=None)])
    assert "not before" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        hold(title, holdbacks=[holdback(languages=("klingon",), start=D(2026, 1, 1))])


# --- seasons and episodes -------------------------------------------------------------------

def test_seasons_and_episodes_are_asked_on_their_own():
    top, (first_season, second_season), episodes = series(seasons=2, episodes=2)
    hold(top)
    grant(episodes[0], exclusive=True, licensee="Tokyo Stream")
    answers = availability([episode.pk for episode in episodes]
                           + [first_season.pk, second_season.pk, top.pk], query())
    assert [answers[episode.pk].status for episode in episodes] == [
        Status.UNAVAILABLE, Status.AVAILABLE, Status.AVAILABLE, Status.AVAILABLE]
    # The season and the series contain the licensed episode.
    assert answers[first_season.pk].status == Status.UNAVAILABLE
    assert answers[second_season.pk].status == Status.AVAILABLE
    assert answers[top.pk].status == Status.UNAVAILABLE


def test_rights_held_on_a_season_cover_its_episodes_not_the_other_season():
    _top, (first_season, _second), episodes = series(seasons=2, episodes=1)
    hold(first_season)
    assert ask(episodes[0]).status == Status.AVAILABLE
    assert ask(episodes[1]).status == Status.UNAVAILABLE


# --- the avails index ---------------------------------------------------------------------

def test_the_avails_index_follows_the_blocks():
    first, second = film("하나", 2001), film("둘", 2002)
    block = hold(first, territory="JP TH", holdbacks=[holdback(territory="TH",
                                                               end=D(2026, 6, 1))])
    same_terms = grant(first, exclusive=True)
    other = hold(second, territory="TH JP")
    entry = AvailsEntry.objects.get(block=block)
    assert (entry.title_id, entry.held, entry.exclusive, entry.start, entry.stop) == (
        first.pk, True, True, D(2026, 1, 1), D(2030, 1, 1))
    assert entry.scope.countries == ["JP", "TH"] and entry.scope.language_rights == ["ja:sub"]
    # One scope for the same countries, media and languages, however written.
    assert AvailsEntry.objects.get(block=other).scope_id == entry.scope_id
    assert AvailsEntry.objects.get(block=same_terms).held is False
    holdback_entry = HoldbackEntry.objects.get(holdback__rights_block=block)
    assert (holdback_entry.title_id, holdback_entry.start, holdback_entry.stop) == (
        first.pk, D(1, 1, 1), D(2026, 6, 1))
    scopes = RightsScope.objects.count()
    # Rebuilt in SQL, an entry finds the scope Python made (the same fingerprint).
    AvailsEntry.objects.filter(block=other).delete()
    HoldbackEntry.objects.all().delete()
    assert avails_store.index_rebuild() == 1
    assert AvailsEntry.objects.get(block=other).scope_id == entry.scope_id
    assert HoldbackEntry.objects.get().scope.countries == ["TH"]
    assert RightsScope.objects.count() == scopes
    from coprod.rights import services as rights_services

    rights_services.rights_block_delete(actor=None, block=same_terms)
    assert not AvailsEntry.objects.filter(block_id=same_terms.pk).exists()


# --- one engine, whatever the number of titles ------------------------------------------

def varied_catalog() -> list:
    """Films and a series with rights in and out of many shapes."""
    first = film("첫째", 2019)
    hold(first, territory="WORLD -KR", media=("all",), languages=("ja", "th"),
         kinds=("sub", "dub"), start=D(2025, 1, 1), end=None, holdbacks=[
             holdback(territory="VN", media=("theatrical", "svod"), end=D(2026, 7, 1)),
             holdback(territory="TH", media=("svod",), start=D(2026, 3, 1), end=D(2026, 5, 1),
                      languages=("th",), kinds=("dub",), description="dub later")])
    grant(first, territory="JP", exclusive=True, start=D(2026, 1, 1), end=D(2027, 1, 1),
          licensee="Tokyo Stream")
    grant(first, territory="TH", media=("avod",), languages=("th",), start=D(2026, 1, 1),
          end=D(2028, 1, 1), licensee="Thai Stream", contract="CT-OUT-2")
    second = film("둘째", 2021)
    hold(second, territory="ASIA", languages=("all",), exclusive=False, start=D(2026, 1, 1),
         end=D(2029, 1, 1))
    hold(second, territory="TW HK", languages=("zh",), start=D(2026, 1, 1), end=D(2030, 1, 1),
         contract="CT-IN-2")
    grant(second, territory="TW", languages=("zh-Hant",), exclusive=True,
          exclusivity_scope="language_version", start=D(2026, 6, 1), end=D(2027, 6, 1),
          licensee="Taipei Stream")
    third = film("셋째", 2022)  # nothing held
    fourth = film("넷째", 2018)
    hold(fourth, start=D(2026, 3, 1), end=D(2026, 9, 1))
    hold(fourth, start=D(2026, 9, 1), end=D(2027, 3, 1), contract="CT-IN-2")
    top, seasons, episodes = series("시리즈", 2024, seasons=2, episodes=2)
    hold(top, territory="ASIA -CN", media=("svod", "avod"), languages=("ja", "th", "zh"),
         kinds=("sub",), start=D(2025, 1, 1), end=D(2030, 1, 1), holdbacks=[
             holdback(territory="TH", media=("svod",), start=D(2026, 1, 1), end=D(2026, 7, 1),
                      languages=("ja",))])
    grant(seasons[0], territory="JP", exclusive=True, start=D(2026, 1, 1), end=D(2026, 10, 1),
          licensee="Tokyo Stream", contract="CT-OUT-3")
    grant(episodes[3], territory="TH", media=("avod",), languages=("th",), exclusive=True,
          licensee="Thai Stream", contract="CT-OUT-4")
    hold(episodes[2], territory="CN", languages=("zh-Hans",), contract="CT-IN-3")
    return [first, second, third, fourth, top, *seasons, *episodes]


QUERIES = [
    {"territory": "JP"},
    {"territory": "SOUTHEAST_ASIA", "media": ("svod", "avod"), "languages": ("ja", "th"),
     "end": D(2028, 1, 1), "exclusive": True},
    {"territory": "ASIA", "media": ("svod",), "languages": ("all",), "end": None},
    {"territory": "TW", "languages": ("zh-Hant",), "exclusive": True,
     "scope": "language_version"},
    {"territory": "GREATER_CHINA", "languages": ("yue", "zh-Hans"), "start": D(2025, 6, 1)},
    {"territory": "TH", "media": ("svod",), "languages": ("th",), "kinds": ("dub", "sub"),
     "exclusive": True},
    {"territory": "TH", "media": ("avod", "svod"), "languages": ("th",), "kinds": ("sub",),
     "start": D(2025, 1, 1), "end": D(2028, 1, 1)},
    {"territory": "WORLD -KR", "media": ("theatrical",), "languages": ("ja",),
     "kinds": ("dub",), "start": D(2025, 1, 1), "end": D(2035, 1, 1)},
]


def digest(answer) -> tuple:
    return (answer.status, answer.free_windows,
            [(reason.kind, reason.start, reason.end, reason.message, reason.block_id,
              reason.holdback_id, sorted(reason.countries)) for reason in answer.reasons],
            [(country.code, country.status, country.free_windows) for country in
             answer.countries])


@pytest.mark.parametrize("asked", QUERIES, ids=lambda asked: asked["territory"])
def test_the_catalog_wide_answer_is_the_single_title_answer(asked, monkeypatch):
    titles = varied_catalog()
    ids = [title.pk for title in titles]
    one_by_one = {title_id: digest(availability([title_id], query(**asked))[title_id])
                  for title_id in ids}
    by_family = {title_id: digest(answer) for title_id, answer in
                 availability(ids, query(**asked), strategy="families").items()}
    by_title = {title_id: digest(answer) for title_id, answer in
                availability(ids, query(**asked), strategy="catalog").items()}
    monkeypatch.setattr(avails, "WHOLE_CATALOG_FROM", 0)
    whole = {title_id: digest(answer) for title_id, answer in
             availability(ids, query(**asked), strategy="catalog").items()}
    # Many answers' reasons are read in one pass over the index (a CSV of the catalog).
    monkeypatch.setattr(avails, "READ_BY_FAMILY", 1)
    answers = availability(ids, query(**asked), strategy="catalog")
    avails.describe(answers.values())
    together = {title_id: digest(answer) for title_id, answer in answers.items()}
    assert by_family == one_by_one
    assert by_title == one_by_one
    assert whole == one_by_one
    assert together == one_by_one
    # The fixture gives more than one answer to each query.
    assert len({answer[0] for answer in one_by_one.values()}) > 1, [
        (title_id, answer[0], answer[2][:2]) for title_id, answer in one_by_one.items()]


def test_the_fixture_gives_every_kind_of_answer_and_reason():
    titles = varied_catalog()
    answers = [answer for asked in QUERIES for answer in
               availability([title.pk for title in titles], query(**asked)).values()]
    assert {answer.status for answer in answers} == {Status.AVAILABLE, Status.PARTIAL,
                                                     Status.UNAVAILABLE}
    assert {reason.kind for answer in answers for reason in answer.reasons} == {
        ReasonKind.NOT_HELD, ReasonKind.NOT_EXCLUSIVE, ReasonKind.CONFLICT, ReasonKind.HOLDBACK}


def test_an_unknown_title_is_refused_either_way():
    from coprod.catalog.models import Title

    title = film()
    for strategy in ("families", "catalog"):
        with pytest.raises(Title.DoesNotExist):
            availability([title.pk, title.pk + 999], query(), strategy=strategy)


def _union(spans) -> list[tuple]:
    merged: list[list] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [tuple(span) for span in merged]


@pytest.mark.parametrize("asked", QUERIES, ids=lambda asked: asked["territory"])
def test_the_reasons_explain_exactly_the_time_a_country_is_not_free(asked):
    """The answer (free windows, per country) and its reasons are worked out apart; for
    every country, the reasons naming it must cover exactly the time it is not free."""
    titles = varied_catalog()
    asked_query = query(**asked)
    stop = asked_query.stop
    for answer in availability([title.pk for title in titles], asked_query).values():
        for country in answer.countries:
            free = _union((start, end or stop) for start, end in country.free_windows)
            explained = _union((reason.start, reason.end or stop) for reason in country.reasons)
            gaps, cursor = [], asked_query.start
            for start, end in free:
                if cursor < start:
                    gaps.append((cursor, start))
                cursor = end
            if cursor < stop:
                gaps.append((cursor, stop))
            assert explained == gaps, (answer.title_id, country.code)
        assert (answer.status == Status.AVAILABLE) == (not answer.reasons)
