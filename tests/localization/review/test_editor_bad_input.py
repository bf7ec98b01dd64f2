"""Bad input answers 400 with the reason, never 500 (issue #12): times out of range or too
large for the database, NUL characters (PostgreSQL refuses them in text), body shapes
the editor never sends, and NUL in the GET filters of the portal, the admin and the
translation-memory export."""

import json

import pytest
from django.contrib import admin
from django.urls import reverse

from coprod.accounts.models import Company
from coprod.accounts.roles import Role
from coprod.portal.site import partner_portal
from localization.review import services as review_services
from localization.review.models import CueComment
from localization.subtitles.models import SubtitleCue
from tests.factories import UserFactory
from tests.localization.review.test_editor import first, make_tracks

pytestmark = pytest.mark.django_db

HUGE = 2**40  # beyond PostgreSQL's integer columns


@pytest.fixture
def japanese(db):
    _korean, japanese = make_tracks()
    return japanese


@pytest.fixture
def editor(client, japanese):
    """The test client, logged in as a reviewer (who may edit, split, merge and comment),
    answering a server error as a 500 instead of raising it."""
    client.force_login(UserFactory(role=Role.REVIEWER))
    client.raise_request_exception = False
    return client


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json",
                       headers={"Accept": "application/json"})


def cue_url(name, track, cue):
    return reverse(f"localization:{name}", args=[track.pk, cue.pk])


def assert_refused(answer, *words):
    assert answer.status_code == 400, answer.content[:500]
    error = answer.json()["error"]
    for word in words:
        assert word in error


# --- cue save -----------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "end", "reason"), [
    (-1000, 2000, "end after it starts"),
    (1000, -5, "end after it starts"),
    (0, 100 * 3_600_000 + 1, "100 hours"),
    (0, HUGE, "100 hours"),
    (HUGE, HUGE + 1000, "100 hours"),
])
def test_save_with_time_out_of_range_is_refused(editor, japanese, start, end, reason):
    cue = first(japanese)
    answer = post(editor, cue_url("editor-cue-save", japanese, cue),
                  {"text": "新しい", "start": start, "end": end, "revision": 1})
    assert_refused(answer, reason)
    cue.refresh_from_db()
    assert (cue.text, cue.revision) == ("こんにちは1", 1)


def test_save_with_an_infinite_time_is_refused(editor, japanese):
    cue = first(japanese)
    # Python's json reads 1e400 as infinity, which int() cannot take.
    answer = editor.post(cue_url("editor-cue-save", japanese, cue),
                         b'{"text": "x", "start": 0, "end": 1e400, "revision": 1}',
                         content_type="application/json")
    assert answer.status_code == 400


def test_save_with_nul_in_the_text_is_refused(editor, japanese):
    cue = first(japanese)
    answer = post(editor, cue_url("editor-cue-save", japanese, cue),
                  {"text": "こん\x00にちは", "start": cue.start_ms, "end": cue.end_ms,
                   "revision": 1})
    assert_refused(answer, "NUL")
    cue.refresh_from_db()
    assert cue.revision == 1


def test_service_refuses_nul_and_far_times(japanese):
    cue = first(japanese)
    actor = UserFactory(role=Role.TRANSLATOR)
    with pytest.raises(review_services.WorkflowError, match="NUL"):
        review_services.cue_save(cue=cue, text="\x00", start_ms=cue.start_ms,
                                 end_ms=cue.end_ms, expected_revision=1, actor=actor)
    with pytest.raises(review_services.WorkflowError, match="100 hours"):
        review_services.cue_save(cue=cue, text="x", start_ms=0, end_ms=HUGE,
                                 expected_revision=1, actor=actor)


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"null", b"12", b"not json"])
def test_a_body_that_is_not_an_object_is_refused(editor, japanese, body):
    cue = first(japanese)
    for name in ("editor-cue-save", "editor-cue-state", "editor-cue-comments"):
        answer = editor.post(cue_url(name, japanese, cue), body,
                             content_type="application/json")
        assert answer.status_code == 400, (name, body, answer.content[:300])
        assert answer.json()["error"]


# --- split and merge ----------------------------------------------------------------------

@pytest.mark.parametrize("at", [-1, HUGE, -HUGE])
def test_split_outside_the_database_range_is_refused(editor, japanese, at):
    cue = first(japanese)
    answer = post(editor, cue_url("editor-cue-split", japanese, cue),
                  {"at": at, "left": "左", "right": "右", "revision": 1})
    assert_refused(answer)
    assert japanese.cues.count() == 3


@pytest.mark.parametrize(("left", "right"), [("左\x00", "右"), ("左", "\x00右")])
def test_split_with_nul_in_a_text_is_refused(editor, japanese, left, right):
    cue = first(japanese)
    answer = post(editor, cue_url("editor-cue-split", japanese, cue),
                  {"at": cue.start_ms + 500, "left": left, "right": right, "revision": 1})
    assert_refused(answer, "NUL")
    assert japanese.cues.count() == 3


@pytest.mark.parametrize("field", ["revision", "next_revision"])
@pytest.mark.parametrize("value", [1e400, "1\x00", [1], {"a": 1}])
def test_merge_with_a_revision_that_is_not_a_number_is_refused(editor, japanese, field,
                                                               value):
    cue = first(japanese)
    data = {"revision": 1, "next_revision": 1}
    data[field] = value
    body = json.dumps(data).replace("Infinity", "1e400")
    answer = editor.post(cue_url("editor-cue-merge", japanese, cue), body,
                         content_type="application/json")
    assert answer.status_code == 400
    assert japanese.cues.count() == 3


# --- state, comments, revert --------------------------------------------------------------

def test_comment_with_nul_is_refused(editor, japanese):
    cue = first(japanese)
    answer = post(editor, cue_url("editor-cue-comments", japanese, cue), {"text": "了\x00解"})
    assert_refused(answer, "NUL")
    assert not CueComment.objects.exists()


@pytest.mark.parametrize("parent", [1e400, HUGE, "x", [1]])
def test_comment_reply_to_an_impossible_parent_is_refused(editor, japanese, parent):
    cue = first(japanese)
    body = json.dumps({"text": "了解", "parent": parent}).replace("Infinity", "1e400")
    answer = editor.post(cue_url("editor-cue-comments", japanese, cue), body,
                         content_type="application/json")
    assert answer.status_code == 400
    assert not CueComment.objects.exists()


def test_rejection_comment_with_nul_is_refused(editor, japanese):
    cue = first(japanese)
    answer = post(editor, cue_url("editor-cue-state", japanese, cue),
                  {"action": "reject", "revision": 1, "comment": "短\x00く"})
    assert_refused(answer, "NUL")
    cue.refresh_from_db()
    assert cue.state == SubtitleCue.State.MACHINE_TRANSLATED


@pytest.mark.parametrize("revision_id", [HUGE, 1e400, "x"])
def test_revert_to_an_impossible_revision_is_refused(editor, japanese, revision_id):
    cue = first(japanese)
    body = json.dumps({"revision_id": revision_id, "revision": 1}).replace("Infinity", "1e400")
    answer = editor.post(cue_url("editor-cue-revert", japanese, cue), body,
                         content_type="application/json")
    assert answer.status_code == 400


# --- NUL in GET and POST parameters -------------------------------------------------------

def test_nul_in_an_editor_query_answers_json(editor, japanese):
    cue = first(japanese)
    answer = editor.get(cue_url("editor-cue-assist", japanese, cue), {"q": "\x00"},
                        headers={"Accept": "application/json"})
    assert_refused(answer, "NUL")


def changelist(site, model) -> str:
    return reverse(f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_changelist")


def portal_user():
    company = Company.objects.create(name="Studio N", kind=Company.Kind.PARTNER_STUDIO,
                                     country="KR")
    return UserFactory(role=Role.PARTNER_STUDIO, company=company)


@pytest.mark.parametrize("query", ["q=%00", "status=%00", "status__exact=%00", "o=%00",
                                   "%00=1"])
def test_nul_in_a_portal_changelist_filter_is_a_400_page(client, query):
    client.force_login(portal_user())
    client.raise_request_exception = False
    for model in partner_portal._registry:
        answer = client.get(f"{changelist(partner_portal, model)}?{query}")
        assert answer.status_code == 400, (model, query)
        assert b"NUL" in answer.content and b"<html" in answer.content


@pytest.mark.parametrize("query", ["q=%00", "status__exact=%00", "kind__exact=%00",
                                   "language__exact=%00"])
def test_nul_in_an_admin_changelist_filter_is_a_400_page(admin_client, query):
    admin_client.raise_request_exception = False
    for model in admin.site._registry:
        answer = admin_client.get(f"{changelist(admin.site, model)}?{query}")
        assert answer.status_code in (400, 302), (model, query)
        if answer.status_code == 302:  # the admin drops a filter it does not know
            answer = admin_client.get(answer["Location"])
        assert answer.status_code == 400, (model, query)


def test_nul_in_the_memory_export_language_is_a_400_page(client_for):
    client, _user = client_for(Role.TRANSLATOR)
    client.raise_request_exception = False
    answer = client.get(reverse("localization:memory"), {"export": "tmx", "language": "ja\x00"})
    assert answer.status_code == 400
    assert b"NUL" in answer.content


def test_an_unknown_memory_export_language_is_a_400_page(client_for):
    client, _user = client_for(Role.TRANSLATOR)
    client.raise_request_exception = False
    answer = client.get(reverse("localization:memory"),
                        {"export": "tmx", "language": "x" * 5000})
    assert answer.status_code == 400
    ok = client.get(reverse("localization:memory"), {"export": "tmx", "language": "ja"})
    assert ok.status_code == 200


def test_nul_in_a_posted_form_is_a_400_page(client_for):
    client, _user = client_for(Role.TRANSLATOR)
    client.raise_request_exception = False
    answer = client.post(reverse("localization:memory"), {"note": "a\x00b"})
    assert answer.status_code == 400


def test_nul_in_the_path_is_a_400_or_404(client_for):
    client, _user = client_for(Role.TRANSLATOR)
    client.raise_request_exception = False
    answer = client.get("/localization/runs/%00/1/")
    assert answer.status_code in (400, 404)
