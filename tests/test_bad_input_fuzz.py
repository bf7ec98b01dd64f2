"""No input makes a server error (issue #12): Hypothesis sends nasty values (NUL, huge and
negative numbers, very long strings, odd Unicode, wrong JSON types, bodies that are not
JSON) to the subtitle editor's JSON endpoints and to every page that filters on GET
parameters, and the answer is never a 5xx.

Each request starts from a valid one and spoils one or two of its fields, so that the
nasty value gets past the checks in front of it (the optimistic lock, a required field)
to the code that uses it. The values that once made a 500 are fixed examples."""

import json

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from coprod.accounts.models import Company
from coprod.accounts.roles import Role
from coprod.portal.site import partner_portal
from coprod.rights.forms import AvailsForm
from localization.subtitles.models import CueRevision
from tests.factories import TitleFactory, UserFactory
from tests.localization.review.test_editor import make_tracks

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
HUGE = 2**40  # beyond PostgreSQL's integer columns

# --- values ---------------------------------------------------------------------------------

NASTY_STRINGS = ["\x00", "a\x00b", "\x00" * 50, "", " ", "-1", "0", "2147483648",
                 "9223372036854775808", "9" * 40, "9" * 5000, "1e400", "Infinity", "NaN",
                 "²", "١٢", "0x10", "1_000", "9999-12-31", "0001-01-01", "2026-02-30",
                 "x" * 5000, "🙂" * 100, "\u202e\ufeff\u200b", "Ａ", "<script>",
                 "'; select 1; --", "%", "\\", "WORLD -KR", "ja", "true", "null"]

url_text = st.one_of(st.sampled_from(NASTY_STRINGS), st.sampled_from(NASTY_STRINGS),
                     st.text(max_size=40),
                     st.integers(min_value=-2**80, max_value=2**80).map(str))
url_value = st.one_of(url_text, st.lists(url_text, min_size=1, max_size=3))

json_number = st.one_of(
    st.integers(min_value=-2**80, max_value=2**80),
    st.sampled_from([-1, 0, 2**31 - 1, 2**31, 2**63, -2**63 - 1, 360_000_001, HUGE]),
    st.floats(allow_nan=True, allow_infinity=True))
json_text = st.one_of(st.sampled_from([*NASTY_STRINGS, "\ud800", "a\udfffb"]),
                      st.text(max_size=60), st.just("字" * 20_000))
json_scalar = st.one_of(json_number, json_number, json_text, json_text, st.none(),
                        st.booleans())
json_value = st.one_of(json_scalar, json_scalar, st.lists(json_scalar, max_size=3),
                       st.dictionaries(st.text(max_size=5), json_scalar, max_size=3))


def never_a_server_error(answer, what) -> None:
    assert answer.status_code < 500, (
        f"{what} answered {answer.status_code}: {answer.content[:300]!r}")


# --- the editor's JSON endpoints ------------------------------------------------------------

@pytest.fixture
def editor():
    """An administrator's client (who may edit, review, reopen and comment) on a track of
    five cues; the server's exceptions come back as 500 answers instead of being raised."""
    _korean, japanese = make_tracks(5)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    return client, japanese


def cue_for(track):
    """The first cue still there (merges remove cues)."""
    return track.cues.order_by("index").first()


def valid_body(name: str, cue) -> dict:
    """What the editor's script would send to ``name`` for ``cue`` now."""
    following = cue.track.cues.filter(index=cue.index + 1).first()
    return {
        "editor-cue-save": {"text": "改", "start": cue.start_ms, "end": cue.end_ms},
        "editor-cue-split": {"at": (cue.start_ms + cue.end_ms) // 2, "left": "左",
                             "right": "右"},
        "editor-cue-merge": {"next_revision": following.revision if following else 1},
        "editor-cue-state": {"action": "needs_review", "comment": ""},
        "editor-cue-comments": {"text": "了解"},
        "editor-cue-revert": {"revision_id": CueRevision.objects.filter(cue=cue)
                              .values_list("pk", flat=True).first()},
        "editor-reopen": {"reason": "again"},
    }[name] | {"revision": cue.revision}


EDITOR_POSTS = ["editor-cue-save", "editor-cue-split", "editor-cue-merge", "editor-cue-state",
                "editor-cue-comments", "editor-cue-revert", "editor-reopen"]
EDITOR_FIELDS = ["text", "start", "end", "revision", "at", "left", "right", "next_revision",
                 "action", "comment", "parent", "revision_id", "reason", "extra"]
EDITOR_GETS = ["editor-cue-assist", "editor-cue-comments", "editor-cue-history",
               "editor-cues", "editor-waveform"]


def editor_url(name: str, track, cue) -> str:
    if name in ("editor-reopen", "editor-cues", "editor-waveform"):
        return reverse(f"localization:{name}", args=[track.pk])
    return reverse(f"localization:{name}", args=[track.pk, cue.pk])


@FUZZ
@given(name=st.sampled_from(EDITOR_POSTS),
       spoilt=st.dictionaries(st.sampled_from(EDITOR_FIELDS), json_value, min_size=1,
                              max_size=2),
       dropped=st.sets(st.sampled_from(EDITOR_FIELDS), max_size=1))
@example(name="editor-cue-save", spoilt={"text": "a\x00b"}, dropped=set())
@example(name="editor-cue-save", spoilt={"end": HUGE}, dropped=set())
@example(name="editor-cue-save", spoilt={"start": HUGE, "end": HUGE + 1}, dropped=set())
@example(name="editor-cue-save", spoilt={"end": float("inf")}, dropped=set())
@example(name="editor-cue-split", spoilt={"left": "\x00"}, dropped=set())
@example(name="editor-cue-split", spoilt={"at": HUGE}, dropped=set())
@example(name="editor-cue-merge", spoilt={"revision": float("inf")}, dropped=set())
@example(name="editor-cue-state", spoilt={"comment": "\x00"}, dropped=set())
@example(name="editor-cue-comments", spoilt={"text": "\x00"}, dropped=set())
@example(name="editor-cue-comments", spoilt={"parent": float("inf")}, dropped=set())
@example(name="editor-cue-revert", spoilt={"revision_id": float("inf")}, dropped=set())
def test_editor_json_endpoints_never_answer_a_server_error(editor, name, spoilt, dropped):
    client, track = editor
    cue = cue_for(track)
    body = {key: value for key, value in (valid_body(name, cue) | spoilt).items()
            if key not in dropped}
    # Python's json writes and reads Infinity and NaN, as a careless client might.
    raw = json.dumps(body)
    answer = client.post(editor_url(name, track, cue), raw, content_type="application/json",
                         headers={"Accept": "application/json"})
    never_a_server_error(answer, f"POST {name} {raw[:200]!r}")
    assert answer["Content-Type"].startswith("application/json")
    if answer.status_code == 400:
        assert answer.json()["error"]


not_an_object = st.one_of(
    st.binary(max_size=80),
    st.sampled_from([b"", b"[]", b"null", b"1", b'"x"', b"{", b"\xff\xfe", b"[" * 5000,
                     b'{"text": "\\u0000"}', b'{"text": "\\ud800"}']),
    json_value.map(lambda value: json.dumps(value).encode()))


@FUZZ
@given(name=st.sampled_from(EDITOR_POSTS), body=not_an_object)
@example(name="editor-cue-state", body=b"[1]")
@example(name="editor-cue-comments", body=b"null")
@example(name="editor-reopen", body=b'"reason"')
def test_editor_json_endpoints_refuse_bodies_that_are_not_objects(editor, name, body):
    client, track = editor
    answer = client.post(editor_url(name, track, cue_for(track)), body,
                         content_type="application/json")
    never_a_server_error(answer, f"POST {name} {body[:200]!r}")


@FUZZ
@given(name=st.sampled_from(EDITOR_GETS),
       query=st.dictionaries(st.sampled_from(["q", "text", "\x00", "page", "id"]), url_value,
                             max_size=3))
@example(name="editor-cue-assist", query={"q": "\x00"})
def test_editor_get_endpoints_never_answer_a_server_error(editor, name, query):
    client, track = editor
    answer = client.get(editor_url(name, track, cue_for(track)), query,
                        headers={"Accept": "application/json"})
    never_a_server_error(answer, f"GET {name} {query!r}")


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["text", "start_ms", "end_ms", "\x00"]),
                             url_value, max_size=3))
@example(query={"text": "\x00"})
@example(query={"start_ms": "²"})
@example(query={"end_ms": "9" * 5000})
def test_editor_inline_check_never_answers_a_server_error(editor, query):
    client, track = editor
    cue = cue_for(track)
    answer = client.get(reverse("localization:cue-check", args=[track.pk, cue.pk]), query,
                        headers={"Accept": "application/json"})
    never_a_server_error(answer, f"GET cue-check {query!r}")


# --- pages with GET filters -----------------------------------------------------------------

def changelist(site, model) -> str:
    return reverse(f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_changelist")


def changelist_parameters(site) -> tuple[list[str], list[str]]:
    """The site's changelist URLs, and the parameters their filters, search and paging
    read."""
    names = {"q", "o", "p", "e", "all", "_to_field", "\x00"}
    for model_admin in site._registry.values():
        for list_filter in model_admin.list_filter:
            if isinstance(list_filter, tuple):
                list_filter = list_filter[0]
            field = list_filter if isinstance(list_filter, str) else getattr(
                list_filter, "parameter_name", None)
            if field:
                names |= {field, f"{field}__exact", f"{field}__isnull", f"{field}__in",
                          f"{field}__gte", f"{field}__id__exact"}
        if model_admin.date_hierarchy:
            names |= {f"{model_admin.date_hierarchy}__{part}"
                      for part in ("year", "month", "day")}
    return sorted(changelist(site, model) for model in site._registry), sorted(names)


def query_for(names):
    return st.dictionaries(st.sampled_from(names), url_value, max_size=4)


@pytest.fixture
def partner_client(db):
    company = Company.objects.create(name="Studio Fuzz", kind=Company.Kind.PARTNER_STUDIO,
                                     country="KR")
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.PARTNER_STUDIO, company=company))
    return client


@pytest.fixture
def staff_client(admin_user):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    TitleFactory()  # a row, so that changelists render results
    return client


@pytest.fixture
def manager_client(db):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    return client


PORTAL_URLS, PORTAL_PARAMETERS = changelist_parameters(partner_portal)
ADMIN_URLS, ADMIN_PARAMETERS = changelist_parameters(admin.site)


@FUZZ
@given(url=st.sampled_from(PORTAL_URLS), query=query_for(PORTAL_PARAMETERS))
@example(url=PORTAL_URLS[0], query={"q": "\x00"})
@example(url=PORTAL_URLS[0], query={"status": "\x00"})
def test_portal_changelists_never_answer_a_server_error(partner_client, url, query):
    never_a_server_error(partner_client.get(url, query), f"GET {url} {query!r}")


@FUZZ
@given(url=st.sampled_from(ADMIN_URLS), query=query_for(ADMIN_PARAMETERS))
@example(url=ADMIN_URLS[0], query={"q": "\x00"})
def test_admin_changelists_never_answer_a_server_error(staff_client, url, query):
    never_a_server_error(staff_client.get(url, query), f"GET {url} {query!r}")


@FUZZ
@given(query=query_for(["q", "kind", "genre", "year_from", "year_to", "include_parts",
                        "\x00"]))
@example(query={"q": "\x00"})
@example(query={"year_from": "9" * 30, "genre": str(2**70)})
def test_title_list_filters_never_answer_a_server_error(manager_client, query):
    TitleFactory()
    answer = manager_client.get(reverse("catalog:title-list"), query)
    never_a_server_error(answer, f"GET title list {query!r}")


@FUZZ
@given(spoilt=query_for([*AvailsForm.base_fields, "\x00"]))
@example(spoilt={"territory_expression": "\x00"})
@example(spoilt={"last_day": "9999-12-31"})
@example(spoilt={"titles": [str(HUGE)]})
def test_avails_search_never_answers_a_server_error(manager_client, spoilt):
    title = TitleFactory()
    query = {"titles": [title.pk], "territory_expression": "WORLD", "media": ["svod"],
             "languages": ["ko"], "language_kinds": ["original"], "start": "2026-01-01",
             "last_day": "2026-12-31"} | spoilt
    answer = manager_client.get(reverse("catalog:avails"), query)
    never_a_server_error(answer, f"GET avails {query!r}")


@FUZZ
@given(query=query_for(["title", "\x00"]))
@example(query={"title": "²"})
def test_rights_export_filter_never_answers_a_server_error(manager_client, query):
    answer = manager_client.get(reverse("catalog:rights-export"), query)
    never_a_server_error(answer, f"GET rights export {query!r}")


@FUZZ
@given(language=url_text, extra=query_for(["export", "\x00"]))
@example(language="ja\x00", extra={})
@example(language="x" * 5000, extra={})
def test_memory_export_never_answers_a_server_error(manager_client, language, extra):
    query = {"export": "tmx", **extra, "language": language}
    answer = manager_client.get(reverse("localization:memory"), query)
    never_a_server_error(answer, f"GET memory {query!r}")
