"""Tracks and cues through the API: every export format read back equal to the cues,
cue edits and reviews with optimistic concurrency (ETag / If-Match: 428 without it, 412
on a stale one, nothing of the loser's edit saved), the editor's permission checks
(partner studios read and download but never edit; another company's track is not
found), and approving the last cue approving the track and sending ``track.approved``."""

import pytest

from coprod.accounts.roles import Role
from coprod.api import tasks
from coprod.api.models import WebhookDelivery
from coprod.api.webhooks import webhook_endpoint_create
from localization.media.models import MediaAsset
from localization.subtitles.formats import FORMATS, read_subtitles
from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack
from tests.api.conftest import client_with, problem, token_for
from tests.factories import TitleFactory, UserFactory

pytestmark = pytest.mark.django_db

State = SubtitleCue.State
LINES = [(1000, 2800, "안녕하세요."), (3000, 5200, "오늘은\n비가 와요."),
         (6000, 7500, "<i>그래요?</i>")]


def make_track(company=None, *, lines=LINES, state=State.TRANSLATED, language="ko",
               title=None) -> SubtitleTrack:
    """A track of ``lines`` on a media file of ``company`` (the venture's own without)."""
    title = title or TitleFactory(romanized_title="Bi-ga Wayo")
    media = MediaAsset.objects.create(
        title=title, file="localization/media/rain.ogg", original_name="rain.ogg",
        size_bytes=1234, sha256="0" * 64, duration_ms=8000, container_format="ogg",
        audio_codec="vorbis", company=company)
    track = SubtitleTrack.objects.create(title=title, media=media, language=language,
                                         version=1, source=SubtitleTrack.Source.IMPORT)
    for index, (start, end, text) in enumerate(lines, start=1):
        SubtitleCue.objects.create(track=track, index=index, start_ms=start, end_ms=end,
                                   text=text, state=state)
    return track


@pytest.fixture
def track():
    return make_track()


def staff(role=Role.REVIEWER, scope="write"):
    user = UserFactory(role=role)
    return client_with(token_for(user, scope)), user


def cue_path(track, cue) -> str:
    return f"/api/v1/tracks/{track.pk}/cues/{cue.pk}/"


def first(track) -> SubtitleCue:
    return track.cues.get(index=1)


# --- reading --------------------------------------------------------------------------------

def test_a_track_shows_its_state_counts_exports_and_etag(track):
    client, _user = staff(Role.TRANSLATOR, "read")
    SubtitleCue.objects.filter(track=track, index=3).update(state=State.APPROVED)
    listed = client.get("/api/v1/tracks/", {"language": "ko", "review_state": "in_progress"})
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert (row["id"], row["cue_count"], row["cue_states"]) == (
        track.pk, 3, {"translated": 2, "approved": 1})
    assert client.get("/api/v1/tracks/", {"language": "ja"}).json()["count"] == 0
    detail = client.get(f"/api/v1/tracks/{track.pk}/")
    body = detail.json()
    assert body["title"] == track.title_id and body["media"] == track.media_id
    assert (body["language"], body["version"], body["source"], body["review_state"],
            body["locked_at"], body["approved_by"]) == ("ko", 1, "import", "in_progress",
                                                        None, None)
    assert set(body["exports"]) == set(FORMATS)
    assert body["exports"]["vtt"].endswith(f"/api/v1/tracks/{track.pk}/export/vtt/")
    assert body["cues_url"].endswith(f"/api/v1/tracks/{track.pk}/cues/")
    etag = detail["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 10
    assert client.get(f"/api/v1/tracks/{track.pk}/")["ETag"] == etag  # stable


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_export_format_reads_back_to_the_tracks_cues(track, fmt):
    client, _user = staff(Role.TRANSLATOR, "read")
    answer = client.get(f"/api/v1/tracks/{track.pk}/export/{fmt}/")
    assert answer.status_code == 200, answer.content
    _label, content_type, extension = FORMATS[fmt]
    assert answer["Content-Type"] == f"{content_type}; charset=utf-8"
    assert answer["Content-Disposition"] == (
        f'attachment; filename="Bi-ga_Wayo.ko.v1.{extension}"')
    cues, _notes = read_subtitles(answer.content, fmt, language="ko")
    assert [(cue.start_ms, cue.end_ms, cue.text) for cue in cues] == LINES


def test_a_format_that_cannot_hold_the_track_is_a_conflict_with_the_reason():
    ten_hours = 10 * 3_600_000
    track = make_track(lines=[(ten_hours, ten_hours + 2000, "너무 늦어요")])
    client, _user = staff(Role.TRANSLATOR, "read")
    refused = client.get(f"/api/v1/tracks/{track.pk}/export/ass/")
    body = problem(refused)
    assert refused.status_code == 409 and body["type"] == "/api/problems/conflict"
    assert "9:59:59" in body["detail"]
    assert client.get(f"/api/v1/tracks/{track.pk}/export/srt/").status_code == 200
    losses = client.get(f"/api/v1/tracks/{track.pk}/export-losses/").json()
    assert set(losses) == set(FORMATS) and losses["srt"] == []
    assert len(losses["ass"]) == 1 and "9:59:59" in losses["ass"][0]


def test_a_translation_with_qa_errors_is_refused_as_the_page_refuses_unless_forced():
    too_long = "これはとても長すぎる一行の字幕テキストで制限を超えています"
    track = make_track(lines=[(1000, 4000, too_long), (5000, 7000, "こんにちは。")],
                       language="ja")
    track.source = SubtitleTrack.Source.TRANSLATION
    track.save()
    client, _user = staff(Role.TRANSLATOR, "read")
    refused = client.get(f"/api/v1/tracks/{track.pk}/export/srt/")
    body = problem(refused)
    assert refused.status_code == 409 and body["type"] == "/api/problems/conflict"
    assert "QA errors remain" in body["detail"] and "force=true" in body["detail"]
    assert body["errors"] and all(error["detail"].startswith("Cue 1 (")
                                  for error in body["errors"])
    forced = client.get(f"/api/v1/tracks/{track.pk}/export/srt/", {"force": "true"})
    assert forced.status_code == 200 and too_long in forced.content.decode()
    # A clean translation needs no force.
    SubtitleCue.objects.filter(track=track, index=1).update(text="短い。")
    assert client.get(f"/api/v1/tracks/{track.pk}/export/srt/").status_code == 200


def test_what_a_format_cannot_carry_is_said_in_a_header():
    track = make_track()
    SubtitleCue.objects.filter(track=track, index=1).update(speaker="민수")
    client, _user = staff(Role.TRANSLATOR, "read")
    answer = client.get(f"/api/v1/tracks/{track.pk}/export/srt/")
    assert answer.status_code == 200 and "X-Subtitle-Export-Notes" in answer
    assert client.get(f"/api/v1/tracks/{track.pk}/export-losses/").json()["srt"]


def test_cues_come_in_order_a_page_at_a_time_each_with_its_etag():
    track = make_track(lines=[(index * 1000, index * 1000 + 800, f"대사 {index}")
                              for index in range(1, 8)])
    client, _user = staff(Role.TRANSLATOR, "read")
    page = client.get(f"/api/v1/tracks/{track.pk}/cues/", {"page_size": 5}).json()
    assert page["count"] == 7 and page["next"]
    assert [cue["index"] for cue in page["results"]] == [1, 2, 3, 4, 5]
    assert page["results"][0]["etag"] == '"1"' and page["results"][0]["revision"] == 1
    rest = client.get(page["next"]).json()
    assert [cue["index"] for cue in rest["results"]] == [6, 7]
    cue = first(track)
    answer = client.get(cue_path(track, cue))
    assert answer.status_code == 200 and answer["ETag"] == '"1"'
    body = answer.json()
    assert (body["id"], body["index"], body["start_ms"], body["end_ms"], body["text"],
            body["state"], body["position"], body["vertical"], body["qa_issues"]) == (
        cue.pk, 1, 1000, 1800, "대사 1", "translated", 2, "", [])


def test_a_cue_of_another_track_is_not_found_through_this_one(track):
    other = make_track()
    client, _user = staff()
    assert problem(client.get(cue_path(track, first(other))))["status"] == 404


# --- edits with If-Match -------------------------------------------------------------------

def test_an_edit_without_if_match_is_428_and_changes_nothing(track):
    client, _user = staff(Role.TRANSLATOR)
    cue = first(track)
    refused = client.patch(cue_path(track, cue), {"text": "바꿈"}, format="json")
    assert refused.status_code == 428
    assert problem(refused)["type"] == "/api/problems/precondition-required"
    cue.refresh_from_db()
    assert (cue.text, cue.revision) == ("안녕하세요.", 1)


def test_two_clients_edit_the_same_cue_and_the_loser_gets_412_and_saves_nothing(track):
    alice, _a = staff(Role.TRANSLATOR)
    bob, _b = staff(Role.REVIEWER)
    cue = first(track)
    etag = alice.get(cue_path(track, cue))["ETag"]
    assert bob.get(cue_path(track, cue))["ETag"] == etag == '"1"'
    saved = alice.patch(cue_path(track, cue), {"text": "앨리스", "end_ms": 2900},
                        format="json", HTTP_IF_MATCH=etag)
    assert saved.status_code == 200, saved.content
    assert saved["ETag"] == '"2"' == saved.json()["etag"]
    assert (saved.json()["text"], saved.json()["end_ms"], saved.json()["start_ms"]) == (
        "앨리스", 2900, 1000)
    lost = bob.patch(cue_path(track, cue), {"text": "밥", "start_ms": 0}, format="json",
                     HTTP_IF_MATCH=etag)
    assert lost.status_code == 412
    body = problem(lost)
    assert body["type"] == "/api/problems/precondition-failed"
    assert lost["ETag"] == '"2"'
    assert (body["current"]["text"], body["current"]["revision"]) == ("앨리스", 2)
    cue.refresh_from_db()
    assert (cue.text, cue.start_ms, cue.end_ms, cue.revision) == ("앨리스", 1000, 2900, 2)
    assert list(CueRevision.objects.filter(cue=cue).order_by("revision").values_list(
        "revision", "text")) == [(1, "안녕하세요."), (2, "앨리스")]
    # Bob reapplies his change to the cue as it is now.
    retried = bob.patch(cue_path(track, cue), {"text": "밥"}, format="json",
                        HTTP_IF_MATCH=lost["ETag"])
    assert retried.status_code == 200 and retried["ETag"] == '"3"'


def test_the_etags_of_cue_and_track_change_after_an_edit(track):
    client, _user = staff(Role.TRANSLATOR)
    cue = first(track)
    track_etag = client.get(f"/api/v1/tracks/{track.pk}/")["ETag"]
    cue_etag = client.get(cue_path(track, cue))["ETag"]
    answer = client.patch(cue_path(track, cue), {"text": "새 대사"}, format="json",
                          HTTP_IF_MATCH=cue_etag)
    assert answer.status_code == 200
    assert client.get(cue_path(track, cue))["ETag"] == answer["ETag"] != cue_etag
    assert client.get(f"/api/v1/tracks/{track.pk}/")["ETag"] != track_etag
    # An edit that changes nothing keeps the revision (and the ETag).
    same = client.patch(cue_path(track, cue), {"text": "새 대사"}, format="json",
                        HTTP_IF_MATCH=answer["ETag"])
    assert same.status_code == 200 and same["ETag"] == answer["ETag"]


def test_if_match_is_compared_strongly_and_star_matches_any_revision(track):
    client, _user = staff(Role.REVIEWER)
    cue = first(track)
    for header in ('W/"1"', "1", '"2"', "", '"0", "5"'):
        answer = client.patch(cue_path(track, cue), {"text": "x"}, format="json",
                              HTTP_IF_MATCH=header)
        assert answer.status_code == 412, header
    listed = client.patch(cue_path(track, cue), {"text": "목록"}, format="json",
                          HTTP_IF_MATCH='"7", "1"')
    assert listed.status_code == 200 and listed["ETag"] == '"2"'
    star = client.patch(cue_path(track, cue), {"text": "별"}, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == 200 and star["ETag"] == '"3"'


@pytest.mark.parametrize(("body", "pointer"), [
    ({"start_ms": 10**12}, "#/start_ms"),
    ({"end_ms": -5}, "#/end_ms"),
    ({"start_ms": "soon"}, "#/start_ms"),
    ({"text": "널\x00문자"}, "#/text"),
    ({"text": None}, "#/text"),
    ({"text": "가" * 5001}, "#/text"),
    ({"start_ms": 5000, "end_ms": 4000}, "#"),
    ({"end_ms": 999}, "#"),  # before the cue's own start
])
def test_an_edit_that_is_not_valid_is_a_400_problem_and_saves_nothing(track, body, pointer):
    client, _user = staff(Role.REVIEWER)
    cue = first(track)
    answer = client.patch(cue_path(track, cue), body, format="json", HTTP_IF_MATCH='"1"')
    details = problem(answer)
    assert answer.status_code == 400, answer.content
    assert details["type"] == "/api/problems/validation"
    assert [error["pointer"] for error in details["errors"]] == [pointer]
    cue.refresh_from_db()
    assert (cue.text, cue.start_ms, cue.end_ms, cue.revision) == ("안녕하세요.", 1000, 2800, 1)


def test_ids_that_are_not_numbers_or_too_large_are_not_found(track):
    client, _user = staff(Role.REVIEWER)
    cue = first(track)
    for path in (f"/api/v1/tracks/abc/cues/{cue.pk}/", f"/api/v1/tracks/{track.pk}/cues/x/",
                 f"/api/v1/tracks/{track.pk}/cues/{10**30}/", f"/api/v1/tracks/{10**30}/",
                 f"/api/v1/tracks/{track.pk}/export/docx/", f"/api/v1/tracks/{10**30}/cues/"):
        assert problem(client.get(path))["status"] == 404, path
        assert problem(client.patch(path, {"text": "x"}, format="json",
                                    HTTP_IF_MATCH='"1"'))["status"] in (404, 405), path
    refused = client.post(f"/api/v1/tracks/{track.pk}/cues/{10**30}/review/",
                          {"action": "approve"}, format="json", HTTP_IF_MATCH='"1"')
    assert problem(refused)["status"] == 404


def test_a_translator_edits_only_a_track_assigned_to_them_or_nobody(track):
    client, _user = staff(Role.TRANSLATOR)
    track.translator = UserFactory(role=Role.TRANSLATOR, first_name="Mina")
    track.save()
    cue = first(track)
    refused = client.patch(cue_path(track, cue), {"text": "x"}, format="json",
                           HTTP_IF_MATCH='"1"')
    assert refused.status_code == 403 and "assigned to" in problem(refused)["detail"]


# --- review, approval, the lock and the webhook ------------------------------------------

@pytest.fixture
def queued(monkeypatch):
    """Webhook sending, recorded instead of run."""
    calls = []
    monkeypatch.setattr(tasks.webhook_deliver, "apply_async",
                        lambda args, countdown=None: calls.append(args[0]))
    return calls


def review(client, track, cue, action, etag, **more):
    return client.post(f"{cue_path(track, cue)}review/", {"action": action, **more},
                       format="json", HTTP_IF_MATCH=etag)


def test_approving_every_cue_approves_the_track_and_sends_track_approved(
        queued, django_capture_on_commit_callbacks):
    partner = UserFactory(role=Role.PARTNER_STUDIO)
    endpoint = webhook_endpoint_create(actor=partner, url="https://example.com/hooks",
                                       events=["track.approved"])
    track = make_track(partner.company)
    client, reviewer = staff(Role.REVIEWER)
    cues = list(track.cues.order_by("index"))
    for cue in cues[:-1]:
        answer = review(client, track, cue, "approve", '"1"')
        assert answer.status_code == 200, answer.content
        assert answer["ETag"] == '"2"' and answer.json()["cue"]["state"] == "approved"
        assert answer.json()["track"]["review_state"] == "in_progress"
    assert not WebhookDelivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        last = review(client, track, cues[-1], "approve", '"1"', comment="좋아요")
    assert last.status_code == 200
    assert last.json()["track"]["review_state"] == "approved"
    assert last.json()["track"]["locked_at"] and last.json()["track"]["approved_by"]
    track.refresh_from_db()
    assert track.review_state == "approved" and track.approved_by == reviewer
    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.endpoint, delivery.event) == (endpoint, "track.approved")
    assert delivery.payload["data"]["id"] == track.pk
    assert queued == [delivery.pk]
    detail = client.get(f"/api/v1/tracks/{track.pk}/").json()
    assert detail["cue_states"] == {"approved": 3} and detail["locked_at"]


def test_a_locked_track_refuses_edits_with_409_until_a_reviewer_reopens_it():
    track = make_track(state=State.APPROVED)
    client, _reviewer = staff(Role.REVIEWER)
    cue = first(track)
    track.review_state, track.locked_at = "approved", "2026-01-01T00:00Z"
    track.save()
    refused = client.patch(cue_path(track, cue), {"text": "x"}, format="json",
                           HTTP_IF_MATCH='"1"')
    assert refused.status_code == 409 and "locked" in problem(refused)["detail"]
    assert review(client, track, cue, "reject", '"1"', comment="다시").status_code == 409
    translator, _t = staff(Role.TRANSLATOR)
    assert translator.post(f"/api/v1/tracks/{track.pk}/reopen/", {},
                           format="json").status_code == 403
    reopened = client.post(f"/api/v1/tracks/{track.pk}/reopen/", {"reason": "오타"},
                           format="json")
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["review_state"] == "in_progress" and reopened["ETag"]
    again = client.post(f"/api/v1/tracks/{track.pk}/reopen/", {}, format="json")
    assert again.status_code == 409  # nothing to reopen
    edited = client.patch(cue_path(track, cue), {"text": "고침"}, format="json",
                          HTTP_IF_MATCH='"1"')
    assert edited.status_code == 200 and edited.json()["state"] == "translated"


def test_review_refusals(track):
    client, _reviewer = staff(Role.REVIEWER)
    cue = first(track)
    no_reason = review(client, track, cue, "reject", '"1"')
    assert no_reason.status_code == 400
    assert [e["pointer"] for e in problem(no_reason)["errors"]] == ["#/comment"]
    unknown = review(client, track, cue, "publish", '"1"')
    assert [e["pointer"] for e in problem(unknown)["errors"]] == ["#/action"]
    assert problem(client.post(f"{cue_path(track, cue)}review/", {"action": "approve"},
                               format="json"))["status"] == 428
    assert problem(review(client, track, cue, "approve", '"9"'))["status"] == 412
    rejected = review(client, track, cue, "reject", '"1"', comment="어색해요")
    assert rejected.status_code == 200 and rejected.json()["cue"]["state"] == "needs_review"
    translator, _t = staff(Role.TRANSLATOR)
    assert problem(review(translator, track, cue, "approve", '"2"'))["status"] == 403
    marked = review(translator, track, cue, "translated", '"2"')
    assert marked.status_code == 200 and marked.json()["cue"]["state"] == "translated"
    # A translated cue cannot be sent to "translated" again: the state refuses it.
    assert problem(review(translator, track, cue, "translated", '"3"'))["status"] == 409


def test_a_retried_review_with_the_same_idempotency_key_is_answered_once(track):
    client, _reviewer = staff(Role.REVIEWER)
    cue = first(track)
    answers = [client.post(f"{cue_path(track, cue)}review/", {"action": "approve"},
                           format="json", HTTP_IF_MATCH='"1"', HTTP_IDEMPOTENCY_KEY="k-1")
               for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[1]["Idempotent-Replayed"] == "true"
    cue.refresh_from_db()
    assert cue.revision == 2


# --- partner studios and tokens ------------------------------------------------------------

def test_a_partner_reads_and_downloads_its_own_track_but_never_edits_it():
    partner = UserFactory(role=Role.PARTNER_STUDIO)
    track = make_track(partner.company)
    client = client_with(token_for(partner, "write"))
    assert [row["id"] for row in client.get("/api/v1/tracks/").json()["results"]] == [track.pk]
    assert client.get(f"/api/v1/tracks/{track.pk}/").status_code == 200
    assert client.get(f"/api/v1/tracks/{track.pk}/export/vtt/").status_code == 200
    cue = first(track)
    etag = client.get(cue_path(track, cue))["ETag"]
    refused = client.patch(cue_path(track, cue), {"text": "x"}, format="json",
                           HTTP_IF_MATCH=etag)
    assert refused.status_code == 403 and problem(refused)["type"].endswith("permission-denied")
    assert review(client, track, cue, "approve", etag).status_code == 403
    assert review(client, track, cue, "translated", etag).status_code == 403
    assert client.post(f"/api/v1/tracks/{track.pk}/reopen/", {},
                       format="json").status_code == 403
    cue.refresh_from_db()
    assert (cue.text, cue.state, cue.revision) == ("안녕하세요.", "translated", 1)


def test_a_partner_cannot_reach_another_partners_track():
    mine, theirs = UserFactory(role=Role.PARTNER_STUDIO), UserFactory(role=Role.PARTNER_STUDIO)
    their_track = make_track(theirs.company)
    client = client_with(token_for(mine, "write"))
    assert client.get("/api/v1/tracks/").json()["count"] == 0
    assert client.get("/api/v1/tracks/", {"title": their_track.title_id}).json()["count"] == 0
    cue = first(their_track)
    base = f"/api/v1/tracks/{their_track.pk}/"
    for path in (base, f"{base}export/srt/", f"{base}export-losses/", f"{base}cues/",
                 cue_path(their_track, cue)):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "안녕" not in answer.content.decode()
    assert client.patch(cue_path(their_track, cue), {"text": "x"}, format="json",
                        HTTP_IF_MATCH='"1"').status_code == 404
    assert client.patch(cue_path(their_track, cue), {"text": "x"},
                        format="json").status_code == 404  # not even a 428
    assert review(client, their_track, cue, "approve", '"1"').status_code == 404
    assert client.post(f"{base}reopen/", {}, format="json").status_code == 404
    cue.refresh_from_db()
    assert (cue.text, cue.revision) == ("안녕하세요.", 1)


def test_a_read_token_cannot_edit_or_review(track):
    client, _user = staff(Role.REVIEWER, "read")
    cue = first(track)
    assert client.get(cue_path(track, cue)).status_code == 200
    refused = client.patch(cue_path(track, cue), {"text": "x"}, format="json",
                           HTTP_IF_MATCH='"1"')
    assert refused.status_code == 403
    assert problem(refused)["type"] == "/api/problems/insufficient-scope"
    assert problem(review(client, track, cue, "approve", '"1"'))["type"] == (
        "/api/problems/insufficient-scope")
    cue.refresh_from_db()
    assert cue.revision == 1
