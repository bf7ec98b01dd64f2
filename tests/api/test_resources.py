"""The business resources through the API: titles (with seasons and episodes; written
through the catalog's services), rights blocks, a title's avails, agreements, issued
statements (JSON and CSV); roles as on the pages."""

import datetime as dt

import pytest

from coprod.accounts.roles import Role
from coprod.audit.models import Event
from coprod.catalog.models import Genre, Title
from tests.api.conftest import client_with, problem, token_for
from tests.coprod.portal.test_portal_and_statements import partner_agreement
from tests.coprod.rights_helpers import D, film, grant, hold, series

pytestmark = pytest.mark.django_db


def test_titles_list_top_titles_and_the_detail_nests_seasons_and_episodes(api_as):
    client, _user = api_as(Role.RIGHTS_MANAGER)
    top, seasons, episodes = series("구미호", 2025, seasons=2, episodes=2)
    film("기생충", 2019)
    listed = client.get("/api/v1/titles/").json()
    assert listed["count"] == 2
    assert {item["original_title"] for item in listed["results"]} == {"구미호", "기생충"}
    with_parts = client.get("/api/v1/titles/", {"include_parts": "true", "kind": "episode"})
    assert with_parts.json()["count"] == 4
    detail = client.get(f"/api/v1/titles/{top.pk}/").json()
    assert [part["number"] for part in detail["parts"]] == [1, 2]
    assert [episode["id"] for episode in detail["parts"][0]["parts"]] == [
        episode.pk for episode in episodes[:2]]
    # A season and an episode are found by id, though the list leaves parts out.
    assert client.get(f"/api/v1/titles/{seasons[0].pk}/").json()["parent"] == top.pk
    assert client.get(f"/api/v1/titles/{episodes[0].pk}/").json()["label"] == "구미호 S1 E1"
    ordered = client.get("/api/v1/titles/", {"ordering": "-year"}).json()["results"]
    assert [item["year"] for item in ordered] == [2025, 2019]
    searched = client.get("/api/v1/titles/", {"q": "기생"}).json()
    assert [item["original_title"] for item in searched["results"]] == ["기생충"]
    assert client.get("/api/v1/titles/", {"page_size": 1}).json()["next"]


def test_a_rights_manager_writes_titles_through_the_catalog_services(api_as):
    client, user = api_as(Role.RIGHTS_MANAGER)
    drama = Genre.objects.first()
    created = client.post("/api/v1/titles/", {
        "kind": "series", "original_title": "오징어", "romanized_title": "Ojingeo",
        "year": 2026, "genres": [drama.code],
        "localizations": [{"language": "ja", "title": "イカ", "synopsis": ""}]},
        format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert created["Location"] == f"/api/v1/titles/{body['id']}/"
    assert body["genres"] == [drama.code]
    assert body["localizations"] == [{"language": "ja", "title": "イカ", "synopsis": ""}]
    title = Title.objects.get(pk=body["id"])
    assert Event.objects.get(action=Event.Action.TITLE_CREATED, object_id=str(title.pk)
                             ).actor == user
    season = client.post("/api/v1/titles/", {"kind": "season", "parent": title.pk,
                                             "number": 1, "original_title": "시즌 1",
                                             "romanized_title": "Season 1", "year": 2026},
                         format="json")
    assert season.status_code == 201
    changed = client.patch(f"/api/v1/titles/{title.pk}/", {"english_title": "Squid"},
                           format="json")
    assert changed.status_code == 200
    assert changed.json()["english_title"] == "Squid"
    assert changed.json()["genres"] == [drama.code]  # not given: unchanged
    assert [part["id"] for part in changed.json()["parts"]] == [season.json()["id"]]
    event = Event.objects.get(action=Event.Action.TITLE_UPDATED, object_id=str(title.pk))
    assert event.before["english_title"] == "" and event.after["english_title"] == "Squid"


def test_the_services_rules_answer_as_validation_problems(api_as):
    client, _user = api_as(Role.ADMINISTRATOR)
    film("괴물", 2006)
    orphan = client.post("/api/v1/titles/", {"kind": "season", "original_title": "시즌",
                                             "romanized_title": "Sijeun", "year": 2026},
                         format="json")
    assert orphan.status_code == 400
    body = problem(orphan)
    assert body["type"] == "/api/problems/validation"
    assert body["errors"][0]["pointer"] == "#/parent"
    twice = client.post("/api/v1/titles/", {"kind": "film", "original_title": "괴물",
                                            "romanized_title": "Gwoemul", "year": 2006},
                        format="json")
    assert twice.status_code == 400
    shape = client.post("/api/v1/titles/", {"kind": "film", "year": "soon",
                                            "localizations": [{"language": "xx"}]},
                        format="json")
    pointers = {error["pointer"] for error in problem(shape)["errors"]}
    assert {"#/year", "#/original_title", "#/localizations/0/language"} <= pointers
    malformed = client.post("/api/v1/titles/", "{not json", content_type="application/json")
    assert problem(malformed)["type"] == "/api/problems/malformed-request"


def test_partners_and_translators_do_not_write_or_read_what_their_roles_do_not_allow(api_as):
    title = film("작품", 2026)
    partner, _user = api_as(Role.PARTNER_STUDIO)
    refused = partner.post("/api/v1/titles/", {"kind": "film"}, format="json")
    assert refused.status_code == 403
    assert "This page is for" in problem(refused)["detail"]
    assert partner.patch(f"/api/v1/titles/{title.pk}/", {"year": 1}, format="json"
                         ).status_code == 403
    assert partner.get("/api/v1/rights-blocks/").status_code == 403
    translator, _user = api_as(Role.TRANSLATOR)
    for path in ("/api/v1/titles/", "/api/v1/agreements/", f"/api/v1/titles/{title.pk}/"):
        answer = translator.get(path)
        assert answer.status_code == 403, path
        assert "Partner studio" in problem(answer)["detail"]
    assert translator.get("/api/v1/me/").status_code == 200


def test_rights_blocks_and_a_titles_avails(api_as):
    client, _user = api_as(Role.RIGHTS_MANAGER)
    top, _seasons, episodes = series("악귀", 2026, seasons=1, episodes=1)
    held = hold(top, territory="JP", start=D(2026, 1, 1), end=D(2031, 1, 1))
    granted = grant(episodes[0], territory="JP", start=D(2027, 1, 1), end=D(2028, 1, 1),
                    exclusive=True)
    listed = client.get("/api/v1/rights-blocks/", {"direction": "out"}).json()
    assert [block["id"] for block in listed["results"]] == [granted.pk]
    block = client.get(f"/api/v1/rights-blocks/{held.pk}/").json()
    assert block["window"] == {"start": "2026-01-01", "last_day": "2030-12-31"}
    assert block["counterparty"]["name"] == "Licensor Co"
    # The episode's blocks include those of the series it is part of.
    nested = client.get(f"/api/v1/titles/{episodes[0].pk}/rights-blocks/").json()
    assert {item["id"] for item in nested["results"]} == {held.pk, granted.pk}
    asked = {"territory_expression": "JP", "media": "svod", "languages": "ja",
             "language_kinds": "sub", "start": "2026-06-01", "last_day": "2027-06-30"}
    answer = client.get(f"/api/v1/titles/{episodes[0].pk}/avails/", asked)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "partial"
    assert body["free_windows"] == [{"start": "2026-06-01", "last_day": "2026-12-31"}]
    assert body["reasons"][0]["kind"] == "conflict"
    assert body["reasons"][0]["block"] == granted.pk
    assert body["countries"][0]["code"] == "JP"
    wrong = client.get(f"/api/v1/titles/{top.pk}/avails/",
                       {**asked, "territory_expression": "NOWHERE", "languages": "zz9"})
    errors = problem(wrong)["errors"]
    assert {error["parameter"] for error in errors} >= {"languages"}
    unknown = client.get(f"/api/v1/titles/{top.pk}/avails/", {**asked,
                                                              "territory_expression": "XX"})
    assert unknown.status_code == 400
    assert problem(unknown)["errors"][0]["parameter"] == "territory_expression"


def test_agreements_and_issued_statements_for_the_venture(api_as):
    agreement, _partner, _title = partner_agreement("Studio A", "studio-a", "AGR-A")
    client, _user = api_as(Role.RIGHTS_MANAGER)
    listed = client.get("/api/v1/agreements/").json()
    assert [item["reference"] for item in listed["results"]] == ["AGR-A"]
    detail = client.get(f"/api/v1/agreements/{agreement.pk}/").json()
    assert detail["status"] == "executed"
    assert {party["company"]["name"] for party in detail["parties"]} == {"SFR", "Studio A"}
    assert [version["number"] for version in detail["versions"]] == [1]
    assert len(detail["approvals"]) == 2
    statements = client.get(f"/api/v1/agreements/{agreement.pk}/statements/").json()
    assert [item["period"] for item in statements["results"]] == ["2026-Q1", "2026-Q2"]
    second = client.get(f"/api/v1/agreements/{agreement.pk}/statements/2026-Q2/").json()
    assert second["gross"] == "2000000"
    assert {item["party"]: item["amount"] for item in second["payouts"]} == {
        "SFR": "1430000", "Studio A": "570000"}
    assert second["party"] is None and second["lines"] == []
    own = client.get(f"/api/v1/agreements/{agreement.pk}/statements/2026-Q2/",
                     {"party": "Studio A"}).json()
    assert own["payout"] == "570000" and own["payouts"] == []
    csv_answer = client.get(f"/api/v1/agreements/{agreement.pk}/statements/2026-Q2/csv/")
    assert csv_answer.status_code == 200
    assert csv_answer["Content-Type"].startswith("text/csv")
    assert "AGR-A-2026-Q2-no2" in csv_answer["Content-Disposition"]
    text = csv_answer.content.decode()
    assert "statement_number,2" in text and "SFR" in text and "Studio A" in text


def test_a_partner_gets_its_own_lines_of_issued_statements_only(api_as):
    agreement, partner, _title = partner_agreement("Studio A", "studio-a", "AGR-A")
    client, _user = api_as(user=partner)
    statement = client.get(f"/api/v1/agreements/{agreement.pk}/statements/2026-Q2/",
                           {"party": "SFR"}).json()
    assert statement["party"] == "Studio A"  # a partner never chooses another party
    assert statement["payout"] == "570000"
    assert statement["tiers"] == [] and statement["payouts"] == []
    assert "SFR" not in str(statement)
    text = client.get(f"/api/v1/agreements/{agreement.pk}/statements/2026-Q2/csv/"
                      ).content.decode()
    assert "Studio A" in text and "SFR" not in text


def test_drafts_are_never_visible_to_partners_nor_served_as_statements(api_as):
    agreement, partner, _title = partner_agreement("Studio D", "studio-d", "AGR-D",
                                                   issue=False)
    from coprod.agreements.statements import statement_book, statement_issue

    statement_issue(actor=None, agreement=agreement, period="2026-Q1",
                    today=dt.date(2026, 12, 1))
    assert [entry.period for entry in statement_book(agreement).entries] == [
        "2026-Q1", "2026-Q2"]  # Q2 is a draft
    for client in (api_as(user=partner)[0], api_as(Role.RIGHTS_MANAGER)[0]):
        listed = client.get(f"/api/v1/agreements/{agreement.pk}/statements/").json()
        assert [item["period"] for item in listed["results"]] == ["2026-Q1"]
        for suffix in ("", "csv/"):
            draft = client.get(f"/api/v1/agreements/{agreement.pk}/statements/2026-Q2/{suffix}")
            assert draft.status_code == 404
            assert problem(draft)["type"] == "/api/problems/not-found"


def test_a_partner_sees_the_titles_of_its_agreements_with_their_parts(make_user):
    agreement, partner, title = partner_agreement("Studio A", "studio-a", "AGR-A")
    top, seasons, episodes = series("속편", 2026, seasons=1, episodes=1)
    agreement.titles.add(top)
    film("남의 작품", 2026)
    client = client_with(token_for(partner, "read"))
    listed = client.get("/api/v1/titles/").json()
    assert {item["id"] for item in listed["results"]} == {title.pk, top.pk}
    assert client.get(f"/api/v1/titles/{episodes[0].pk}/").status_code == 200
    assert client.get(f"/api/v1/titles/{seasons[0].pk}/").json()["parent"] == top.pk


def test_the_catalog_wide_avails_search(api_as):
    client, _user = api_as(Role.RIGHTS_MANAGER)
    held, free = film("가진 작품", 2024), film("없는 작품", 2023)
    hold(held, territory="JP", start=D(2026, 1, 1), end=D(2031, 1, 1))
    asked = {"territory_expression": "JP", "media": ["svod"], "languages": ["ja"],
             "language_kinds": ["sub"], "start": "2026-06-01", "last_day": "2026-06-30"}
    answer = client.get("/api/v1/avails/", asked)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["totals"] == {"available": 1, "partial": 0, "unavailable": 1}
    by_title = {row["title"]: row for row in body["results"]}
    assert by_title[held.pk]["status"] == "available"
    assert by_title[free.pk]["reasons"][0]["kind"] == "not_held"
    only = client.get("/api/v1/avails/", {**asked, "status": "available"}).json()
    assert [row["title"] for row in only["results"]] == [held.pk]
    chosen = client.get("/api/v1/avails/", {**asked, "titles": [free.pk]}).json()
    assert [row["title"] for row in chosen["results"]] == [free.pk]
    partner, _user = api_as(Role.PARTNER_STUDIO)
    assert partner.get("/api/v1/avails/", asked).status_code == 403
